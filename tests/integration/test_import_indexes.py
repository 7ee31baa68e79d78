"""An import into an empty ledger makes the ledger tables' indexes (on PostgreSQL their keys
too) once at its end: what it leaves is the schema it found, committed or not."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.db import repositories as repo
from app.db.models import EntryRevision
from app.services import ledger
from app.services.ledger_csv import LedgerFileError
from tests.builders import csv_row
from tests.integration.test_parallel_import import rows, run_import, write


def schema(engine: Engine) -> list[tuple[object, ...]]:
    """The ledger tables' indexes and constraints as the catalog holds them (checked or not)."""
    tables = {"tables": ["ledger_entries", "entry_revisions"]}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            found = conn.execute(
                text(
                    "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ('ledger_entries', 'entry_revisions')"
                )
            )
            return sorted(tuple(row) for row in found)
        indexes = conn.execute(
            text(
                "SELECT tablename, indexname, indexdef FROM pg_indexes "
                "WHERE tablename = ANY(:tables) AND schemaname = current_schema()"
            ),
            tables,
        )
        keys = conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated, condeferrable "
                "FROM pg_constraint WHERE conrelid = ANY(CAST(:tables AS regclass[]))"
            ),
            tables,
        )
        return sorted(tuple(row) for row in [*indexes, *keys])


def test_an_import_into_an_empty_ledger_leaves_every_index_and_key_as_it_found_them(
    engine: Engine, tmp_path: Path
) -> None:
    before = schema(engine)
    assert any("start_on" in str(row) for row in before)
    assert run_import(engine, write(tmp_path / "first.csv", rows(6000)), parallel=True).created == 6000
    assert schema(engine) == before
    if engine.dialect.name == "postgresql":
        # The key holds: a revision of no entry is refused.
        with engine.connect() as conn, pytest.raises(Exception, match="fk_entry_revisions_entry_id_ledger_entries"):
            conn.execute(text("UPDATE entry_revisions SET entry_id = -1 WHERE seq = 1"))


def test_an_import_that_fails_after_writing_rows_rolls_the_indexes_back_too(engine: Engine, tmp_path: Path) -> None:
    before = schema(engine)
    lines = rows(7000)
    lines[6500] = csv_row("BAD-1", receiving_state="QQ")  # after the first batch was written
    with pytest.raises(LedgerFileError):
        run_import(engine, write(tmp_path / "bad.csv", lines), parallel=True)
    assert schema(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM entry_revisions")).scalar_one() == 0


def test_a_postgresql_import_while_a_reader_holds_the_table_defers_nothing_and_succeeds(
    engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite readers see a snapshot and take no table lock")
    before = schema(engine)
    with engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM entry_revisions"))  # holds its lock until it ends
        assert run_import(engine, write(tmp_path / "first.csv", rows(2000)), parallel=False).created == 2000
        reader.rollback()
    assert schema(engine) == before


def test_a_bulk_import_leaves_the_planner_statistics_of_the_columns_queries_select_by(
    engine: Engine, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's planner keeps no statistics csbm refreshes")
    assert run_import(engine, write(tmp_path / "bulk.csv", rows(ledger.BULK_ROWS)), parallel=True).created
    with engine.connect() as conn:
        analysed = set(
            conn.execute(
                text(
                    "SELECT attname FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'entry_revisions'"
                )
            ).scalars()
        )
    assert analysed == {c.strip() for c in repo.PLANNED_COLUMNS.split(",")}
    assert analysed <= set(EntryRevision.__table__.columns.keys())
    assert {"agreement", "receiving_state", "inspecting_state", "start_on", "entry_id", "revision"} <= analysed
