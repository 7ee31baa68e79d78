"""Every table as typed JSON lines and back: what app/services/backup.py writes into an archive.

Values are stored by column type (moments in ISO 8601 with their zone, dates
as ISO dates, binary as base64), so rows read from SQLite load into
PostgreSQL and back without loss.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, LargeBinary, Table, func, insert, select, text
from sqlalchemy.types import Date, DateTime

from app.db.base import Base
from app.db.types import UtcDateTime

CHUNK = 2_000
# Bookkeeping an archive does not carry: the migration version is in its manifest instead.
SKIPPED = {"alembic_version"}
# A database holding rows in any of these is in use; migrations seed only the others.
_IN_USE = ("ledger_entries", "declarations", "agreement_versions", "users", "audit_log")


def tables() -> list[Table]:
    """Every table csbm owns, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED]


def _dump(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, UtcDateTime):
        return str(value.isoformat())
    if isinstance(column_type, Date):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def load_value(value: Any, column_type: Any) -> Any:
    """A value as the archive holds it, back in its column's type (csbm's models' types, or
    the types a database reflects for the tables as an older schema had them)."""
    if value is None:
        return None
    if isinstance(column_type, UtcDateTime | DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return dt.date.fromisoformat(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    return value


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read-only connection that sees one moment of the database throughout: REPEATABLE READ
    on PostgreSQL; on SQLite in WAL mode a read transaction keeps the snapshot of its first read."""
    connection = engine.connect()
    if connection.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    with connection, connection.begin() as reading:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION READ ONLY"))
        yield connection
        reading.rollback()


def lines(connection: Connection, table: Table) -> Iterator[bytes]:
    """The table's rows in primary-key order, each one JSON array of its column values."""
    types = [c.type for c in table.columns]
    order = list(table.primary_key.columns) or list(table.columns)
    result = connection.execute(select(table).order_by(*order).execution_options(yield_per=CHUNK))
    for row in result:
        values = [_dump(v, t) for v, t in zip(row, types, strict=True)]
        yield (json.dumps(values, ensure_ascii=False) + "\n").encode("utf-8")


def unknown_columns(table: Table, columns: list[str]) -> list[str]:
    return [c for c in columns if c not in table.columns]


def insert_lines(connection: Connection, table: Table, columns: list[str], rows: Iterable[bytes]) -> None:
    """Insert rows given as lines() wrote them, for the ``columns`` they were written with."""
    types = [table.columns[c].type for c in columns]
    batch: list[dict[str, Any]] = []
    for line in rows:
        batch.append({c: load_value(v, t) for c, v, t in zip(columns, json.loads(line), types, strict=True)})
        if len(batch) >= CHUNK:
            connection.execute(insert(table), batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)


def table_in_use(connection: Connection) -> str | None:
    """The first table showing that the database holds data (a restore target must hold none)."""
    for name in _IN_USE:
        if connection.execute(select(func.count()).select_from(Base.metadata.tables[name])).scalar_one():
            return name
    return None


def clear(connection: Connection) -> None:
    """Remove what the migrations seeded (the ledger state, the quota locks), children first."""
    for table in reversed(tables()):
        connection.execute(table.delete())


def reset_sequences(connection: Connection, present: list[Table] | None = None) -> None:
    """Rows came with their ids; PostgreSQL's sequences must continue after them."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables() if present is None else present:
        if "id" not in table.columns or list(table.primary_key.columns) != [table.columns["id"]]:
            continue
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if sequence:
            connection.execute(
                text(f"SELECT setval(:s, coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"),
                {"s": sequence},
            )
