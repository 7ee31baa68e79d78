"""Two centres for the reconciliation tests: Belarus's and Lithuania's, each with its own database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text, update
from typer.testing import CliRunner

from app.cli import app
from app.db.chain_reader import chain_rows
from app.db.models import EntryRevision, LedgerState
from app.db.session import make_engine, transaction
from app.domain.chain import GENESIS, link
from app.services.integrity import LEDGER
from tests.builders import CSV_HEADER, csv_row

runner = CliRunner()
PASSWORD = "correct horse battery"

# The same 2019 activities, as Belarus recorded them (refs are each side's own).
BY_LEDGER = [
    csv_row(
        "BY-19-01",
        agreement="by-lt-2001",
        activity="evaluation_visit",
        inspecting_state="BY",
        receiving_state="LT",
        requested_at="2019-03-01",
        start="2019-03-12",
        end="2019-03-12",
        team_size="3",
        location="Pabrade",
    ),
    csv_row(
        "BY-19-02",
        agreement="by-lt-2001",
        activity="evaluation_visit",
        inspecting_state="LT",
        receiving_state="BY",
        requested_at="2019-05-02",
        start="2019-05-14",
        end="2019-05-14",
        team_size="2",
        location="Grodno",
    ),
    csv_row(
        "BY-19-03",
        agreement="vd2011",
        activity="evaluation_visit",
        inspecting_state="BY",
        receiving_state="LT",
        requested_at="2019-05-20",
        start="2019-06-04",
        end="2019-06-04",
        team_size="2",
        location="Rukla",
    ),
    csv_row(
        "BY-19-04",
        agreement="vd2011",
        activity="inspection",
        inspecting_state="LT",
        receiving_state="BY",
        requested_at="2019-09-05",
        start="2019-09-10",
        end="2019-09-11",
        team_size="4",
        location="Vitebsk region",
    ),
    csv_row(
        "BY-19-05",
        agreement="vd2011",
        activity="inspection",
        inspecting_state="BY",
        receiving_state="LT",
        requested_at="2019-10-10",
        start="2019-10-15",
        end="2019-10-16",
        team_size="4",
        location="Siauliai region",
    ),
    # Not between the two: in neither statement.
    csv_row(
        "BY-19-06",
        agreement="vd2011",
        activity="inspection",
        inspecting_state="DE",
        receiving_state="BY",
        requested_at="2019-04-01",
        start="2019-04-08",
        end="2019-04-09",
        team_size="4",
    ),
]
# Lithuania's record: BY-19-05's inspection is missing, BY-19-02's visit starts two days later,
# and BY-19-04's inspection team is 3, not 4; the rest is equal.
LT_LEDGER = [
    csv_row(
        "LT-2019-1",
        agreement="by-lt-2001",
        activity="evaluation_visit",
        inspecting_state="BY",
        receiving_state="LT",
        requested_at="2019-03-01",
        start="2019-03-12",
        end="2019-03-12",
        team_size="3",
        location="Pabrade",
        notes="Lithuania's own remark",
    ),
    csv_row(
        "LT-2019-2",
        agreement="by-lt-2001",
        activity="evaluation_visit",
        inspecting_state="LT",
        receiving_state="BY",
        requested_at="2019-05-02",
        start="2019-05-16",
        end="2019-05-16",
        team_size="2",
        location="Grodno",
    ),
    csv_row(
        "LT-2019-3",
        agreement="vd2011",
        activity="evaluation_visit",
        inspecting_state="BY",
        receiving_state="LT",
        requested_at="2019-05-20",
        start="2019-06-04",
        end="2019-06-04",
        team_size="2",
        location="Rukla",
    ),
    csv_row(
        "LT-2019-4",
        agreement="vd2011",
        activity="inspection",
        inspecting_state="LT",
        receiving_state="BY",
        requested_at="2019-09-05",
        start="2019-09-10",
        end="2019-09-11",
        team_size="3",
        location="Vitebsk region",
    ),
]


def run(url: str, *args: str, expect: int = 0, input: str | None = None) -> Any:
    """The CLI in-process against ``url``; JSON output parsed when --json is given and it succeeded."""
    result = runner.invoke(app, [*args, "--database-url", url], input=input, catch_exceptions=False)
    assert result.exit_code == expect, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    if "--json" in args and expect == 0:
        return json.loads(result.stdout)
    return result


@dataclass
class Centre:
    state: str
    url: str
    key: Path
    folder: Path

    def __call__(self, *args: str, expect: int = 0, user: str | None = "officer", input: str | None = None) -> Any:
        who = ["--user", f"{self.state.lower()}-{user}"] if user else []
        return run(self.url, *args, *who, expect=expect, input=input)

    def file(self, name: str) -> Path:
        return self.folder / name


def make_centre(state: str, url: str, folder: Path, rows: list[str], *, encrypted: bool) -> Centre:
    folder.mkdir(parents=True, exist_ok=True)
    centre = Centre(state, url, folder / f"{state.lower()}-signing.pem", folder)
    run(url, "agreements", "load")
    for role in ("admin", "officer"):
        run(url, "users", "add", f"{state.lower()}-{role}", "--role", role, "--password-stdin", input=PASSWORD + "\n")
    options = [] if encrypted else ["--unencrypted"]
    centre("keys", "create", "--state", state, "--key", str(centre.key), *options, user="admin")
    ledger = centre.file("ledger.csv")
    ledger.write_text("\n".join([CSV_HEADER, *rows]) + "\n", encoding="utf-8")
    centre("ledger", "import", str(ledger))
    return centre


def exchange_keys(one: Centre, other: Centre) -> None:
    for sender, receiver in ((one, other), (other, one)):
        public = sender.file(f"{sender.state.lower()}.pub")
        sender("keys", "export-public", "--state", sender.state, "--out", str(public), user="admin")
        receiver("keys", "import", sender.state, str(public), "--yes", user="admin")


def count(url: str, table: str, where: str = "") -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table} {where}")).scalar_one())
    finally:
        engine.dispose()


def edit_in_sql_and_recompute_the_chain(url: str, statement: str) -> None:
    """What an insider with database access does: edit a revision, then rehash the whole ledger
    chain and its head, so that the ledger's own chain verifies again."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
        with transaction(engine, write=True) as session:
            previous = GENESIS
            for row in list(chain_rows(session, "ledger")):
                previous = link(previous, LEDGER.hashed(row))
                session.execute(update(EntryRevision).where(EntryRevision.seq == row.seq).values(chain_hash=previous))
            session.execute(update(LedgerState).where(LedgerState.id == 1).values(entry_head=previous))
    finally:
        engine.dispose()
