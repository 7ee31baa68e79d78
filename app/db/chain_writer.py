"""Appending revisions: chained, in bulk, inside the caller's transaction.

Every path that stores a ledger or declaration revision goes through here, so
each one gets its place in its chain (``seq``) and its chained hash. The head
of each chain lives in the ``ledger_state`` row; the writer first bumps that
row's version, which takes the row lock every writer takes (SQLite writers
already hold the database's write lock), so two transactions can never chain
onto the same head.

Imports write tens of thousands of rows, so rows go to the driver directly:
``COPY`` on PostgreSQL, ``executemany`` on SQLite. Neither leaves the
transaction, so a failure later in the import still rolls everything back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Table, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import DeclarationRevision, EntryRevision, LedgerEntryRow, LedgerState, ReconciliationRecord
from app.domain.chain import (
    ABSENT,
    ENTRY_COLUMNS,
    ENTRY_CONTENT,
    GENESIS,
    ChainHead,
    canonical_text,
    entry_texts,
    link,
    link_revisions,
)
from app.domain.ledger import LedgerEntry

# entry_revisions columns in the order rows are written: the chained fields
# (app/domain/chain.py) without seq and ref, which come from elsewhere.
_REVISION_COLUMNS = ("entry_id", *ENTRY_COLUMNS[2:], "seq", "chain_hash")


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

    def insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]] | list[str]) -> None:
        """Rows as tuples on SQLite; as lines of COPY text on PostgreSQL."""
        if not rows:
            return
        try:
            self._insert(table, columns, rows)
        except self.dialect.loaded_dbapi.IntegrityError as exc:
            # Straight from the driver, so not wrapped by SQLAlchemy: wrap it here, and
            # callers handle a constraint violation the same way on every path.
            raise IntegrityError(f"INSERT INTO {table.name}", None, exc) from exc

    def _insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]] | list[str]) -> None:
        names = ", ".join(columns)
        if self.postgres:
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                copy.write("".join(cast(list[str], rows)))
        else:
            cursor = self.raw.cursor()
            try:
                cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
            finally:
                cursor.close()

    def new_ids(self, session: Session, table: Table, count: int) -> list[int]:
        """Ids for rows about to be inserted, so their children can be written in the same batch."""
        if self.postgres:
            # One row holding every id: 5,000 result rows per batch cost more than the ids.
            query = text(
                f"SELECT array_agg(nextval(pg_get_serial_sequence('{table.name}', 'id'))) FROM generate_series(1, :n)"
            )
            return sorted(int(v) for v in session.execute(query, {"n": count}).scalar_one())
        # The write lock is held, so nobody else can take ids past the current maximum.
        first = int(session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()) + 1
        return list(range(first, first + count))


def _same(value: Any) -> Any:
    return value


# COPY's text format: a value is escaped where it holds a backslash or a line or
# field separator, and NULL is \N. Only the free-text columns can hold those; the
# rest are codes, numbers and ISO texts.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


class LedgerWriter:
    """New entries and new revisions of existing ones, each chained onto the ledger's head.

    A revision is built once, as the texts its hash covers (``entry_texts`` for
    its content); what is written, a line of COPY text or a tuple for SQLite, is
    derived from those texts, so stored values and hashed ones cannot drift apart.
    """

    def __init__(self, session: Session, *, at: dt.datetime, by: str) -> None:
        self.session = session
        state = _lock_and_read(session)
        self.head = ChainHead(int(state.entry_seq), state.entry_head)
        self.driver = _Driver(session)
        self.by = by
        self.at_text = canonical_text(at)
        self.at_stored = self.driver.stored(_table(EntryRevision), "recorded_at")(at)
        self.at_entry = self.driver.stored(_table(LedgerEntryRow), "created_at")(at)

    def add(self, new: Sequence[LedgerEntry], revised: Sequence[tuple[int, int, LedgerEntry]]) -> None:
        """Store the new entries (revision 1) and the revisions ``(entry id, number, entry)``."""
        self.add_texts(
            [(e.ref, entry_texts(e)) for e in new],
            [(entry_id, number, e.ref, entry_texts(e)) for entry_id, number, e in revised],
        )

    def add_texts(
        self, new: Sequence[tuple[str, Sequence[str]]], revised: Sequence[tuple[int, int, str, Sequence[str]]]
    ) -> None:
        """add() for entries given as ``(ref, entry_texts)``, as an import's parser hands them over."""
        ids = self.driver.new_ids(self.session, _table(LedgerEntryRow), len(new)) if new else []
        revisions = [(id_, 1, ref, content) for id_, (ref, content) in zip(ids, new, strict=True)]
        revisions += revised
        first = self.head.seq + 1
        hashes = link_revisions(self.head, self.at_text, self.by, ((r[2], str(r[1]), r[3]) for r in revisions))
        if hashes:
            self.head = ChainHead(first + len(hashes) - 1, hashes[-1])
        if self.driver.postgres:
            identities: list[Any] = [f"{id_}\t{ref}\t{self.at_text}\n" for id_, (ref, _) in zip(ids, new, strict=True)]
            prefix = f"\t{self.at_text}\t{_copy_value(self.by)}\t"
            rows: list[Any] = [
                f"{r[0]}\t{r[1]}{prefix}{_copy_content(r[3])}\t{seq}\t{hash_}\n"
                for (seq, r), hash_ in zip(enumerate(revisions, first), hashes, strict=True)
            ]
        else:
            identities = [(id_, ref, self.at_entry) for id_, (ref, _) in zip(ids, new, strict=True)]
            head = (self.at_stored, self.by)
            rows = [
                (r[0], r[1], *head, *_sqlite_content(r[3]), seq, hash_)
                for (seq, r), hash_ in zip(enumerate(revisions, first), hashes, strict=True)
            ]
        self.driver.insert(_table(LedgerEntryRow), ("id", "ref", "created_at"), identities)
        self.driver.insert(_table(EntryRevision), _REVISION_COLUMNS, rows)
        self.session.execute(
            update(_STATE).where(_STATE.c.id == 1).values(entry_seq=self.head.seq, entry_head=self.head.hash)
        )


# Positions within entry_texts: absent optional values are NULL in the database.
_REPLIED, _TEAM_SIZE = ENTRY_CONTENT.index("replied_iso"), ENTRY_CONTENT.index("team_size")
_CONTENT_FREE_TEXT = tuple(ENTRY_CONTENT.index(c) for c in ("location", "object", "notes", "guests"))


def _sqlite_content(texts: Sequence[str]) -> tuple[Any, ...]:
    row: list[Any] = list(texts)
    if row[_REPLIED] == ABSENT:
        row[_REPLIED] = None
    row[_TEAM_SIZE] = None if row[_TEAM_SIZE] == ABSENT else int(row[_TEAM_SIZE])
    return tuple(row)


def _copy_content(texts: Sequence[str]) -> str:
    line = list(texts)
    for i in (_REPLIED, _TEAM_SIZE):
        if line[i] == ABSENT:
            line[i] = "\\N"
    for i in _CONTENT_FREE_TEXT:
        line[i] = _copy_value(line[i])
    return "\t".join(line)


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
