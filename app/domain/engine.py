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

from app.domain.agreement import Activity, Agreement, QuotaRule, RuleKind
from app.domain.findings import Code, Finding
from app.domain.force import in_force_between_during, party_in_force_during
from app.domain.groups import CountedGroup, group_key, make_finding, missing_declaration_finding
from app.domain.ledger import LedgerEntry
from app.domain.limits import DeclarationKey, LimitResolver
from app.domain.moments import end_instant, start_instant
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
) -> Evaluation:
    """Quota rows for every rule period overlapping [start, end], and findings.

    ``count_until`` leaves out entries that start after it (a Q2 report shows
    the year's use up to 30 June). Findings are about entries that start in
    [start, end].
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
            for group in _count_rule(agreement, rule, period, pool, resolver):
                groups[(rule.id, period, group.key)] = group
                rows.append(_row(agreement, group))
                findings += [_over_limit_finding(agreement, group, n, e) for n, e in _over_limit(group)]
    for entry in pool:
        findings += entry_findings(agreement, entry)
    findings += refusal_findings(agreement, pool, groups, resolver)
    starts = {e.ref: e.start_day for e in pool}
    in_window = [f for f in findings if f.entry_ref is None or start <= starts[f.entry_ref] <= end]
    return Evaluation(sorted(rows, key=QuotaRow.sort_key), _unique(in_window))


@dataclass(frozen=True, slots=True)
class Addition:
    """What recording one more entry would do: each quota row it counts in, before
    (None where the group had no counted entry) and after, and the findings it would
    newly raise, about itself or about entries it pushes past a limit."""

    rows: list[tuple[QuotaRow | None, QuotaRow]]
    findings: list[Finding]


def evaluate_addition(
    agreement: Agreement,
    entries: Iterable[LedgerEntry],
    declarations: Mapping[DeclarationKey, int],
    entry: LedgerEntry,
    *,
    start: date,
    end: date,
) -> Addition:
    """``evaluate`` over [start, end] with and without ``entry``, compared; only what differs.

    Only the groups the entry joins are counted, and only the findings that differ
    are built: an entry can change nothing else. Its own timing and force findings
    are its own; in a group it joins it can push one entry per rule past the limit;
    on its territory it can add to the overlap of activities that start while it runs,
    and of no others; and an entry already in the ledger can only lose a refusal
    finding, never gain one (a count ahead of it only grows). The property tests hold
    this to the two whole evaluations, finding for finding and row for row.
    ``entries`` is the ledger without ``entry``.
    """
    if entry.agreement != agreement.id or not start <= entry.start_day <= end:
        raise ValueError(f"{entry.ref} is not an entry of {agreement.id} starting in {start}..{end}")
    before = sorted((e for e in entries if e.agreement == agreement.id), key=LedgerEntry.counting_key)
    after = sorted([*before, entry], key=LedgerEntry.counting_key)
    resolver = LimitResolver(agreement, declarations)
    rows: list[tuple[QuotaRow | None, QuotaRow]] = []
    findings = entry_findings(agreement, entry)
    groups: dict[tuple[str, Period, RowKey], CountedGroup] = {}
    near_before, near_after = _running_with(entry, before), _running_with(entry, after)
    for rule in agreement.quota_rules:
        if entry.activity not in rule.counts:
            continue
        if rule.kind is RuleKind.CONCURRENCY:
            findings += _new_findings(
                concurrency_findings(agreement, rule, near_before, resolver),
                concurrency_findings(agreement, rule, near_after, resolver),
            )
            continue
        key = group_key(agreement, rule, entry)
        if key is None:
            continue
        period = rule.period.containing(entry.start_day)
        limit = resolver.resolve(rule, key[0], key[1], period.start.year)
        without, with_it = (
            CountedGroup(
                rule=rule, period=period, key=key, limit=limit, entries=_members(agreement, rule, period, key, pool)
            )
            for pool in (before, after)
        )
        groups[(rule.id, period, key)] = with_it
        if with_it.entries:
            rows.append((_row(agreement, without) if without.entries else None, _row(agreement, with_it)))
        flagged = {e.ref for _, e in _over_limit(without)}
        findings += [
            _over_limit_finding(agreement, with_it, n, e) for n, e in _over_limit(with_it) if e.ref not in flagged
        ]
    findings += [f for f in refusal_findings(agreement, near_after, groups, resolver) if f.entry_ref == entry.ref]
    starts = {e.ref: e.start_day for e in after}
    in_window = [f for f in findings if f.entry_ref is None or start <= starts[f.entry_ref] <= end]
    return Addition(sorted(rows, key=lambda pair: pair[1].sort_key()), _unique(in_window))


@dataclass(frozen=True, slots=True)
class AdditionScope:
    """The entries an addition can interact with (all others may be left out of
    ``evaluate_addition``), and whose declarations its limits can need."""

    activities: frozenset[Activity]
    receiving: frozenset[str]  # entries received by one of these states ...
    inspecting: frozenset[str]  # ... or conducted by one of these
    owners: frozenset[str]  # declarations of these states and groups

    def covers(self, entry: LedgerEntry) -> bool:
        return entry.activity in self.activities and (
            entry.receiving_state in self.receiving or entry.inspecting_state in self.inspecting
        )


def addition_scope(agreement: Agreement, entry: LedgerEntry) -> AdditionScope:
    """Every group the entry joins is made of activities its rules count together with
    its own, and is one of its receiving party (passive quotas, caps, objects, overlap
    on its territory) or, for an active quota only, of its inspecting party."""
    rules = [rule for rule in agreement.quota_rules if entry.activity in rule.counts]
    receiving = _quota_partners(agreement, entry.receiving_state)
    inspecting = _quota_partners(agreement, entry.inspecting_state)
    sides = receiving | inspecting
    groups = frozenset(g.id for g in agreement.groups if g.shares_quota and g.states() & sides)
    return AdditionScope(
        activities=frozenset(a for rule in rules for a in rule.counts),
        receiving=receiving,
        inspecting=inspecting if any(rule.kind is RuleKind.ACTIVE for rule in rules) else frozenset(),
        # A limit is declared by the side it binds, or shares one of the other side's.
        owners=sides | groups,
    )


def _quota_partners(agreement: Agreement, state: str) -> frozenset[str]:
    """The state and every state it ever shares a quota with."""
    found = {state}
    for group in agreement.groups:
        if group.shares_quota and state in group.states():
            found |= group.states()
    return frozenset(found)


def _members(
    agreement: Agreement, rule: QuotaRule, period: Period, key: RowKey, pool: list[LedgerEntry]
) -> list[LedgerEntry]:
    return [e for e in pool if _counts_in(rule, period, e) and group_key(agreement, rule, e) == key]


def _counts_in(rule: QuotaRule, period: Period, entry: LedgerEntry) -> bool:
    """The entry counts against the rule in the period (in whichever group)."""
    return entry.activity in rule.counts and entry.status.is_counted and period.contains(entry.start_day)


def _running_with(entry: LedgerEntry, pool: list[LedgerEntry]) -> list[LedgerEntry]:
    """The entries whose time overlaps the entry's: all that an overlap count involving
    it can see (an activity running when a later one starts overlaps both)."""
    begins, ends = start_instant(entry.start), end_instant(entry.end)
    return [e for e in pool if start_instant(e.start) <= ends and end_instant(e.end) >= begins]


def _new_findings(before: list[Finding], after: list[Finding]) -> list[Finding]:
    known = {f.identity() for f in before}
    return [f for f in after if f.identity() not in known]


def _count_rule(
    agreement: Agreement,
    rule: QuotaRule,
    period: Period,
    pool: list[LedgerEntry],
    resolver: LimitResolver,
) -> list[CountedGroup]:
    members: dict[RowKey, list[LedgerEntry]] = defaultdict(list)
    for key in _applicable_keys(agreement, rule, period):
        members[key] = []
    for entry in pool:
        if _counts_in(rule, period, entry):
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


def _row(agreement: Agreement, group: CountedGroup) -> QuotaRow:
    rule, (receiving, inspecting, obj) = group.rule, group.key
    used = sum(1 for e in group.entries if e.status.is_used)
    return QuotaRow(
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


def _over_limit(group: CountedGroup) -> list[tuple[int, LedgerEntry]]:
    """The group's entries past its limit, each with its number; all of them when the limit is unknown."""
    rule, limit = group.rule, group.limit.value
    if limit is None:
        return list(enumerate(group.entries, start=1))
    # SEMANTICS section 5: the active quota is exceeded by what was conducted;
    # every other cap is taken by what is counted (pending or used).
    counted = [e for e in group.entries if rule.kind is not RuleKind.ACTIVE or e.status.is_used]
    return [(n, e) for n, e in enumerate(counted, start=1) if n > limit]


def _over_limit_finding(agreement: Agreement, group: CountedGroup, number: int, entry: LedgerEntry) -> Finding:
    rule, limit = group.rule, group.limit
    if limit.value is None:
        return missing_declaration_finding(agreement, rule, limit, entry)
    return make_finding(
        agreement,
        rule.id,
        rule.source,
        _OVER_LIMIT_CODE[rule.kind],
        entry,
        count=number,
        limit=limit.value,
        scope=rule.id,
        period=f"{group.period.start}..{group.period.end}",
    )


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
