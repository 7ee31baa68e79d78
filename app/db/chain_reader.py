"""Reading the hash chains back in chain order, for verification (app/services/integrity.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import DeclarationRevision, DeclarationRow, EntryRevision, LedgerEntryRow, ReconciliationRecord

_BATCH = 5_000


def _model(chain: str) -> Any:
    return {"ledger": EntryRevision, "reconciliations": ReconciliationRecord}.get(chain, DeclarationRevision)


def _in_order(chain: str) -> Any:
    if chain == "reconciliations":
        return select(ReconciliationRecord.__table__).order_by(ReconciliationRecord.seq)
    if chain == "ledger":
        return (
            select(EntryRevision.__table__, LedgerEntryRow.ref)
            .join(LedgerEntryRow, LedgerEntryRow.id == EntryRevision.entry_id)
            .order_by(EntryRevision.seq)
        )
    return (
        select(DeclarationRevision.__table__, DeclarationRow.state, DeclarationRow.year, DeclarationRow.name)
        .join(DeclarationRow, DeclarationRow.id == DeclarationRevision.declaration_id)
        .order_by(DeclarationRevision.seq)
    )


def chain_rows(session: Session, chain: str) -> Iterator[Any]:
    """Every stored revision of a chain ("ledger" or "declarations") with its identity, in
    seq order; streamed, since a thirty-year ledger has millions of revisions."""
    result = session.execute(_in_order(chain).execution_options(yield_per=_BATCH))
    try:
        yield from result
    finally:
        # A verification stops at the first break; PostgreSQL's server-side cursor must go then.
        result.close()


def earlier_revision(session: Session, chain: str, row: Any) -> Any | None:
    """The revision before ``row`` (a chain_rows row) of the same entry or declaration."""
    if chain == "reconciliations" or row.revision <= 1:  # a record is never revised
        return None
    if chain == "ledger":
        same = (EntryRevision.entry_id == row.entry_id, EntryRevision.revision == row.revision - 1)
    else:
        same = (
            DeclarationRevision.declaration_id == row.declaration_id,
            DeclarationRevision.revision == row.revision - 1,
        )
    return session.execute(_in_order(chain).where(*same)).first()


def hashes_between(session: Session, chain: str, low: int, high: int) -> list[str]:
    model = _model(chain)
    return list(session.scalars(select(model.chain_hash).where(model.seq.between(low, high))))


def hash_at(session: Session, chain: str, seq: int) -> str | None:
    model = _model(chain)
    found: str | None = session.scalar(select(model.chain_hash).where(model.seq == seq))
    return found
