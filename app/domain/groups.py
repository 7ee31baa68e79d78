"""Counting groups and the helpers the engine and the rules share."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from app.domain.agreement import Agreement, QuotaRule, RuleKind, Source
from app.domain.findings import Code, Finding, Responsible
from app.domain.ledger import LedgerEntry
from app.domain.limits import ResolvedLimit
from app.domain.messages import message_params
from app.domain.periods import Period
from app.domain.quota import RowKey


@dataclass(slots=True)
class CountedGroup:
    """The counted entries of one rule, period and group, in counting order."""

    rule: QuotaRule
    period: Period
    key: RowKey
    limit: ResolvedLimit
    entries: list[LedgerEntry] = field(default_factory=list)

    def position_of(self, entry: LedgerEntry) -> int:
        """How many counted entries of the group come before ``entry``."""
        return bisect.bisect_left(self.entries, entry.counting_key(), key=LedgerEntry.counting_key)


def group_key(agreement: Agreement, rule: QuotaRule, entry: LedgerEntry) -> RowKey | None:
    """Which group of ``rule`` an entry counts in; None when the rule cannot apply."""
    day = entry.start_day
    receiving = agreement.quota_party(entry.receiving_state, day)
    inspecting = agreement.quota_party(entry.inspecting_state, day)
    if rule.per_object and not entry.object:
        return None
    obj = entry.object if rule.per_object else None
    if rule.kind is RuleKind.ACTIVE:
        return (None, inspecting, None)
    return (receiving, inspecting if rule.scopes_inspecting else None, obj)


def make_finding(
    agreement: Agreement, rule_id: str, source: Source, code: Code, entry: LedgerEntry, **values: object
) -> Finding:
    responsible = entry.receiving_state if code.responsible is Responsible.RECEIVING else entry.inspecting_state
    params = message_params(
        source,
        ref=entry.ref,
        agreement=agreement.id,
        receiving=entry.receiving_state,
        inspecting=entry.inspecting_state,
        object=entry.object,
        **values,
    )
    return Finding(
        code=code,
        entry_ref=entry.ref,
        agreement=agreement.id,
        rule=rule_id,
        responsible_state=responsible,
        params=params,
    )


def missing_declaration_finding(
    agreement: Agreement, rule: QuotaRule, limit: ResolvedLimit, entry: LedgerEntry
) -> Finding:
    """The entry counts against a limit that cannot be known without a declaration."""
    return make_finding(
        agreement,
        rule.id,
        rule.source,
        Code.MISSING_DECLARATION,
        entry,
        scope=rule.id,
        missing=", ".join(limit.missing),
    )
