"""Counting groups and the helpers the engine and the rules share."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

from app.domain.agreement import Agreement, QuotaRule, RuleKind, Source
from app.domain.counting import Tally, tally
from app.domain.findings import Code, Finding, Responsible
from app.domain.ledger import LedgerEntry
from app.domain.limits import DeclarationKey, ResolvedLimit
from app.domain.messages import message_params, rule_anchor
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


def group_keys(agreement: Agreement, rule: QuotaRule, entry: LedgerEntry) -> tuple[RowKey, ...]:
    """The groups of ``rule`` an entry counts in: one, or one per object for a per-object cap
    (a mission to two units counts against each unit's cap); none when the rule cannot apply.

    Only the lead (inspecting) state is a side of a group: guests count nowhere.
    """
    day = entry.start_day
    receiving = agreement.quota_party(entry.receiving_state, day)
    return keys_of(rule, receiving, agreement.quota_party(entry.inspecting_state, day), entry)


def keys_of(rule: QuotaRule, receiving: str, inspecting: str, entry: LedgerEntry) -> tuple[RowKey, ...]:
    """``group_keys`` for an entry whose quota parties on its start day are known."""
    key_of = group_key(rule)
    if key_of is not None:
        return (key_of(receiving, inspecting),)
    side = inspecting if rule.scopes_inspecting else None
    return tuple((receiving, side, obj) for obj in entry.objects)


def group_key(rule: QuotaRule) -> Callable[[str, str], RowKey] | None:
    """The one group of ``rule`` a mission between two quota parties counts in; None for a
    per-object cap, where each object inspected is a group of its own."""
    if rule.kind is RuleKind.ACTIVE:
        return _conducting
    if rule.per_object:
        return None
    return _between if rule.scopes_inspecting else _receiving


def _conducting(receiving: str, inspecting: str) -> RowKey:
    return (None, inspecting, None)


def _between(receiving: str, inspecting: str) -> RowKey:
    return (receiving, inspecting, None)


def _receiving(receiving: str, inspecting: str) -> RowKey:
    return (receiving, None, None)


def make_finding(
    agreement: Agreement, rule_id: str, source: Source, code: Code, entry: LedgerEntry, **values: object
) -> Finding:
    responsible = entry.receiving_state if code.responsible is Responsible.RECEIVING else entry.inspecting_state
    about: dict[str, object] = {
        "ref": entry.ref,
        "agreement": agreement.id,
        "receiving": entry.receiving_state,
        "inspecting": entry.inspecting_state,
        "object": entry.object,
        # The force finding's rule is the agreement's status section.
        "rule_anchor": rule_anchor(agreement.id, "status" if rule_id == "in_force" else rule_id),
    }
    params = message_params(source, **(about | values))
    return Finding(
        code=code,
        entry_ref=entry.ref,
        agreement=agreement.id,
        rule=rule_id,
        responsible_state=responsible,
        params=params,
    )


def missing_label(key: DeclarationKey) -> str:
    owner, year, name = key
    return f"{owner} {name} {year}"


_LISTED_REFS = 12


@dataclass(slots=True)
class MissingDeclarations:
    """The entries each missing declaration leaves unchecked, gathered over a whole evaluation.

    One missing figure (Belarus's objects of verification for 2026, say) makes every
    rule that needs it unknown; it is one warning, listing the entries, not one per
    entry per rule.
    """

    # declaration -> entry ref -> the rules whose limit it leaves unknown for that entry
    found: dict[DeclarationKey, dict[str, list[QuotaRule]]] = field(default_factory=dict)

    def add(self, rule: QuotaRule, limit: ResolvedLimit, entry: LedgerEntry) -> None:
        for key in limit.missing:
            rules = self.found.setdefault(key, {}).setdefault(entry.ref, [])
            if rule not in rules:
                rules.append(rule)

    def findings(self, agreement: Agreement, keep: Callable[[str], bool]) -> list[Finding]:
        order = {rule.id: n for n, rule in enumerate(agreement.quota_rules)}
        found = []
        for key, by_ref in self.found.items():
            refs = [ref for ref in by_ref if keep(ref)]
            if refs:
                rules = {rule.id: rule for ref in refs for rule in by_ref[ref]}
                ordered = sorted(rules.values(), key=lambda rule: order[rule.id])
                found.append(_declaration_finding(agreement, key, ordered, refs))
        return found


def _declaration_finding(agreement: Agreement, key: DeclarationKey, rules: list[QuotaRule], refs: list[str]) -> Finding:
    owner, year, name = key
    listed = ", ".join(refs[:_LISTED_REFS]) + (f" (+{len(refs) - _LISTED_REFS})" if len(refs) > _LISTED_REFS else "")
    params = message_params(
        rules[0].source,
        owner=owner,
        name=name,
        year=year,
        scope=", ".join(r.id for r in rules),
        count=len(refs),
        refs=listed,
        rule_anchor=rule_anchor(agreement.id, rules[0].id),
    )
    return Finding(
        code=Code.MISSING_DECLARATION,
        entry_ref=None,
        agreement=agreement.id,
        rule=f"declaration.{name}",
        responsible_state=owner,
        subject=missing_label(key),
        params=params,
    )


_OVER_LIMIT_CODE = {
    RuleKind.PASSIVE: Code.BEYOND_QUOTA,
    RuleKind.PAIR: Code.BEYOND_QUOTA,
    RuleKind.PER_INSPECTING_STATE: Code.BEYOND_COUNTERPARTY_CAP,
    RuleKind.PER_OBJECT: Code.BEYOND_OBJECT_CAP,
    RuleKind.PER_OBJECT_PER_INSPECTING_STATE: Code.BEYOND_OBJECT_CAP,
    RuleKind.ACTIVE: Code.ACTIVE_QUOTA_EXCEEDED,
}


def over_limit(agreement: Agreement, group: CountedGroup) -> list[tuple[int, LedgerEntry]]:
    """The group's units past its limit, each with its number (none when the limit is unknown)."""
    rule, limit = group.rule, group.limit.value
    if limit is None or len(group.entries) <= limit:
        return []
    # docs/semantics.md section 5: the active quota is exceeded by what was conducted;
    # every other cap is taken by what is counted (pending or used).
    counted = [e for e in group.entries if rule.kind is not RuleKind.ACTIVE or tally(agreement, e) is Tally.USED]
    return [(n, e) for n, e in enumerate(counted, start=1) if n > limit]


def over_limit_finding(agreement: Agreement, group: CountedGroup, number: int, entry: LedgerEntry) -> Finding:
    rule, limit = group.rule, group.limit.value
    assert limit is not None  # over_limit yields nothing for an unknown limit
    return make_finding(
        agreement,
        rule.id,
        rule.source,
        _OVER_LIMIT_CODE[rule.kind],
        entry,
        count=number,
        limit=limit,
        scope=rule.id,
        period=f"{group.period.start}..{group.period.end}",
        object=group.key[2] or entry.object,
    )
