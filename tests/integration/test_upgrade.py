"""Upgrades keep every record: a database written by the csbm of schema 0007, brought to today's.

``tests/fixtures/upgrade/demo-0007.zip`` is a ``csbm backup`` made by the csbm of schema 0007:
the demo, plus imports with Cyrillic, quotes and a line break, revisions, declarations
corrected, a user and a token (``make.sh`` beside it records how). ``expected/`` holds what
that csbm answered about it: the ledger export, Belarus's quota status for 2025 and 2026,
and ``csbm audit verify --json`` with the chain heads.

A centre upgrades in one of two ways, and both are tested on SQLite and on PostgreSQL:

- in place: its database as the old csbm left it (here: the archive loaded at its own
  schema), then ``csbm db upgrade``;
- from a backup: ``csbm restore`` of the old archive into the new csbm's empty database.

Afterwards ``csbm audit verify`` must pass with the same chain heads, and the export and the
quota status must be what the old csbm gave. **Every later migration must keep these tests
green.** Later schemas add things (a ledger column for guests, new fields on quota rows), so
what the old csbm had is compared, and additions are allowed only in a neutral form:

- the export: every old column, cell for cell, for every entry; a column the old csbm did
  not have must be empty (or 0, [], {}) in every old entry;
- quota rows: the fields documented for ``csbm quota --json`` at schema 0007 (``QUOTA_FIELDS``),
  row for row; fields added later are not compared;
- the chains: the same number of revisions and the same head hashes, exactly. A migration
  must never re-chain history (filed reports name these heads); a field added to the chained
  content must hash as before while it is empty.

If a deliberate change to how quotas are counted changes Belarus's figures, rerun with
``CSBM_REFRESH_UPGRADE_QUOTA=1`` to rewrite ``expected/quota-*.json`` from the upgraded
database, and say in the commit why the figures changed: the diff is the record of it.
The export and the chains are never refreshed: a change there is data lost or altered.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.db.migrate import current_revision, head_revision
from app.db.session import make_engine
from app.services.backup import read_manifest
from app.services.restore import load_at_archive_schema
from tests.conftest import empty_pg_schema
from tests.integration.cli_helpers import csbm

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "upgrade"
ARCHIVE = FIXTURE / "demo-0007.zip"
ARCHIVE_SCHEMA = "0007"
QUOTA_YEARS = (2025, 2026)
# Frozen, not imported from the code: these are the fields the csbm of 0007 documented.
QUOTA_FIELDS: tuple[str, ...] = (
    "agreement",
    "rule",
    "kind",
    "activity",
    "receiving_state",
    "inspecting_state",
    "object",
)
QUOTA_FIELDS += ("period_start", "period_end", "limit", "used", "pending", "remaining")
NEUTRAL = {"", "0", "[]", "{}"}


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database never set up (no tables), as a new installation has."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new.sqlite3'}"
        return
    with empty_pg_schema() as url:
        yield url


def schema_of(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return current_revision(conn)
    finally:
        engine.dispose()


def export_rows(csv_text: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(csv_text, newline=""))
    rows = {row["ref"]: row for row in reader}
    return list(reader.fieldnames or []), rows


def assert_export_unchanged(url: str, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    csbm(url, "ledger", "export", str(path))
    old_columns, expected = export_rows((FIXTURE / "expected" / "export.csv").read_text(encoding="utf-8"))
    columns, actual = export_rows(path.read_text(encoding="utf-8"))
    assert set(old_columns) <= set(columns), f"columns lost: {set(old_columns) - set(columns)}"
    assert sorted(actual) == sorted(expected), "entries added or lost"
    added = [c for c in columns if c not in old_columns]
    for ref, row in expected.items():
        assert {c: actual[ref][c] for c in old_columns} == row, ref
        assert all(actual[ref][c] in NEUTRAL for c in added), f"{ref}: new columns not empty: {actual[ref]}"


def quota_key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row[f]) for f in ("agreement", "rule", "receiving_state", "inspecting_state", "object"))


def documented(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({f: row[f] for f in QUOTA_FIELDS} for row in rows), key=quota_key)


def assert_quota_unchanged(url: str) -> None:
    for year in QUOTA_YEARS:
        expected_file = FIXTURE / "expected" / f"quota-{year}-BY.json"
        actual = documented(csbm(url, "quota", "--year", str(year), "--state", "BY", "--json"))
        if os.environ.get("CSBM_REFRESH_UPGRADE_QUOTA") == "1":
            expected_file.write_text(json.dumps(actual, ensure_ascii=False) + "\n", encoding="utf-8")
        assert actual == documented(json.loads(expected_file.read_text(encoding="utf-8"))), year


def assert_chains_unchanged(url: str) -> None:
    expected = json.loads((FIXTURE / "expected" / "audit.json").read_text(encoding="utf-8"))
    actual = csbm(url, "audit", "verify", "--json")
    assert actual["ok"] is True, actual["breaks"]
    # Chains added after 0007 (the reconciliation records) start empty; the old ones are unchanged.
    new = set(actual["heads"]) - set(expected["heads"])
    assert all(actual["checked"][name] == 0 for name in new)
    assert {name: actual["checked"][name] for name in expected["checked"]} == expected["checked"]
    assert {name: actual["heads"][name] for name in expected["heads"]} == expected["heads"]


def assert_nothing_lost(url: str, tmp_path: Path) -> None:
    assert schema_of(url) == head_revision()
    assert_chains_unchanged(url)
    assert_export_unchanged(url, tmp_path)
    assert_quota_unchanged(url)
    history = csbm(url, "ledger", "history", "UPG-2026-01", "--json")
    assert [(r["revision"], r["status"], r["recorded_by"]) for r in history] == [
        (1, "requested", "officer-a"),
        (2, "conducted", "officer-b"),
    ]
    assert {"username": "officer-a", "role": "officer"}.items() <= next(
        u for u in csbm(url, "users", "list", "--json") if u["username"] == "officer-a"
    ).items()


class TestTheArchiveOfSchema0007:
    def test_upgraded_in_place_keeps_the_export_the_quota_status_and_the_chains(
        self, new_database_url: str, tmp_path: Path
    ) -> None:
        engine = make_engine(new_database_url)
        try:
            loaded = load_at_archive_schema(engine, ARCHIVE)
        finally:
            engine.dispose()
        assert loaded["entry_revisions"] == 209
        assert schema_of(new_database_url) == ARCHIVE_SCHEMA
        csbm(new_database_url, "db", "upgrade")
        assert_nothing_lost(new_database_url, tmp_path)

    def test_restored_into_a_new_installation_keeps_the_export_the_quota_status_and_the_chains(
        self, new_database_url: str, tmp_path: Path
    ) -> None:
        restored = csbm(new_database_url, "restore", str(ARCHIVE), "--json")
        assert restored["schema"] == ARCHIVE_SCHEMA
        csbm(new_database_url, "db", "upgrade")
        assert_nothing_lost(new_database_url, tmp_path)

    def test_was_written_at_schema_0007(self) -> None:
        """The fixture is history: it must stay the archive the old csbm wrote."""
        manifest = read_manifest(ARCHIVE)
        assert manifest["schema"] == ARCHIVE_SCHEMA
        assert manifest["chain_heads"] == json.loads((FIXTURE / "expected" / "audit.json").read_text())["heads"]


class TestRestoringAnArchiveOfAnOlderSchema:
    """The shipped archive of schema 0007 stands for any older one."""

    @pytest.fixture
    def old_archive(self) -> Path:
        return ARCHIVE

    def test_it_is_migrated_to_the_newest_schema_and_verified(self, old_archive: Path, tmp_path: Path) -> None:
        target = f"sqlite:///{tmp_path / 'target.sqlite3'}"
        assert csbm(target, "restore", str(old_archive), "--json")["verified"] is True
        assert schema_of(target) == head_revision()
        assert csbm(target, "audit", "verify", "--json")["ok"] is True

    def test_an_empty_database_already_at_the_newest_schema_takes_it_too(
        self, old_archive: Path, other_database_url: str
    ) -> None:
        csbm(other_database_url, "restore", str(old_archive))
        assert schema_of(other_database_url) == head_revision()
        assert csbm(other_database_url, "audit", "verify", "--json")["ok"] is True

    def test_an_archive_from_a_newer_csbm_is_refused_by_name(self, tmp_path: Path) -> None:
        newer = tmp_path / "newer.zip"
        with zipfile.ZipFile(ARCHIVE) as source, zipfile.ZipFile(newer, "w") as target:
            for item in source.infolist():
                data = source.read(item)
                if item.filename == "manifest.json":
                    data = json.dumps({**json.loads(data), "schema": "9999"}).encode()
                target.writestr(item, data)
        result = csbm(f"sqlite:///{tmp_path / 'new.sqlite3'}", "restore", str(newer), expect=1)
        assert "schema version 9999" in result.stderr
        assert "newer csbm" in result.stderr
