"""An import killed with SIGKILL at any moment leaves all of the file or none of it."""

from __future__ import annotations

import csv
import random
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import text

from app.db.session import make_engine
from app.services.ledger_csv import write_ledger
from bench import generate
from tests.integration.cli_helpers import csbm
from tests.resilience.conftest import CSBM, ROWS, TRIALS


def ledger_file(folder: Path, trial: int) -> Path:
    """ROWS entries whose refs are this trial's own, so each trial's file is new to the ledger."""
    plain = folder / "plain.csv"
    if not plain.exists():
        with plain.open("w", encoding="utf-8", newline="") as stream:
            write_ledger(list(generate.entries(1, ROWS, seed=11)), stream)
    path = folder / f"trial-{trial}.csv"
    with plain.open(encoding="utf-8", newline="") as source, path.open("w", encoding="utf-8", newline="") as target:
        reader, writer = csv.reader(source), csv.writer(target, lineterminator="\n")
        writer.writerow(next(reader))
        for row in reader:
            writer.writerow([f"T{trial}-{row[0]}", *row[1:]])
    return path


def state(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts = {
                "entries": conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one(),
                "revisions": conn.execute(text("SELECT count(*) FROM entry_revisions")).scalar_one(),
                "orphan_revisions": conn.execute(
                    text(
                        "SELECT count(*) FROM entry_revisions r "
                        "WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.id = r.entry_id)"
                    )
                ).scalar_one(),
                "entries_without_revision": conn.execute(
                    text(
                        "SELECT count(*) FROM ledger_entries e "
                        "WHERE NOT EXISTS (SELECT 1 FROM entry_revisions r WHERE r.entry_id = e.id)"
                    )
                ).scalar_one(),
            }
            if conn.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            return counts
    finally:
        engine.dispose()


def take_the_writers_lock(url: str) -> None:
    """Fails unless a new writer gets in promptly: nothing the killed import started (its
    parser process, say) may still hold its connection, its transaction and their locks."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL lock_timeout = '15s'"))
                conn.execute(text("SELECT id FROM ledger_state WHERE id = 1 FOR UPDATE")).one()
            else:
                conn.execute(text("UPDATE ledger_state SET version = version WHERE id = 1"))
    finally:
        engine.dispose()


def test_a_killed_import_writes_all_or_nothing(database_url: str, tmp_path: Path, kill_moments: random.Random) -> None:
    csbm(database_url, "agreements", "load")
    # A first, uninterrupted import measures how long one takes.
    started = time.monotonic()
    csbm(database_url, "ledger", "import", str(ledger_file(tmp_path, 0)))
    duration = time.monotonic() - started
    expected = ROWS
    outcomes = []
    for trial in range(1, TRIALS + 1):
        path = ledger_file(tmp_path, trial)
        process = subprocess.Popen(
            [CSBM, "ledger", "import", str(path), "--database-url", database_url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Anywhere from start-up to the commit (the CLI starts up before it imports).
        time.sleep(kill_moments.uniform(0.0, duration + 1.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        take_the_writers_lock(database_url)
        after = state(database_url)
        assert after["orphan_revisions"] == 0
        assert after["entries_without_revision"] == 0
        assert after["entries"] in (expected, expected + ROWS), f"trial {trial}: a partial import: {after}"
        assert after["revisions"] == after["entries"]
        outcomes.append("all" if after["entries"] > expected else "none")
        expected = after["entries"]
        assert csbm(database_url, "audit", "verify", "--json")["ok"] is True
    print(f"outcomes per trial: {outcomes}")
