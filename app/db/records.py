"""The reconciliation records: appended, chained, never changed (app/domain/chain.py).

Each record's hash covers its place, kind, subject, time, author and body and
the hash of the record before it; the head lives in the ``ledger_state`` row
beside the ledger's, advanced under the same writers' lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from app.db.chain_writer import lock_writers
from app.db.models import EntryRevision, LedgerEntryRow, LedgerState, ReconciliationRecord, StatementKey
from app.db.repositories import to_entry
from app.domain.chain import canonical_text, link
from app.domain.ledger import LedgerEntry


def append_record(session: Session, *, kind: str, subject: str, body: str, at: dt.datetime, by: str) -> int:
    """Store one record at the head of the chain; its place (seq) is returned."""
    lock_writers(session)
    state = session.execute(select(LedgerState.record_seq, LedgerState.record_head).where(LedgerState.id == 1)).one()
    seq = int(state.record_seq) + 1
    chained = link(state.record_head, [str(seq), kind, subject, canonical_text(at), by, body])
    session.add(
        ReconciliationRecord(
            kind=kind, subject=subject, recorded_at=at, recorded_by=by, body=body, seq=seq, chain_hash=chained
        )
    )
    session.flush()
    session.execute(update(LedgerState).where(LedgerState.id == 1).values(record_seq=seq, record_head=chained))
    return seq


def records(session: Session, kind: str, subject: str | None = None) -> list[ReconciliationRecord]:
    """The records of a kind (and subject), oldest first."""
    query = select(ReconciliationRecord).where(ReconciliationRecord.kind == kind)
    if subject is not None:
        query = query.where(ReconciliationRecord.subject == subject)
    return list(session.scalars(query.order_by(ReconciliationRecord.seq)))


def count_records(session: Session, kind: str) -> int:
    query = select(func.count()).select_from(ReconciliationRecord).where(ReconciliationRecord.kind == kind)
    return int(session.scalar(query) or 0)


def key_by_fingerprint(session: Session, fingerprint: str) -> StatementKey | None:
    return session.scalars(select(StatementKey).where(StatementKey.fingerprint == fingerprint)).first()


def keys(session: Session, *, state: str | None = None, own: bool | None = None) -> Sequence[StatementKey]:
    """Registered keys, newest first."""
    query = select(StatementKey)
    if state is not None:
        query = query.where(StatementKey.state == state)
    if own is not None:
        query = query.where(StatementKey.own == own)
    return list(session.scalars(query.order_by(StatementKey.added_at.desc(), StatementKey.id.desc())))


def add_key(
    session: Session, *, state: str, fingerprint: str, public_key: str, own: bool, at: dt.datetime, by: str
) -> StatementKey:
    key = StatementKey(state=state, fingerprint=fingerprint, public_key=public_key, own=own, added_at=at, added_by=by)
    session.add(key)
    session.flush()
    return key


def entries_at(
    session: Session,
    *,
    start: dt.date,
    end: dt.date,
    agreements: Sequence[str],
    states: tuple[str, str],
    seq: int,
) -> list[LedgerEntry]:
    """The entries between two states, under the agreements, starting in [start, end], as the
    ledger stood at chain place ``seq``: each entry's latest revision stored by then."""
    later = aliased(EntryRevision)
    latest = (
        select(func.max(later.revision))
        .where(later.entry_id == EntryRevision.entry_id, later.seq <= seq)
        .correlate(EntryRevision)
        .scalar_subquery()
    )
    columns = [c for c in EntryRevision.__table__.columns if c.name not in ("seq", "chain_hash")]
    query = (
        select(*columns, LedgerEntryRow.ref)
        .join(LedgerEntryRow, LedgerEntryRow.id == EntryRevision.entry_id)
        .where(
            EntryRevision.start_on >= start,
            EntryRevision.start_on <= end,
            EntryRevision.agreement.in_(sorted(agreements)),
            EntryRevision.inspecting_state.in_(states),
            EntryRevision.receiving_state.in_(states),
            EntryRevision.seq <= seq,
            EntryRevision.revision == latest,
        )
        .order_by(EntryRevision.start_on, LedgerEntryRow.ref)
    )
    return [to_entry(row) for row in session.execute(query)]
