"""The quota-filled notice: which quotas of our state an entry has just filled.

Where an agreement's data says a party informs the others once a quota of its own is
filled (``notice_when_filled``), the quota row tells when that happens: the slots used
and reserved reach the limit. Our state is a party itself or a member of a group that
shares one quota.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.domain.agreement import Agreement, Source
from app.domain.quota import QuotaRow


@dataclass(frozen=True, slots=True, kw_only=True)
class FilledQuota:
    """A quota of ours that is filled, and the provision that asks for a notice."""

    agreement: str
    rule: str
    party: str
    period_start: date
    period_end: date
    limit: int
    source: Source


def is_ours(agreement: Agreement, party: str | None, home: str) -> bool:
    """Whether ``party`` is our state, or a group sharing a quota that our state belongs to."""
    if party is None:
        return False
    return party == home or any(g.id == party and home in g.states() for g in agreement.groups)


def is_filled(row: QuotaRow) -> bool:
    """Every slot of a binding, non-empty quota is used or reserved."""
    remaining = row.remaining
    return remaining is not None and remaining <= 0 and bool(row.limit)


def filled_quotas(agreement: Agreement, rows: Iterable[QuotaRow], home: str) -> list[FilledQuota]:
    """The filled quotas of our state among ``rows`` whose rule asks for a notice."""
    notices = {r.id: r.notice_when_filled for r in agreement.quota_rules if r.notice_when_filled}
    found = []
    for row in rows:
        source = notices.get(row.rule)
        party, limit = row.receiving_state, row.limit
        if source and party and limit and is_ours(agreement, party, home) and is_filled(row):
            found.append(
                FilledQuota(
                    agreement=agreement.id,
                    rule=row.rule,
                    party=party,
                    period_start=row.period_start,
                    period_end=row.period_end,
                    limit=limit,
                    source=source,
                )
            )
    return found
