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
from app.domain.counting import Tally, tally, units
from app.domain.findings import Code, Finding
from app.domain.force import obligation_changed, obligation_standing, party_during
from app.domain.groups import CountedGroup, MissingDeclarations, group_keys, make_finding
from app.domain.ledger import LedgerEntry
from app.domain.limits import DeclarationKey, LimitResolver
from app.domain.moments import end_instant, start_instant
from app.domain.periods import Period
from app.domain.quota import QuotaRow, RowKey
from app.domain.rules import concurrency_findings, entry_findings, force_findings, refusal_findings

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
    as_of: date | None = None,
) -> Evaluation:
    """Quota rows for every rule period overlapping [start, end], and findings.

    ``count_until`` leaves out entries that start after it (a Q2 report shows
    the year's use up to 30 June). Findings are about entries that start in
    [start, end], plus one period-level warning per missing declaration. Each
    row's force is read as at its period's end, or at ``as_of`` when that is
    earlier (a replay).
    """
    # Sorted once into counting order; every group built from it keeps that order.
    pool = sorted(
        (e for e in entries if e.agreement == agreement.id and (count_until is None or e.start_day <= count_until)),
        key=LedgerEntry.counting_key,
    )
    resolver = LimitResolver(agreement, declarations)
    rows: list[QuotaRow] = []
    findings: list[Finding] = []
    for entry in pool:
        findings += entry_findings(agreement, entry)
    # An activity the agreement did not cover has its not_in_force finding, and no other quota finding.
    unbound = {f.entry_ref for f in findings if f.code is Code.NOT_IN_FORCE}
    missing = MissingDeclarations()
    groups: dict[tuple[str, Period, RowKey], CountedGroup] = {}
    for rule in agreement.quota_rules:
        if rule.kind is RuleKind.CONCURRENCY:
            findings += concurrency_findings(agreement, rule, pool, resolver, missing)
            continue
        for period in rule.period.overlapping(start, end):
            parties = _parties_in_period(agreement, period)
            for group in _count_rule(agreement, rule, period, pool, resolver, parties):
                groups[(rule.id, period, group.key)] = group
                rows.append(_row(agreement, group, parties, as_of))
                findings += _group_findings(agreement, group, missing, unbound)
    findings += refusal_findings(agreement, pool, groups, resolver)
    starts = {e.ref: e.start_day for e in pool}
    in_window = [f for f in findings if f.entry_ref is None or start <= starts[f.entry_ref] <= end]
    in_window += missing.findings(agreement, lambda ref: ref not in unbound and start <= starts[ref] <= end)
    return Evaluation(sorted(rows, key=QuotaRow.sort_key), _unique(in_window))


def _group_findings(
    agreement: Agreement, group: CountedGroup, missing: MissingDeclarations, unbound: set[str | None]
) -> list[Finding]:
    if group.limit.value is None:
        for entry in group.entries:
            missing.add(group.rule, group.limit, entry)
        return []
    return [
        _over_limit_finding(agreement, group, n, e) for n, e in _over_limit(agreement, group) if e.ref not in unbound
    ]


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
    """``evaluate`` over [start, end] with and without ``entry``, compared; only what differs,
    and the declarations the entry's own limits lack (as ``evaluate`` of the entry alone says).

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
    unbound = {f.entry_ref for f in findings if f.code is Code.NOT_IN_FORCE}
    missing = MissingDeclarations()
    groups: dict[tuple[str, Period, RowKey], CountedGroup] = {}
    near_before, near_after = _running_with(entry, before), _running_with(entry, after)
    for rule in agreement.quota_rules:
        if entry.activity not in rule.counts:
            continue
        if rule.kind is RuleKind.CONCURRENCY:
            findings += _new_findings(
                concurrency_findings(agreement, rule, near_before, resolver),
                concurrency_findings(agreement, rule, near_after, resolver, missing),
            )
            continue
        period = rule.period.containing(entry.start_day)
        parties = _parties_in_period(agreement, period)
        for key in group_keys(agreement, rule, entry):
            limit = resolver.resolve(rule, key[0], key[1], period.start.year)
            without, with_it = (
                CountedGroup(
                    rule=rule,
                    period=period,
                    key=key,
                    limit=limit,
                    entries=_members(agreement, rule, period, key, pool),
                )
                for pool in (before, after)
            )
            groups[(rule.id, period, key)] = with_it
            if with_it.entries:
                old_row = _row(agreement, without, parties, None) if without.entries else None
                rows.append((old_row, _row(agreement, with_it, parties, None)))
            if limit.value is None and entry in with_it.entries:
                missing.add(rule, limit, entry)
            flagged = {e.ref for _, e in _over_limit(agreement, without)}
            findings += [
                _over_limit_finding(agreement, with_it, n, e)
                for n, e in _over_limit(agreement, with_it)
                if e.ref not in flagged and e.ref not in unbound and not _unbound(agreement, e)
            ]
    findings += [f for f in refusal_findings(agreement, near_after, groups, resolver) if f.entry_ref == entry.ref]
    starts = {e.ref: e.start_day for e in after}
    in_window = [f for f in findings if f.entry_ref is None or start <= starts[f.entry_ref] <= end]
    # Whatever the rest of the ledger holds, the check says which declarations the entry's limits lack.
    in_window += missing.findings(agreement, lambda ref: ref == entry.ref and ref not in unbound)
    return Addition(sorted(rows, key=lambda pair: pair[1].sort_key()), _unique(in_window))


def _unbound(agreement: Agreement, entry: LedgerEntry) -> bool:
    """A counted activity on a day the agreement did not bind its two states (not_in_force)."""
    return bool(force_findings(agreement, entry))


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
    found: list[LedgerEntry] = []
    for entry in pool:
        if _counts_in(agreement, rule, period, entry) and key in group_keys(agreement, rule, entry):
            found += [entry] * _times(rule, entry)
    return found


def _counts_in(agreement: Agreement, rule: QuotaRule, period: Period, entry: LedgerEntry) -> bool:
    """The entry counts against the rule in the period (in whichever group)."""
    return (
        entry.activity in rule.counts and period.contains(entry.start_day) and tally(agreement, entry) is not Tally.NONE
    )


def _times(rule: QuotaRule, entry: LedgerEntry) -> int:
    """A group holds an entry once per unit it counts as: a mission to two objects of
    verification is two declared-site inspections; a per-object cap sees each object apart."""
    return 1 if rule.per_object else units(rule, entry)


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
    parties: Mapping[str, frozenset[str]],
) -> list[CountedGroup]:
    members: dict[RowKey, list[LedgerEntry]] = {key: [] for key in _applicable_keys(rule, parties)}
    for entry in pool:
        if _counts_in(agreement, rule, period, entry):
            times = _times(rule, entry)
            for key in group_keys(agreement, rule, entry):
                members.setdefault(key, []).extend([entry] * times)
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


def _row(
    agreement: Agreement, group: CountedGroup, parties: Mapping[str, frozenset[str]], as_of: date | None
) -> QuotaRow:
    rule, period, (receiving, inspecting, obj) = group.rule, group.period, group.key
    used = sum(1 for e in group.entries if tally(agreement, e) is Tally.USED)
    one, other = _sides(agreement, rule, group.key, parties, period)
    day = period.end if as_of is None else min(max(as_of, period.start), period.end)
    standing = obligation_standing(agreement, one, other, day)
    return QuotaRow(
        agreement=agreement.id,
        rule=rule.id,
        kind=str(rule.kind),
        activity=str(rule.activity),
        receiving_state=receiving,
        inspecting_state=inspecting,
        object=obj,
        period_start=period.start,
        period_end=period.end,
        limit=group.limit.value,
        used=used,
        pending=len(group.entries) - used,
        force=str(standing.force),
        force_since=standing.since,
        force_changed=obligation_changed(agreement, one, other, period.start, day),
    )


def _sides(
    agreement: Agreement,
    rule: QuotaRule,
    key: RowKey,
    parties: Mapping[str, frozenset[str]],
    period: Period,
) -> tuple[frozenset[str], frozenset[str] | None]:
    """The states on each side of a row's obligation: one side for a passive or an active
    quota (the party's own standing), both for a cap between two parties."""
    receiving, inspecting, _ = key
    if rule.kind is RuleKind.ACTIVE:
        return _states_of(agreement, inspecting, parties, period), None
    one = _states_of(agreement, receiving, parties, period)
    if rule.scopes_inspecting:
        return one, _states_of(agreement, inspecting, parties, period)
    return one, None


def _states_of(
    agreement: Agreement, party: str | None, parties: Mapping[str, frozenset[str]], period: Period
) -> frozenset[str]:
    if party is None:
        return frozenset()
    if party in parties:
        return parties[party]
    for group in agreement.groups:
        if group.id == party:
            return frozenset(m.state for m in group.members if m.start <= period.end)
    return frozenset({party})


def _over_limit(agreement: Agreement, group: CountedGroup) -> list[tuple[int, LedgerEntry]]:
    """The group's units past its limit, each with its number (none when the limit is unknown)."""
    rule, limit = group.rule, group.limit.value
    if limit is None:
        return []
    # docs/semantics.md section 5: the active quota is exceeded by what was conducted;
    # every other cap is taken by what is counted (pending or used).
    counted = [e for e in group.entries if rule.kind is not RuleKind.ACTIVE or tally(agreement, e) is Tally.USED]
    return [(n, e) for n, e in enumerate(counted, start=1) if n > limit]


def _over_limit_finding(agreement: Agreement, group: CountedGroup, number: int, entry: LedgerEntry) -> Finding:
    rule, limit = group.rule, group.limit.value
    assert limit is not None  # _over_limit yields nothing for an unknown limit
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


def _applicable_keys(rule: QuotaRule, parties: Mapping[str, frozenset[str]]) -> list[RowKey]:
    """A row exists for every rule and group that applies in the period; one whose
    obligation is suspended or withdrawn says so, rather than disappearing."""
    if rule.per_object:
        return []
    if rule.kind is RuleKind.PASSIVE:
        return [(p, None, None) for p in parties]
    if rule.kind is RuleKind.ACTIVE:
        return [(None, p, None) for p in parties]
    return [(receiving, inspecting, None) for receiving in parties for inspecting in parties if receiving != inspecting]


def _parties_in_period(agreement: Agreement, period: Period) -> dict[str, frozenset[str]]:
    """Quota parties during the period, each with its member states."""
    parties: dict[str, set[str]] = defaultdict(set)
    for state, timeline in agreement.parties.items():
        if party_during(agreement, state, period.start, period.end):
            day = max(period.start, timeline.joined_on)
            parties[agreement.quota_party(state, day)].add(state)
    return {party: frozenset(states) for party, states in sorted(parties.items())}


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str | None, str, str, str], Finding] = {}
    for finding in findings:
        seen.setdefault(finding.identity(), finding)
    return sorted(seen.values(), key=Finding.sort_key)
