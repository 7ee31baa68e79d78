"""The writer's bulk inserts (SQLite: many rows to one INSERT) store each row of a batch once, in order."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import Engine, text

from app.db.chain_writer import LedgerWriter
from app.db.session import transaction
from app.services.integrity import verify
from tests.builders import make_entry

AT = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
_STORED = "SELECT e.ref, r.notes FROM entry_revisions r JOIN ledger_entries e ON e.id = r.entry_id ORDER BY r.seq"


@pytest.mark.parametrize("count", [1, 99, 100, 101, 250])
@pytest.mark.parametrize("variables", [None, 23 * 7])  # a build of SQLite allowing fewer bound values
def test_a_batch_of_any_size_is_stored_whole_in_order_and_chained(
    engine: Engine, count: int, variables: int | None
) -> None:
    with transaction(engine, write=True) as session:
        writer = LedgerWriter(session, at=AT, by="test")
        if variables is not None:
            if engine.dialect.name != "sqlite":
                pytest.skip("only SQLite binds the values")
            writer.driver.raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variables)
        writer.add([make_entry(f"W-{i:04d}", notes=f"note {i}") for i in range(count)], [])
    with transaction(engine) as session:
        verification = verify(session)
        stored = session.execute(text(_STORED)).all()
    assert verification.ok
    assert verification.checked["ledger"] == count
    assert [tuple(row) for row in stored] == [(f"W-{i:04d}", f"note {i}") for i in range(count)]
