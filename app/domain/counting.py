"""What an entry counts as against a quota: nothing, pending or used, and how many times.

docs/semantics.md section 2: requested and accepted activities reserve a slot
(pending), conducted ones are used, and refused, cancelled and force-majeure
ones count against nothing. The statuses an agreement defines for itself
(``outcomes`` in its file) follow its data: a curtailed Open Skies flight
counts unless its cause lay with the observed party or with force-majeure air
traffic control (Article VIII section II para 5); a prohibited flight never
counts (Article VIII section I para 3). A refusal citing force majeure counts
against nothing unless the agreement says otherwise.

Quotas count against the lead (inspecting) state only: guests never count.
A rule that counts per object counts a mission to n objects n times (CFE
Protocol on Inspection section II para 13: one inspection per object of
verification).
"""

from __future__ import annotations

from enum import IntEnum

from app.domain.agreement import Agreement, CountUnit, QuotaRule
from app.domain.counted_entry import Counted
from app.domain.ledger import BASE_STATUSES, LedgerEntry, Status


class Tally(IntEnum):
    NONE = 0
    PENDING = 1
    USED = 2


_BASE = {
    Status.REQUESTED: Tally.PENDING,
    Status.ACCEPTED: Tally.PENDING,
    Status.CONDUCTED: Tally.USED,
}


def tally(agreement: Agreement, entry: Counted) -> Tally:
    """How the entry counts against the agreement's quotas."""
    found = _BASE.get(entry.status)
    if found is not None:
        return found
    outcome = agreement.outcomes.get(entry.status.value)
    if outcome is None or not outcome.counted:
        return Tally.NONE
    if entry.cause is not None and entry.cause.value in outcome.uncounted_causes:
        return Tally.NONE
    return Tally.USED


def statuses(agreement: Agreement) -> frozenset[Status]:
    """The statuses an entry under this agreement may take."""
    own = {Status(name) for name in agreement.outcomes}
    return BASE_STATUSES | {Status.REFUSED_FORCE_MAJEURE} | own


def refusal_compliant(agreement: Agreement, entry: LedgerEntry) -> bool:
    """A refusal for force majeure is compliant unless the agreement says otherwise."""
    if entry.status is not Status.REFUSED_FORCE_MAJEURE:
        return False
    outcome = agreement.outcomes.get(entry.status.value)
    return outcome is None or outcome.compliant


def units(rule: QuotaRule, entry: Counted) -> int:
    """How many times the entry counts against the rule: once, or once per object inspected."""
    if rule.counts_per is CountUnit.OBJECT:
        return max(1, len(entry.objects))
    return 1
