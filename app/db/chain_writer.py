"""Appending revisions: chained, in bulk, inside the caller's transaction.

Every path that stores a ledger or declaration revision goes through here, so
each one gets its place in its chain (``seq``) and its chained hash. The head
of each chain lives in the ``ledger_state`` row; the writer first bumps that
row's version, which takes the row lock every writer takes (SQLite writers
already hold the database's write lock), so two transactions can never chain
onto the same head.

Imports write tens of thousands of rows, so rows go to the driver directly:
``COPY`` on PostgreSQL, INSERTs of many rows each on SQLite. Neither leaves the
transaction, so a failure later in the import still rolls everything back.
"""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Table, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import DeclarationRevision, EntryRevision, LedgerEntryRow, LedgerState, ReconciliationRecord
from app.db.revision_rows import New, NewEntries, Revised, Rows, Stamp, build
from app.domain.chain import ENTRY_COLUMNS, GENESIS, ChainHead, canonical_text, entry_texts, link
from app.domain.ledger import LedgerEntry

# entry_revisions columns in the order rows are written: the chained fields
# (app/domain/chain.py) without seq and ref, which come from elsewhere.
_REVISION_COLUMNS = ("entry_id", *ENTRY_COLUMNS[2:], "seq", "chain_hash")
_IDENTITY_COLUMNS = ("id", "ref", "created_at")
_ROWS_PER_INSERT = 100


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


_STATE = _table(LedgerState)


def lock_writers(session: Session) -> None:
    """Take the writers' lock now, before reading what a write depends on (a ref's current
    revision), so two concurrent revisions of one entry stack instead of colliding.
    On SQLite a write transaction already holds the database's write lock."""
    session.execute(select(_STATE.c.id).where(_STATE.c.id == 1).with_for_update())


def _lock_and_read(session: Session) -> Any:
    # Core statements, not the ORM object: an identity-mapped LedgerState would
    # not see heads advanced earlier in the same transaction.
    session.execute(update(_STATE).where(_STATE.c.id == 1).values(version=_STATE.c.version + 1))
    return session.execute(select(_STATE).where(_STATE.c.id == 1)).one()


class _Driver:
    """Bulk inserts straight to the DB-API connection of the session's transaction."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self.dialect = connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self.raw: Any = connection.connection.driver_connection

    def stored(self, table: Table, column: str) -> Callable[[Any], Any]:
        """How the driver wants a value of this column (SQLite keeps datetimes as text)."""
        processor = table.c[column].type.dialect_impl(self.dialect).bind_processor(self.dialect)
        return processor if processor is not None else _same

    def insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]] | str) -> None:
        """Rows as tuples on SQLite; as COPY text on PostgreSQL."""
        if not rows:
            return
        with self._integrity(table):
            self._insert(table, columns, rows)

    @contextmanager
    def copying(self, table: Table, columns: Sequence[str]) -> Iterator[Callable[[str], None]]:
        """One COPY on PostgreSQL, written to in parts (COPY text) as they come."""
        with (
            self._integrity(table),
            self.raw.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            yield copy.write

    @contextmanager
    def _integrity(self, table: Table) -> Iterator[None]:
        try:
            yield
        except self.dialect.loaded_dbapi.IntegrityError as exc:
            # Straight from the driver, so not wrapped by SQLAlchemy: wrap it here, and
            # callers handle a constraint violation the same way on every path.
            raise IntegrityError(f"INSERT INTO {table.name}", None, exc) from exc

    def _insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]] | str) -> None:
        if self.postgres:
            with self.copying(table, columns) as write:
                write(cast(str, rows))
        else:
            self._insert_sqlite(table, columns, cast(list[tuple[Any, ...]], rows))

    def _insert_sqlite(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        # Many rows to one INSERT: SQLite then runs a statement per hundred rows rather than
        # one per row (executemany's way), which took a third less time for an import's rows.
        into, one = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ", f"({', '.join('?' * len(columns))})"
        limit = self.raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        per = max(1, min(_ROWS_PER_INSERT, limit // len(columns)))
        whole, width = len(rows) - len(rows) % per, per * len(columns)
        values = list(itertools.chain.from_iterable(rows[:whole]))
        cursor = self.raw.cursor()
        try:
            many = into + ", ".join([one] * per)
            for start in range(0, len(values), width):
                cursor.execute(many, values[start : start + width])
            if whole < len(rows):
                cursor.executemany(into + one, rows[whole:])
        finally:
            cursor.close()

    def new_ids(self, session: Session, table: Table, count: int) -> list[int]:
        """Ids for rows about to be inserted, so their children can be written in the same batch."""
        if self.postgres:
            # One block of ids, not one nextval per row. Safe because every insert into
            # these tables goes through a writer, which holds the writers' lock: no other
            # transaction can take ids from the sequence between nextval and setval.
            query = text(f"SELECT setval({_sequence(table)}, nextval({_sequence(table)}) + :n - 1)")
            last = int(session.execute(query, {"n": count}).scalar_one())
            return list(range(last - count + 1, last + 1))
        first = self.first_id(session, table)
        return list(range(first, first + count))

    def first_id(self, session: Session, table: Table) -> int:
        """The first id of rows about to be inserted; used_ids() then says how many were."""
        if self.postgres:
            return int(session.execute(text(f"SELECT nextval({_sequence(table)})")).scalar_one())
        # The write lock is held, so nobody else can take ids past the current maximum.
        return int(session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()) + 1

    def used_ids(self, session: Session, table: Table, first: int, count: int) -> None:
        """Ids first .. first + count - 1 are taken (see new_ids on why this is safe)."""
        if self.postgres and count > 1:
            session.execute(text(f"SELECT setval({_sequence(table)}, :last)"), {"last": first + count - 1})


def _sequence(table: Table) -> str:
    return f"pg_get_serial_sequence('{table.name}', 'id')"


def _same(value: Any) -> Any:
    return value


class LedgerWriter:
    """New entries and new revisions of existing ones, each chained onto the ledger's head
    (the rows are built in app/db/revision_rows.py)."""

    def __init__(self, session: Session, *, at: dt.datetime, by: str) -> None:
        self.session = session
        state = _lock_and_read(session)
        self.head = ChainHead(int(state.entry_seq), state.entry_head)
        self.driver = _Driver(session)
        self.stamp = Stamp(
            postgres=self.driver.postgres,
            at_text=canonical_text(at),
            at_stored=self.driver.stored(_table(EntryRevision), "recorded_at")(at),
            at_entry=self.driver.stored(_table(LedgerEntryRow), "created_at")(at),
            by=by,
        )

    def add(self, new: Sequence[LedgerEntry], revised: Sequence[tuple[int, int, LedgerEntry]]) -> None:
        """Store the new entries (revision 1) and the revisions ``(entry id, number, entry)``."""
        self.add_texts(
            [(e.ref, entry_texts(e)) for e in new],
            [(entry_id, number, e.ref, entry_texts(e)) for entry_id, number, e in revised],
        )

    def add_texts(self, new: Sequence[New], revised: Sequence[Revised]) -> None:
        """add() for entries given as ``(ref, entry_texts)``, as an import's parser hands them over."""
        ids = self.driver.new_ids(self.session, _table(LedgerEntryRow), len(new)) if new else []
        self.write(build(self.stamp, self.head, ids, new, revised))

    def new_entries(self) -> NewEntries:
        """What builds the rows of batches of new entries on from here, anywhere: the ids
        it counts on from are taken now, and end_new_entries() says how many were used."""
        self.first_id = self.driver.first_id(self.session, _table(LedgerEntryRow))
        return NewEntries(self.stamp, self.head, self.first_id)

    def end_new_entries(self, count: int) -> None:
        self.driver.used_ids(self.session, _table(LedgerEntryRow), self.first_id, count)

    def write(self, rows: Rows) -> None:
        """Store a batch built onto this writer's head (by build or NewEntries) and advance the head."""
        self._follow(rows)
        self.driver.insert(_table(LedgerEntryRow), _IDENTITY_COLUMNS, rows.identities)
        self.driver.insert(_table(EntryRevision), _REVISION_COLUMNS, rows.revisions)
        self._store_head()

    def write_all(self, batches: Iterable[Rows]) -> int:
        """write() each batch; how many entries were new."""
        created = 0
        for rows in batches:
            self.write(rows)
            created += rows.created
        return created

    def stream(self, batches: Iterable[Rows]) -> int:
        """write() for batches of new entries on PostgreSQL, all revisions through one COPY
        (the database takes each batch in while the next is made) and then all identities;
        only where no foreign key checks a revision's entry before commit. How many were new."""
        identities, created = [], 0
        with self.driver.copying(_table(EntryRevision), _REVISION_COLUMNS) as write:
            for rows in batches:
                self._follow(rows)
                write(cast(str, rows.revisions))
                identities.append(cast(str, rows.identities))
                created += rows.created
        self.driver.insert(_table(LedgerEntryRow), _IDENTITY_COLUMNS, "".join(identities))
        self._store_head()
        return created

    def _follow(self, rows: Rows) -> None:
        if rows.head.seq - self.head.seq != _row_count(rows.revisions):
            raise ValueError("the rows were not built onto this writer's head")
        self.head = rows.head

    def _store_head(self) -> None:
        self.session.execute(
            update(_STATE).where(_STATE.c.id == 1).values(entry_seq=self.head.seq, entry_head=self.head.hash)
        )


def _row_count(rows: list[tuple[Any, ...]] | str) -> int:
    return rows.count("\n") if isinstance(rows, str) else len(rows)


def chain_declaration(session: Session, revision: DeclarationRevision, *, state: str, year: int, name: str) -> None:
    """Give a declaration revision (not yet flushed) its place and hash in the declarations' chain."""
    row = _lock_and_read(session)
    seq = int(row.declaration_seq) + 1
    values = (seq, state, year, name, revision.revision, revision.value, revision.source)
    texts = [canonical_text(v) for v in values] + [canonical_text(revision.recorded_at), revision.recorded_by]
    revision.seq, revision.chain_hash = seq, link(row.declaration_head, texts)
    session.execute(
        update(_STATE).where(_STATE.c.id == 1).values(declaration_seq=seq, declaration_head=revision.chain_hash)
    )


def chain_heads(session: Session, as_of: dt.datetime | None = None) -> dict[str, ChainHead]:
    """The chains' heads now, or as they stood at ``as_of`` (the last revision recorded by then)."""
    if as_of is None:
        row = session.execute(select(_STATE).where(_STATE.c.id == 1)).one()
        return {
            "ledger": ChainHead(int(row.entry_seq), row.entry_head),
            "declarations": ChainHead(int(row.declaration_seq), row.declaration_head),
            "reconciliations": ChainHead(int(row.record_seq), row.record_head),
        }
    heads = {}
    for name, model in (
        ("ledger", EntryRevision),
        ("declarations", DeclarationRevision),
        ("reconciliations", ReconciliationRecord),
    ):
        found = session.execute(
            select(model.seq, model.chain_hash).where(model.recorded_at <= as_of).order_by(model.seq.desc()).limit(1)
        ).first()
        heads[name] = ChainHead(int(found[0]), found[1]) if found else ChainHead(0, GENESIS)
    return heads
