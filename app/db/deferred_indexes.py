"""A load into an empty ledger: the revisions' read indexes and foreign key made once, at its end.

Kept up row by row while 100,000 revisions are loaded, the indexes that only
serve reads and the check of every revision's entry cost more than the rows
themselves; made once from the loaded rows (a sort per index, one join for the
key) they cost a fraction of it. They are dropped and made again inside the
load's transaction, from their definitions as the database's catalog holds
them: a committed load has each of them exactly as before, its foreign key
checked over every row, and a failed one rolls back to the schema as it was.
Unique constraints stay in place throughout: they are what refuses a bad row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

_TABLE = "entry_revisions"
_LOCK_NOT_AVAILABLE = "55P03"

_PG_INDEXES = text(
    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisunique ORDER BY c.relname"
)
_PG_FOREIGN_KEYS = text(
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = CAST(:table AS regclass) AND contype = 'f' ORDER BY conname"
)
# Indexes a constraint makes (UNIQUE, PRIMARY KEY) have no SQL of their own.
_SQLITE_INDEXES = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
    "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
)


@contextmanager
def indexes_made_at_end(session: Session) -> Iterator[None]:
    """Inside the caller's transaction: drop the read indexes (and on PostgreSQL the foreign
    keys) of entry_revisions, run the body, make them again. On PostgreSQL that needs the
    tables to itself until commit; where another transaction holds a lock on them now,
    nothing is deferred (waiting on it could deadlock with the writers' lock this holds).
    If the body raises, the caller's rollback restores them."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and not _tables_taken(session):
        yield
        return
    restore = _drop_postgres(session) if postgres else _drop_sqlite(session)
    yield
    for statement in restore:
        session.execute(text(statement))


def _tables_taken(session: Session) -> bool:
    try:
        with session.begin_nested():  # a lock taken in a released savepoint is held until commit
            session.execute(text(f"LOCK TABLE {_TABLE}, ledger_entries IN ACCESS EXCLUSIVE MODE NOWAIT"))
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
            raise
        return False
    return True


def _drop_postgres(session: Session) -> list[str]:
    indexes = session.execute(_PG_INDEXES, {"table": _TABLE}).all()
    keys = session.execute(_PG_FOREIGN_KEYS, {"table": _TABLE}).all()
    for name, _ in keys:
        session.execute(text(f'ALTER TABLE {_TABLE} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in indexes] + [
        f'ALTER TABLE {_TABLE} ADD CONSTRAINT "{name}" {definition}' for name, definition in keys
    ]


def _drop_sqlite(session: Session) -> list[str]:
    indexes = session.execute(_SQLITE_INDEXES, {"table": _TABLE}).all()
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in indexes]
