"""A load into an empty ledger: the ledger tables' indexes and constraints made once, at its end.

Kept up row by row while 100,000 revisions are loaded, the indexes and the check
of every revision's entry cost more than the rows themselves; made once from the
loaded rows (a sort per index, one join for the foreign key) they cost a fraction
of it. They are dropped and made again inside the load's transaction, from their
definitions as the database's catalog holds them: a committed load has each of
them exactly as before, every constraint checked over every row (a violation
fails the load at its end, and nothing is written), and a failed load rolls back
to the schema as it was. SQLite keeps a table's constraints in its definition:
there only the other indexes are deferred.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

_TABLE = "entry_revisions"
_TABLES = ("ledger_entries", _TABLE)
_LOCK_NOT_AVAILABLE = "55P03"

# Foreign keys first: they stand on the keys they reference, so are dropped before and made after them.
_PG_CONSTRAINTS = text(
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype = 'f' FROM pg_constraint "
    "WHERE conrelid = ANY(CAST(:tables AS regclass[])) AND contype IN ('f', 'p', 'u') "
    "ORDER BY contype <> 'f', conname"
)
_PG_INDEXES = text(
    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid = ANY(CAST(:tables AS regclass[])) "
    "AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname"
)
# Indexes a constraint makes (UNIQUE, PRIMARY KEY) have no SQL of their own.
_SQLITE_INDEXES = text(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
    "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
)


@contextmanager
def indexes_made_at_end(session: Session) -> Iterator[bool]:
    """Inside the caller's transaction: drop the indexes of entry_revisions (on PostgreSQL
    every index and key of the two ledger tables), run the body, make them again. The body
    is told whether the keys, foreign keys among them, wait for the end: then nothing checks
    a revision's entry before that, and the two tables may be written in either order.

    On PostgreSQL that needs the tables to itself until commit; where another transaction
    holds a lock on them now, nothing is deferred (waiting on it could deadlock with the
    writers' lock this holds). If the body raises, the caller's rollback restores them."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and not _tables_taken(session):
        yield False
        return
    restore = _drop_postgres(session) if postgres else _drop_sqlite(session)
    yield postgres
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
    tables = {"tables": list(_TABLES)}
    constraints = session.execute(_PG_CONSTRAINTS, tables).all()
    indexes = session.execute(_PG_INDEXES, tables).all()
    for table, name, _, _ in constraints:
        session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    keys = {
        foreign: [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {made}'
            for table, name, made, f in constraints
            if f is foreign
        ]
        for foreign in (False, True)
    }
    return keys[False] + [definition for _, definition in indexes] + keys[True]


def _drop_sqlite(session: Session) -> list[str]:
    indexes = session.execute(_SQLITE_INDEXES, {"table": _TABLE}).all()
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in indexes]
