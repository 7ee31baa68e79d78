"""The quota engine: counts a period's entries against an agreement's rules.

The engine is given only the entries of the periods it is asked about
(``entry_window`` says which), never the whole history. One pass reports
every breach; it does not stop at the first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.agreement import Agreement, QuotaRule, RuleKind
from app.domain.findings import Code, Finding
from app.domain.force import in_force_between_during, party_in_force_during
from app.domain.groups import CountedGroup, group_key, make_finding
from app.domain.ledger import LedgerEntry
from app.domain.limits import DeclarationKey, LimitResolver
from app.domain.periods import Period
from app.domain.quota import QuotaRow, RowKey
from app.domain.rules import concurrency_findings, entry_findings, refusal_findings

# Activities are hours to days long; this margin lets a concurrency check see
# an activity that started shortly before the window and still overlaps it.
CONCURRENCY_MARGIN = timedelta(days=14)

_OVER_LIMIT_CODE = {
    RuleKind.PASSIVE: Code.BEYOND_QUOTA,
    RuleKind.PAIR: Code.BEYOND_QUOTA,
    RuleKind.PER_INSPECTING_STATE: Code.BEYOND_COUNTERPARTY_CAP,
    RuleKind.PER_OBJECT: Code.BEYOND_OBJECT_CAP,
    RuleKind.PER_OBJECT_PER_INSPECTING_STATE: Code.BEYOND_OBJECT_CAP,
    RuleKind.ACTIVE: Code.ACTIVE_QUOTA_EXCEEDED,
}


@dataclass(frozen=True, slots=True)
class Evaluation:
    rows: list[QuotaRow]
    findings: list[Finding]


def entry_window(agreement: Agreement, start: date, end: date) -> tuple[date, date]:
    """The span of start dates whose entries the engine needs for [start, end]."""
    first, last = start - CONCURRENCY_MARGIN, end
    for rule in agreement.quota_rules:
        periods = rule.period.overlapping(start, end)
        first = min(first, periods[0].start)
        last = max(last, periods[-1].end)
    return first, last


def evaluate(
    agreement: Agreement,
    entries: Iterable[LedgerEntry],
    declarations: Mapping[DeclarationKey, int],
    *,
    start: date,
    end: date,
    count_until: date | None = None,
    all_groups: bool = True,
) -> Evaluation:
    """Quota rows for every rule period overlapping [start, end], and findings.

    ``count_until`` leaves out entries that start after it (a Q2 report shows
    the year's use up to 30 June). Findings are about entries that start in
    [start, end]. With ``all_groups`` false, rows are made only for groups that
    have entries (a check needs no rows for untouched pairs of states).
    """
    # Sorted once into counting order; every group built from it keeps that order.
    pool = sorted(
        (e for e in entries if e.agreement == agreement.id and (count_until is None or e.start_day <= count_until)),
        key=LedgerEntry.counting_key,
    )
    resolver = LimitResolver(agreement, declarations)
    rows: list[QuotaRow] = []
    findings: list[Finding] = []
    groups: dict[tuple[str, Period, RowKey], CountedGroup] = {}
    for rule in agreement.quota_rules:
        if rule.kind is RuleKind.CONCURRENCY:
            findings += concurrency_findings(agreement, rule, pool, resolver)
            continue
        for period in rule.period.overlapping(start, end):
            for group in _count_rule(agreement, rule, period, pool, resolver, all_groups):
                groups[(rule.id, period, group.key)] = group
                row, over = _tally(agreement, group)
                rows.append(row)
                findings += over
    for entry in pool:
        findings += entry_findings(agreement, entry)
    findings += refusal_findings(agreement, pool, groups, resolver)
    starts = {e.ref: e.start_day for e in pool}
    in_window = [f for f in findings if f.entry_ref is None or start <= starts[f.entry_ref] <= end]
    return Evaluation(sorted(rows, key=QuotaRow.sort_key), _unique(in_window))


def _count_rule(
    agreement: Agreement,
    rule: QuotaRule,
    period: Period,
    pool: list[LedgerEntry],
    resolver: LimitResolver,
    all_groups: bool = True,
) -> list[CountedGroup]:
    members: dict[RowKey, list[LedgerEntry]] = defaultdict(list)
    for key in _applicable_keys(agreement, rule, period) if all_groups else []:
        members[key] = []
    for entry in pool:
        if entry.activity in rule.counts and period.contains(entry.start_day) and entry.status.is_counted:
            found_key = group_key(agreement, rule, entry)
            if found_key is not None:
                members[found_key].append(entry)
    return [
        CountedGroup(
            rule=rule,
            period=period,
            key=key,
            limit=resolver.resolve(rule, key[0], key[1], period.start.year),
            entries=found,
        )
        for key, found in members.items()
    ]


def _tally(agreement: Agreement, group: CountedGroup) -> tuple[QuotaRow, list[Finding]]:
    rule, (receiving, inspecting, obj) = group.rule, group.key
    used = sum(1 for e in group.entries if e.status.is_used)
    row = QuotaRow(
        agreement=agreement.id,
        rule=rule.id,
        kind=str(rule.kind),
        activity=str(rule.activity),
        receiving_state=receiving,
        inspecting_state=inspecting,
        object=obj,
        period_start=group.period.start,
        period_end=group.period.end,
        limit=group.limit.value,
        used=used,
        pending=len(group.entries) - used,
    )
    return row, _over_limit_findings(agreement, group)


def _over_limit_findings(agreement: Agreement, group: CountedGroup) -> list[Finding]:
    rule, limit = group.rule, group.limit
    scope = rule.id
    period = f"{group.period.start}..{group.period.end}"
    if limit.value is None:
        return [
            make_finding(
                agreement,
                rule.id,
                rule.source,
                Code.MISSING_DECLARATION,
                e,
                scope=scope,
                missing=", ".join(limit.missing),
            )
            for e in group.entries
        ]
    code = _OVER_LIMIT_CODE[rule.kind]
    # SEMANTICS section 5: the active quota is exceeded by what was conducted;
    # every other cap is taken by what is counted (pending or used).
    counted = [e for e in group.entries if rule.kind is not RuleKind.ACTIVE or e.status.is_used]
    return [
        make_finding(agreement, rule.id, rule.source, code, e, count=n, limit=limit.value, scope=scope, period=period)
        for n, e in enumerate(counted, start=1)
        if n > limit.value
    ]


def _applicable_keys(agreement: Agreement, rule: QuotaRule, period: Period) -> list[RowKey]:
    """A row exists for every rule and group that applies in the period."""
    if rule.per_object:
        return []
    parties = _parties_in_period(agreement, period)
    if rule.kind is RuleKind.PASSIVE:
        return [(p, None, None) for p in parties]
    if rule.kind is RuleKind.ACTIVE:
        return [(None, p, None) for p in parties]
    return [
        (receiving, inspecting, None)
        for receiving in parties
        for inspecting in parties
        if receiving != inspecting and _pair_in_force(agreement, parties[receiving], parties[inspecting], period)
    ]


def _parties_in_period(agreement: Agreement, period: Period) -> dict[str, frozenset[str]]:
    """Quota parties with force during the period, each with its member states."""
    parties: dict[str, set[str]] = defaultdict(set)
    for state, timeline in agreement.parties.items():
        if party_in_force_during(agreement, state, period.start, period.end):
            day = max(period.start, timeline.joined_on)
            parties[agreement.quota_party(state, day)].add(state)
    return {party: frozenset(states) for party, states in sorted(parties.items())}


def _pair_in_force(agreement: Agreement, one: frozenset[str], other: frozenset[str], period: Period) -> bool:
    return any(in_force_between_during(agreement, a, b, period.start, period.end) for a in one for b in other)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str | None, str, str], Finding] = {}
    for finding in findings:
        seen.setdefault(finding.identity(), finding)
    return sorted(seen.values(), key=Finding.sort_key)
