"""Backup and restore: one archive, either database, nothing lost, nothing half-loaded."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from app.db.migrate import upgrade
from app.db.session import make_engine
from tests.builders import CSV_HEADER, csv_row
from tests.conftest import PG_URL, _pg_schema_url, postgres_unavailable
from tests.integration.cli_helpers import csbm

CSBM = str(Path(sys.executable).parent / "csbm")


@pytest.fixture
def pg_schemas() -> Iterator[list[str]]:
    """Fresh PostgreSQL schemas made on demand, dropped after the test."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    made: list[str] = []
    yield made
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        for schema in made:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def new_pg(made: list[str]) -> str:
    schema = "b_" + uuid.uuid4().hex[:16]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    made.append(schema)
    return _pg_schema_url(schema)


def observable(url: str, tmp_path: Path, name: str) -> dict[str, Any]:
    """Everything a user can read back: the export, quota status, findings, a report, the chains."""
    export = tmp_path / f"{name}.csv"
    csbm(url, "ledger", "export", str(export))
    reports = tmp_path / f"reports-{name}"
    csbm(url, "report", "--period", "2025Q2", "--format", "json,csv", "--out", str(reports))
    report = json.loads((reports / "2025Q2" / "en" / "report.json").read_text())
    report.pop("generated_at")
    return {
        "export": export.read_text(encoding="utf-8"),
        "quota": csbm(url, "quota", "--year", "2025", "--json"),
        "findings": csbm(url, "findings", "--from", "2025-01-01", "--to", "2026-12-31", "--json"),
        "declarations": csbm(url, "declarations", "--json"),
        "history": csbm(url, "ledger", "history", "CX-LT-2002-EV-IN", "--json"),
        "report": report,
        "csv": (reports / "2025Q2" / "en" / "quotas.csv").read_text(encoding="utf-8"),
        "heads": csbm(url, "audit", "verify", "--json")["heads"],
    }


def test_sqlite_to_postgresql_and_back_loses_nothing(tmp_path: Path, pg_schemas: list[str]) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    csbm(source, "db", "upgrade")
    csbm(source, "demo")
    ledger = tmp_path / "more.csv"
    ledger.write_text(CSV_HEADER + "\n" + csv_row("RT-1", notes='Ünïcödé, "quoted"\nand a new line') + "\n")
    csbm(source, "ledger", "import", str(ledger))
    ledger.write_text(CSV_HEADER + "\n" + csv_row("RT-1", status="cancelled") + "\n")
    csbm(source, "ledger", "import", str(ledger))
    csbm(source, "users", "add", "alice", "--role", "officer")
    before = observable(source, tmp_path, "source")

    first = tmp_path / "one.zip"
    csbm(source, "backup", str(first))
    middle = new_pg(pg_schemas)
    csbm(middle, "restore", str(first))
    assert observable(middle, tmp_path, "middle") == before

    second = tmp_path / "two.zip"
    csbm(middle, "backup", str(second))
    target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    csbm(target, "restore", str(second))
    assert observable(target, tmp_path, "target") == before

    # The restored database goes on working: ids and chains continue.
    ledger.write_text(CSV_HEADER + "\n" + csv_row("RT-2") + "\n")
    for url in (middle, target):
        csbm(url, "ledger", "import", str(ledger))
        heads = csbm(url, "audit", "verify", "--json")["heads"]
        assert heads["ledger"]["seq"] == before["heads"]["ledger"]["seq"] + 1


@pytest.fixture
def archive(database_url: str, tmp_path: Path) -> Path:
    csbm(database_url, "demo")
    path = tmp_path / "backup.zip"
    csbm(database_url, "backup", str(path))
    return path


def test_the_archive_holds_every_table_with_counts_and_checksums(archive: Path) -> None:
    with zipfile.ZipFile(archive) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        names = set(zipped.namelist())
    assert manifest["format"] == "csbm-backup-1"
    assert manifest["chain_format"] == "csbm-chain-1"
    assert {"ledger_entries", "entry_revisions", "declaration_revisions", "users", "audit_log"} <= set(
        manifest["tables"]
    )
    assert {f"tables/{t}.jsonl" for t in manifest["tables"]} <= names
    assert manifest["tables"]["entry_revisions"]["rows"] == manifest["chain_heads"]["ledger"]["seq"]


def test_a_restore_into_a_database_in_use_is_refused(database_url: str, archive: Path) -> None:
    result = csbm(database_url, "restore", str(archive), expect=1)
    assert "not empty" in result.stderr


def rewritten(archive: Path, copy: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    """A copy of the archive with one member changed."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(copy, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, change(data) if item.filename == member else data)
    return copy


def test_a_damaged_archive_restores_nothing(archive: Path, tmp_path: Path) -> None:
    damaged = rewritten(
        archive,
        tmp_path / "damaged.zip",
        "tables/entry_revisions.jsonl",
        lambda d: d.replace(b'"conducted"', b'"refused"', 1),
    )
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = csbm(url, "restore", str(damaged), expect=1)
    assert "entry_revisions does not match its checksum" in result.stderr
    engine = make_engine(url)
    # Even the migrations are rolled back with the rows: the new database is left as it was.
    assert inspect(engine).get_table_names() == []
    engine.dispose()


def test_an_archive_whose_chains_are_of_another_format_restores_nothing(archive: Path, tmp_path: Path) -> None:
    other = rewritten(
        archive,
        tmp_path / "other.zip",
        "manifest.json",
        lambda d: json.dumps({**json.loads(d), "chain_format": "csbm-chain-2"}).encode(),
    )
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = csbm(url, "restore", str(other), expect=1)
    assert "its hash chains are of format csbm-chain-2; this csbm computes csbm-chain-1" in result.stderr


def test_a_file_that_is_no_backup_gets_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.zip"
    bogus.write_text("not a zip")
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    assert "not a csbm backup" in csbm(url, "restore", str(bogus), expect=1).stderr


def test_a_backup_taken_during_writes_is_one_consistent_moment(database_url: str, tmp_path: Path) -> None:
    csbm(database_url, "agreements", "load")
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            path = tmp_path / f"w{n % 2}.csv"
            rows = [csv_row(f"W-{n}-{i}", inspecting_state="FR") for i in range(50)]
            path.write_text("\n".join([CSV_HEADER, *rows]) + "\n")
            # A separate process: the in-process runner swaps sys.stdout and is not thread-safe.
            command = [CSBM, "ledger", "import", str(path), "--database-url", database_url]
            subprocess.run(command, check=True, capture_output=True)
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        archives = []
        for i in range(3):
            path = tmp_path / f"during-{i}.zip"
            csbm(database_url, "backup", str(path))
            archives.append(path)
    finally:
        stop.set()
        writer.join()
    for i, path in enumerate(archives):
        url = f"sqlite:///{tmp_path / f'restored-{i}.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        restored = csbm(url, "restore", str(path), "--json")
        # Whole imports only: every one writes 50 entries in one transaction.
        assert restored["tables"]["ledger_entries"] % 50 == 0
        assert restored["tables"]["entry_revisions"] == restored["chain_heads"]["ledger"]["seq"]
