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

from app.db.models import DeclarationRevision, EntryRevision, LedgerEntryRow, LedgerState
from app.domain.chain import ABSENT, ENTRY_FIELDS, GENESIS, ChainHead, canonical_text, link
from app.domain.ledger import LedgerEntry
from app.domain.moments import Moment, format_moment

# entry_revisions columns in the order rows are written: the chained fields
# (app/domain/chain.py) without seq and ref, which come from elsewhere.
_REVISION_COLUMNS = ("entry_id", *ENTRY_FIELDS[2:], "seq", "chain_hash")


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
        self._processors: dict[str, Callable[[Any], Any] | None] = {}

    def stored(self, table: Table, column: str) -> Callable[[Any], Any]:
        """How the driver wants a value of this column (SQLite keeps dates as text)."""
        key = f"{table.name}.{column}"
        if key not in self._processors:
            impl = table.c[column].type.dialect_impl(self.dialect)
            self._processors[key] = impl.bind_processor(self.dialect)
        processor = self._processors[key]
        return processor if processor is not None else _same

    def insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        try:
            self._insert(table, columns, rows)
        except self.dialect.loaded_dbapi.IntegrityError as exc:
            # Straight from the driver, so not wrapped by SQLAlchemy: wrap it here, and
            # callers handle a constraint violation the same way on every path.
            raise IntegrityError(f"INSERT INTO {table.name}", None, exc) from exc

    def _insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(columns)
        if self.postgres:
            with self.raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor = self.raw.cursor()
            try:
                cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)
            finally:
                cursor.close()

    def new_ids(self, session: Session, table: Table, count: int) -> list[int]:
        """Ids for rows about to be inserted, so their children can be written in the same batch."""
        if self.postgres:
            query = text(f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) FROM generate_series(1, :n)")
            return sorted(int(v) for v in session.execute(query, {"n": count}).scalars())
        # The write lock is held, so nobody else can take ids past the current maximum.
        first = int(session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()) + 1
        return list(range(first, first + count))


def _same(value: Any) -> Any:
    return value


class LedgerWriter:
    """New entries and new revisions of existing ones, each chained onto the ledger's head."""

    def __init__(self, session: Session, *, at: dt.datetime, by: str) -> None:
        self.session = session
        state = _lock_and_read(session)
        self.head = ChainHead(int(state.entry_seq), state.entry_head)
        self.driver = _Driver(session)
        self.by = by
        revisions = _table(EntryRevision)
        self.at_text = canonical_text(at)
        self.at_stored = self.driver.stored(revisions, "recorded_at")(at)
        self.at_entry = self.driver.stored(_table(LedgerEntryRow), "created_at")(at)
        self._date = self.driver.stored(revisions, "start_on")
        self._dates: dict[dt.date, tuple[str, Any]] = {}
        self._moments: dict[Moment, str] = {}

    def add(self, new: Sequence[LedgerEntry], revised: Sequence[tuple[int, int, LedgerEntry]]) -> None:
        """Store the new entries (revision 1) and the revisions, then advance the head."""
        ids = self.driver.new_ids(self.session, _table(LedgerEntryRow), len(new)) if new else []
        self.driver.insert(
            _table(LedgerEntryRow),
            ("id", "ref", "created_at"),
            [(id_, e.ref, self.at_entry) for id_, e in zip(ids, new, strict=True)],
        )
        rows = [self._row(id_, 1, e) for id_, e in zip(ids, new, strict=True)]
        rows += [self._row(entry_id, number, e) for entry_id, number, e in revised]
        self.driver.insert(_table(EntryRevision), _REVISION_COLUMNS, rows)
        self.session.execute(
            update(_STATE).where(_STATE.c.id == 1).values(entry_seq=self.head.seq, entry_head=self.head.hash)
        )

    def _moment(self, moment: Moment) -> str:
        found = self._moments.get(moment)
        if found is None:
            found = self._moments[moment] = format_moment(moment)
        return found

    def _day(self, moment: Moment) -> tuple[str, Any]:
        day = moment.date() if isinstance(moment, dt.datetime) else moment
        found = self._dates.get(day)
        if found is None:
            found = self._dates[day] = (day.isoformat(), self._date(day))
        return found

    def _row(self, entry_id: int, number: int, e: LedgerEntry) -> tuple[Any, ...]:
        seq = self.head.seq + 1
        requested = self._moment(e.requested_at)
        replied = self._moment(e.replied_at) if e.replied_at is not None else None
        start, end = self._moment(e.start), self._moment(e.end)
        (start_text, start_on), (end_text, end_on) = self._day(e.start), self._day(e.end)
        activity, status = e.activity.value, e.status.value
        team = str(e.team_size) if e.team_size is not None else ABSENT
        chained = link(
            self.head.hash,
            (
                str(seq),
                e.ref,
                str(number),
                self.at_text,
                self.by,
                e.agreement,
                activity,
                e.inspecting_state,
                e.receiving_state,
                requested,
                replied if replied is not None else ABSENT,
                start,
                end,
                start_text,
                end_text,
                status,
                team,
                e.location,
                e.object,
                e.notes,
            ),
        )
        self.head = ChainHead(seq, chained)
        return (
            entry_id,
            number,
            self.at_stored,
            self.by,
            e.agreement,
            activity,
            e.inspecting_state,
            e.receiving_state,
            requested,
            replied,
            start,
            end,
            start_on,
            end_on,
            status,
            e.team_size,
            e.location,
            e.object,
            e.notes,
            seq,
            chained,
        )


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
        }
    heads = {}
    for name, model in (("ledger", EntryRevision), ("declarations", DeclarationRevision)):
        found = session.execute(
            select(model.seq, model.chain_hash).where(model.recorded_at <= as_of).order_by(model.seq.desc()).limit(1)
        ).first()
        heads[name] = ChainHead(int(found[0]), found[1]) if found else ChainHead(0, GENESIS)
    return heads
