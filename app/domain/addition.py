"""What recording one more entry would do to an agreement's quotas and findings.

The check before an entry is recorded (``--within-quota``, the entry form, the
check API) counts only the groups the entry joins; the property tests in
tests/unit/test_addition.py hold it to two whole evaluations compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from app.domain.agreement import Activity, Agreement, QuotaRule, RuleKind
from app.domain.counted import Counter, times
from app.domain.counting import Tally, tally
from app.domain.engine import unique
from app.domain.findings import Code, Finding
from app.domain.groups import CountedGroup, MissingDeclarations, group_keys, over_limit, over_limit_finding
from app.domain.ledger import LedgerEntry
from app.domain.limits import DeclarationKey, LimitResolver
from app.domain.moments import end_instant, start_instant
from app.domain.periods import Period
from app.domain.quota import QuotaRow, RowKey
from app.domain.rules import concurrency_findings, entry_findings, force_findings, refusal_findings


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
    resolver = LimitResolver.shared(agreement, declarations)
    counter = Counter[LedgerEntry](agreement, resolver)
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
                old_row = counter.row(without) if without.entries else None
                rows.append((old_row, counter.row(with_it)))
            if limit.value is None and entry in with_it.entries:
                missing.add(rule, limit, entry)
            flagged = {e.ref for _, e in over_limit(agreement, without)}
            findings += [
                over_limit_finding(agreement, with_it, n, e)
                for n, e in over_limit(agreement, with_it)
                if e.ref not in flagged and e.ref not in unbound and not _unbound(agreement, e)
            ]
    findings += [f for f in refusal_findings(agreement, near_after, groups, resolver) if f.entry_ref == entry.ref]
    starts = {e.ref: e.start_day for e in after}
    in_window = [f for f in findings if f.entry_ref is None or start <= starts[f.entry_ref] <= end]
    # Whatever the rest of the ledger holds, the check says which declarations the entry's limits lack.
    in_window += missing.findings(agreement, lambda ref: ref == entry.ref and ref not in unbound)
    return Addition(sorted(rows, key=lambda pair: pair[1].sort_key()), unique(in_window))


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
            found += [entry] * times(rule, entry)
    return found


def _counts_in(agreement: Agreement, rule: QuotaRule, period: Period, entry: LedgerEntry) -> bool:
    """The entry counts against the rule in the period (in whichever group)."""
    return (
        entry.activity in rule.counts and period.contains(entry.start_day) and tally(agreement, entry) is not Tally.NONE
    )


def _running_with(entry: LedgerEntry, pool: list[LedgerEntry]) -> list[LedgerEntry]:
    """The entries whose time overlaps the entry's: all that an overlap count involving
    it can see (an activity running when a later one starts overlaps both)."""
    begins, ends = start_instant(entry.start), end_instant(entry.end)
    return [e for e in pool if start_instant(e.start) <= ends and end_instant(e.end) >= begins]


def _new_findings(before: list[Finding], after: list[Finding]) -> list[Finding]:
    known = {f.identity() for f in before}
    return [f for f in after if f.identity() not in known]
