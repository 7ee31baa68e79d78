"""Repositories: all queries live here; rows become domain objects and back.

As-of replay: a revision is visible at time T when it was recorded at or
before T and no later revision of the same entry was also recorded by T.
The same shape (the entry's highest revision recorded by T) serves "now"
(T = None) and the past, and it is answered per row from the
(entry_id, revision) index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, aliased

from app.db.chain_writer import LedgerWriter, chain_declaration, lock_writers
from app.db.models import (
    AgreementVersion,
    DeclarationRevision,
    DeclarationRow,
    EntryRevision,
    LedgerEntryRow,
    LedgerState,
    QuotaLock,
)
from app.domain.agreement import Activity
from app.domain.ledger import Cause, Declaration, LedgerEntry, Status, parse_guests
from app.domain.limits import DeclarationKey
from app.domain.moments import parse_moment

CHUNK = 500


@dataclass(frozen=True, slots=True)
class StoredRevision:
    entry: LedgerEntry
    revision: int
    recorded_at: dt.datetime
    recorded_by: str


# ---- the ledger version ---------------------------------------------------------


def bump_version(session: Session) -> None:
    """Mark that the data quota status is computed from has changed (same transaction)."""
    session.execute(update(LedgerState).where(LedgerState.id == 1).values(version=LedgerState.version + 1))


def data_version(session: Session) -> int:
    return int(session.scalar(select(LedgerState.version).where(LedgerState.id == 1)) or 0)


# ---- agreements -------------------------------------------------------------


def agreement_versions(session: Session, as_of: dt.datetime | None = None) -> list[AgreementVersion]:
    """The latest version of every agreement loaded by ``as_of``."""
    later = aliased(AgreementVersion)
    newer = exists().where(
        later.agreement_id == AgreementVersion.agreement_id, later.version > AgreementVersion.version
    )
    query = select(AgreementVersion)
    if as_of is not None:
        query = query.where(AgreementVersion.loaded_at <= as_of)
        newer = newer.where(later.loaded_at <= as_of)
    return list(session.scalars(query.where(~newer).order_by(AgreementVersion.agreement_id)))


def add_agreement_version(
    session: Session, *, agreement_id: str, sha256: str, filename: str, content: str, at: dt.datetime, by: str
) -> int:
    current = session.scalar(
        select(func.max(AgreementVersion.version)).where(AgreementVersion.agreement_id == agreement_id)
    )
    version = (current or 0) + 1
    session.add(
        AgreementVersion(
            agreement_id=agreement_id,
            version=version,
            sha256=sha256,
            filename=filename,
            content=content,
            loaded_at=at,
            loaded_by=by,
        )
    )
    if session.get(QuotaLock, agreement_id) is None:
        session.add(QuotaLock(agreement_id=agreement_id))
    bump_version(session)
    session.flush()
    return version


def lock_agreement(session: Session, agreement_id: str) -> None:
    """Take the agreement's quota lock row FOR UPDATE (a no-op clause on SQLite,
    where the write transaction's BEGIN IMMEDIATE already holds the database lock)."""
    session.execute(select(QuotaLock).where(QuotaLock.agreement_id == agreement_id).with_for_update())


# ---- ledger -----------------------------------------------------------------


def _latest_by(as_of: dt.datetime | None) -> ColumnElement[bool]:
    # A correlated scalar subquery, not NOT EXISTS: PostgreSQL turns NOT EXISTS into
    # an anti-join that hashes every revision ever recorded, so a year's query grew
    # with thirty years of history. This form is answered per row from the
    # (entry_id, revision) index on both databases.
    later = aliased(EntryRevision)
    latest = select(func.max(later.revision)).where(later.entry_id == EntryRevision.entry_id)
    if as_of is not None:
        latest = latest.where(later.recorded_at <= as_of)
    return EntryRevision.revision == latest.correlate(EntryRevision).scalar_subquery()


def _visible(query: Any, as_of: dt.datetime | None) -> Any:
    if as_of is not None:
        query = query.where(EntryRevision.recorded_at <= as_of)
    return query.where(_latest_by(as_of))


def _with_ref() -> Any:
    # Plain rows, not ORM objects: a year's quota reads tens of thousands of
    # revisions, and identity-map bookkeeping for each one costs more than the
    # quota engine itself. (Typed loosely: Select's generics differ in 2.0 and 2.1.)
    # The chain columns (seq, chain_hash) are left out: only verification reads them.
    return select(*_READ_COLUMNS, LedgerEntryRow.ref).join(LedgerEntryRow, LedgerEntryRow.id == EntryRevision.entry_id)


def _with_ref_per_row() -> Any:
    """_with_ref for period queries: the ref comes from a per-row primary-key lookup rather
    than a join, for the same reason as in _latest_by (PostgreSQL would hash the whole
    identity table). Queries that filter on the ref use _with_ref."""
    return select(*_READ_COLUMNS, ref_per_row())


def ref_per_row() -> Any:
    """The revision's entry ref, looked up per row by primary key."""
    return (
        select(LedgerEntryRow.ref)
        .where(LedgerEntryRow.id == EntryRevision.entry_id)
        .correlate(EntryRevision)
        .scalar_subquery()
        .label("ref")
    )


_READ_COLUMNS = [c for c in EntryRevision.__table__.columns if c.name not in ("seq", "chain_hash")]


def entries_between(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    agreement: str | None = None,
    as_of: dt.datetime | None = None,
    activities: Collection[str] | None = None,
    receiving: Collection[str] = (),
    inspecting: Collection[str] = (),
) -> list[LedgerEntry]:
    """The entries (as of ``as_of``) whose start falls in [start, end]; optionally
    only of ``activities``, and only those received by one of ``receiving`` or
    conducted by one of ``inspecting`` (when either is given)."""
    query = _with_ref_per_row().where(EntryRevision.start_on >= start, EntryRevision.start_on <= end)
    if agreement is not None:
        query = query.where(EntryRevision.agreement == agreement)
    if activities is not None:
        query = query.where(EntryRevision.activity.in_(sorted(activities)))
    sides = [
        column.in_(sorted(states))
        for column, states in ((EntryRevision.receiving_state, receiving), (EntryRevision.inspecting_state, inspecting))
        if states
    ]
    if sides:
        query = query.where(or_(*sides))
    return [to_entry(row) for row in session.execute(_visible(query, as_of))]


def revisions_overlapping(
    session: Session, *, start: dt.date, end: dt.date, agreement: str | None = None, states: Collection[str] = ()
) -> list[tuple[LedgerEntry, int, dt.datetime]]:
    """The current entries under way on some day of [start, end], each with its revision
    number and when that revision was recorded; only those ``states`` take part in (as
    inspecting, receiving or guest state) when given."""
    # The look-back bounds the start_on index scan: no activity lasts a year, and without it
    # a month's query would read the whole history before the month.
    since = start - dt.timedelta(days=366)
    query = _with_ref_per_row().where(
        EntryRevision.start_on >= since, EntryRevision.start_on <= end, EntryRevision.end_on >= start
    )
    if agreement is not None:
        query = query.where(EntryRevision.agreement == agreement)
    if states:
        # guests is "IT:1 NL:1": a state's pair follows a space once one is put in front.
        guest = [(literal(" ") + EntryRevision.guests).like(f"% {s}:%") for s in sorted(states)]
        query = query.where(
            or_(
                EntryRevision.receiving_state.in_(sorted(states)),
                EntryRevision.inspecting_state.in_(sorted(states)),
                *guest,
            )
        )
    rows = session.execute(_visible(query, None).order_by(EntryRevision.start_on))
    return [(to_entry(row), row.revision, row.recorded_at) for row in rows]


def all_entries(session: Session, as_of: dt.datetime | None = None) -> Iterator[LedgerEntry]:
    query = _visible(_with_ref(), as_of).order_by(EntryRevision.start_on, LedgerEntryRow.ref)
    for row in session.execute(query.execution_options(yield_per=2000)):
        yield to_entry(row)


def current_revisions(session: Session, refs: Iterable[str]) -> dict[str, tuple[int, int, LedgerEntry]]:
    """ref -> (entry id, revision number, entry) for the refs that exist."""
    found: dict[str, tuple[int, int, LedgerEntry]] = {}
    # The identity table first: an import of new entries then costs one cheap
    # probe of the ref index per ref, not a join with the revisions.
    ids: list[int] = []
    for matches in _member_of(session, LedgerEntryRow.ref, list(refs), String()):
        ids += session.scalars(select(LedgerEntryRow.id).where(matches))
    for matches in _member_of(session, EntryRevision.entry_id, ids, Integer()):
        for row in session.execute(_visible(_with_ref_per_row().where(matches), None)):
            found[row.ref] = (row.entry_id, row.revision, to_entry(row))
    return found


def has_entries(session: Session) -> bool:
    return session.execute(select(LedgerEntryRow.id).limit(1)).first() is not None


def _member_of(session: Session, column: Any, values: list[Any], item_type: Any) -> Iterator[ColumnElement[bool]]:
    """Conditions "column is one of values", as few as the database allows: one array
    parameter on PostgreSQL (an import probes 5,000 refs per batch, and 10 IN lists of
    500 parameters each cost 3 times as much), IN lists of CHUNK values on SQLite."""
    if not values:
        return
    if session.get_bind().dialect.name == "postgresql":
        yield column == any_(bindparam(None, values, type_=ARRAY(item_type)))
        return
    for i in range(0, len(values), CHUNK):
        yield column.in_(values[i : i + CHUNK])


def history(session: Session, ref: str) -> list[StoredRevision]:
    query = _with_ref().where(LedgerEntryRow.ref == ref).order_by(EntryRevision.revision)
    return [
        StoredRevision(to_entry(row), row.revision, row.recorded_at, row.recorded_by) for row in session.execute(query)
    ]


# The revisions' columns csbm's queries select rows by, join on or order by: the planner's
# choices rest on their statistics alone. The rest (the stored texts of moments, the hash)
# are only read back, and analysing them cost the statistics of a load half their time.
PLANNED_COLUMNS = (
    "entry_id, revision, recorded_at, agreement, activity, inspecting_state, receiving_state, "
    "start_on, end_on, status, seq, location, object, notes, guests"
)


def refresh_statistics(session: Session) -> None:
    """After a bulk load, PostgreSQL's planner needs fresh statistics (autovacuum gets
    there only later); without them a period query may scan instead of using an index."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE ledger_entries, entry_revisions ({PLANNED_COLUMNS})"))


def add_entries(session: Session, entries: Sequence[LedgerEntry], *, at: dt.datetime, by: str) -> None:
    """New identities with their first revision, chained onto the ledger's head."""
    if entries:
        LedgerWriter(session, at=at, by=by).add(entries, [])


def add_revisions(
    session: Session, revisions: Sequence[tuple[int, int, LedgerEntry]], *, at: dt.datetime, by: str
) -> None:
    """New revisions ``(entry id, revision number, entry)`` of existing entries."""
    if revisions:
        LedgerWriter(session, at=at, by=by).add([], revisions)


def to_entry(row: Any) -> LedgerEntry:
    """A revision row (with its entry's ref) as a domain entry."""
    return LedgerEntry(
        ref=row.ref,
        agreement=row.agreement,
        activity=Activity(row.activity),
        inspecting_state=row.inspecting_state,
        receiving_state=row.receiving_state,
        requested_at=parse_moment(row.requested_iso, field="requested_at"),
        replied_at=parse_moment(row.replied_iso, field="replied_at") if row.replied_iso else None,
        start=parse_moment(row.start_iso, field="start"),
        end=parse_moment(row.end_iso, field="end"),
        status=Status(row.status),
        team_size=row.team_size,
        location=row.location,
        object=row.object,
        notes=row.notes,
        guests=parse_guests(row.guests),
        cause=Cause(row.cause) if row.cause else None,
    )


# ---- declarations -----------------------------------------------------------


def _latest_declarations(as_of: dt.datetime | None, *columns: Any) -> Any:
    """Each declaration with its latest revision recorded by ``as_of`` (or only ``columns`` of them)."""
    later = aliased(DeclarationRevision)
    newer = and_(
        later.declaration_id == DeclarationRevision.declaration_id, later.revision > DeclarationRevision.revision
    )
    query = select(*(columns or (DeclarationRow, DeclarationRevision))).join(
        DeclarationRevision, DeclarationRevision.declaration_id == DeclarationRow.id
    )
    if as_of is not None:
        query = query.where(DeclarationRevision.recorded_at <= as_of)
        newer = and_(newer, later.recorded_at <= as_of)
    return query.where(~exists().where(newer))


def declarations(
    session: Session,
    *,
    years: Iterable[int] | None = None,
    as_of: dt.datetime | None = None,
    owners: Collection[str] | None = None,
) -> dict[DeclarationKey, int]:
    # Plain tuples of four columns: a year's quota status reads every party's figures.
    columns = (DeclarationRow.state, DeclarationRow.year, DeclarationRow.name, DeclarationRevision.value)
    query = _latest_declarations(as_of, *columns)
    if years is not None:
        query = query.where(DeclarationRow.year.in_(sorted(set(years))))
    if owners is not None:
        query = query.where(DeclarationRow.state.in_(sorted(owners)))
    return {(state, year, name): value for state, year, name, value in session.connection().execute(query)}


def declaration_list(session: Session, as_of: dt.datetime | None = None) -> list[Declaration]:
    """The latest revision (as of ``as_of``) of every declaration, with its source."""
    query = _latest_declarations(as_of).order_by(DeclarationRow.state, DeclarationRow.year, DeclarationRow.name)
    return [
        Declaration(state=row.state, year=row.year, name=row.name, value=rev.value, source=rev.source)
        for row, rev in session.execute(query)
    ]


def record_declaration(session: Session, declaration: Declaration, *, at: dt.datetime, by: str) -> bool:
    """Store a declaration as a new revision; False when it is unchanged."""
    lock_writers(session)  # before reading the latest revision, so concurrent ones stack
    identity = session.scalar(
        select(DeclarationRow).where(
            DeclarationRow.state == declaration.state,
            DeclarationRow.year == declaration.year,
            DeclarationRow.name == declaration.name,
        )
    )
    if identity is None:
        identity = DeclarationRow(state=declaration.state, year=declaration.year, name=declaration.name)
        session.add(identity)
        session.flush()
    latest = session.scalars(
        select(DeclarationRevision)
        .where(DeclarationRevision.declaration_id == identity.id)
        .order_by(DeclarationRevision.revision.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.value == declaration.value and latest.source == declaration.source:
        return False
    revision = DeclarationRevision(
        declaration_id=identity.id,
        revision=(latest.revision + 1) if latest else 1,
        value=declaration.value,
        source=declaration.source,
        recorded_at=at,
        recorded_by=by,
    )
    chain_declaration(session, revision, state=declaration.state, year=declaration.year, name=declaration.name)
    session.add(revision)
    session.flush()
    return True
