"""Counting one rule's entries into groups, and the quota rows the groups make.

One ``Counter`` serves one evaluation of one agreement. What many rows share is
computed once: each period's parties, each obligation's force (``ForceMemo``) and
each limit (``LimitResolver``); a rule's entries are grouped in one pass over the
pool for all its periods.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from operator import itemgetter
from typing import Generic, TypeVar

from app.domain.agreement import Activity, Agreement, CountUnit, QuotaRule, RuleKind
from app.domain.counted_entry import Counted
from app.domain.counting import Tally, tally, units
from app.domain.force import party_during
from app.domain.force_memo import ForceMemo, RowForce
from app.domain.groups import CountedGroup, group_key
from app.domain.ledger import LedgerEntry
from app.domain.limits import LimitResolver
from app.domain.periods import Period
from app.domain.quota import QuotaRow, RowKey

Parties = Mapping[str, frozenset[str]]
# What a Counter counts: whole entries for findings, or the fields counting reads, for rows.
_E = TypeVar("_E", bound=Counted)
# An entry that counts, its start day, and its receiving and inspecting quota parties then.
_Fact = tuple[_E, date, str, str]
_DAY = itemgetter(1)  # a fact's start day
PeriodGroups = tuple[Period, list[tuple[RowKey, list[_E]]], list[RowKey]]

# Where a row's sides stand in its key, by (active, scopes the inspecting state): an active
# quota is the inspecting party's own, a cap between two parties reads both.
_SIDE_POSITIONS: dict[tuple[bool, bool], tuple[int, int | None]] = {
    (True, False): (1, None),
    (True, True): (1, None),
    (False, False): (0, None),
    (False, True): (0, 1),
}


class Counter(Generic[_E]):
    def __init__(self, agreement: Agreement, resolver: LimitResolver, as_of: date | None = None) -> None:
        self.agreement, self.resolver, self.as_of = agreement, resolver, as_of
        self.force = ForceMemo.shared(agreement)
        self._parties: dict[Period, dict[str, frozenset[str]]] = {}
        self._pool: list[_E] | None = None
        self._states: dict[tuple[str | None, date, date], frozenset[str]] = {}
        self._facts: list[_Fact[_E]] = []
        self._by_activities: dict[frozenset[Activity], list[_Fact[_E]]] = {}
        self._side_classes: dict[Period, dict[str | None, int | None]] = {}
        self._used_ids: set[int] = set()  # the pool's entries that count as used, by id()
        self._keys: dict[tuple[bool, bool, bool, Period], list[RowKey]] = {}

    def parties(self, period: Period) -> dict[str, frozenset[str]]:
        """Quota parties during the period, each with its member states."""
        found = self._parties.get(period)
        if found is None:
            found = self._parties[period] = parties_in_period(self.agreement, period)
        return found

    def rule_groups(self, rule: QuotaRule, periods: list[Period], pool: list[_E]) -> Iterator[PeriodGroups[_E]]:
        """The rule's groups in each period: those something counts in, with their counted
        entries (every applicable group in its order, then the others in the order their
        first entry is counted), and the applicable groups nothing counts in."""
        for period, found in self.touched(rule, periods, pool).items():
            touched, empty = [], []
            for key in self._applicable(rule, period):
                group = found.pop(key, None)
                if group is None:
                    empty.append(key)
                else:
                    touched.append((key, group))
            yield period, touched + list(found.items()), empty

    def _applicable(self, rule: QuotaRule, period: Period) -> list[RowKey]:
        """``applicable_keys``, made once for the rules of one shape in a period (the
        Vienna Document's two caps between states have 3,192 pairs each)."""
        shape = (rule.per_object, rule.kind is RuleKind.PASSIVE, rule.kind is RuleKind.ACTIVE, period)
        found = self._keys.get(shape)
        if found is None:
            found = self._keys[shape] = applicable_keys(rule, self.parties(period))
        return found

    def touched(self, rule: QuotaRule, periods: list[Period], pool: list[_E]) -> dict[Period, dict[RowKey, list[_E]]]:
        """Each period's groups something counts in, with their entries in counting order."""
        seen: dict[Period, dict[RowKey, list[_E]]] = {period: {} for period in periods}
        facts, key_of = self._counting(pool, rule.counts), group_key(rule)
        # A rule's periods tile time, so the one holding the start day is the one it falls in;
        # the facts are in counting order, so by start day too, and each period's are a slice.
        for period, found in seen.items():
            within = facts[bisect_left(facts, period.start, key=_DAY) : bisect_right(facts, period.end, key=_DAY)]
            if key_of is None or rule.counts_per is CountUnit.OBJECT:
                _count_per_unit(rule, within, found)
                continue
            for entry, _, receiving, inspecting in within:
                key = key_of(receiving, inspecting)
                group = found.get(key)
                if group is None:
                    group = found[key] = []
                group.append(entry)
        return seen

    def _counting(self, pool: list[_E], activities: frozenset[Activity]) -> list[_Fact[_E]]:
        """``_counted`` of the activities a rule counts, in counting order: most rules count
        one activity of several, and each filters the pool once."""
        facts = self._counted(pool)
        found = self._by_activities.get(activities)
        if found is None:
            found = self._by_activities[activities] = [fact for fact in facts if fact[0].activity in activities]
        return found

    def _counted(self, pool: list[_E]) -> list[_Fact[_E]]:
        """The pool's entries that count at all, each with its start day and its receiving
        and inspecting quota parties on that day: worked out once for all the rules."""
        if self._pool is not pool:
            party, agreement = self.agreement.quota_party, self.agreement
            self._pool, self._facts, self._by_activities, self._used_ids = pool, [], {}, set()
            for entry in pool:
                counted = tally(agreement, entry)
                if counted is not Tally.NONE:
                    day = entry.start_day
                    self._facts.append(
                        (entry, day, party(entry.receiving_state, day), party(entry.inspecting_state, day))
                    )
                if counted is Tally.USED:
                    self._used_ids.add(id(entry))
        return self._facts

    def group(self, rule: QuotaRule, period: Period, key: RowKey, entries: list[LedgerEntry]) -> CountedGroup:
        limit = self.resolver.resolve(rule, key[0], key[1], period.start.year)
        return CountedGroup(rule=rule, period=period, key=key, limit=limit, entries=entries)

    def row(self, group: CountedGroup) -> QuotaRow:
        used = self._used(group.entries)
        return self._builder(group.rule, group.period)(group.key, used, len(group.entries) - used)

    def period_rows(
        self, rule: QuotaRule, period: Period, touched: list[tuple[RowKey, list[_E]]], empty: list[RowKey]
    ) -> list[QuotaRow]:
        """A rule period's rows, for the groups something counts in and for the others, built
        in one loop: they are most rows of a year (every pair of parties has one), and what
        they share is looked up once."""
        build, used_ids = self._builder(rule, period), self._used_ids.__contains__
        rows = [build(key, 0, 0) for key in empty]
        for key, entries in touched:
            # Every entry of a group here is one of the pool's, whose tallies _counted took.
            used = len(list(filter(used_ids, map(id, entries))))
            rows.append(build(key, used, len(entries) - used))
        return rows

    def _used(self, entries: list[LedgerEntry]) -> int:
        return sum(1 for e in entries if tally(self.agreement, e) is Tally.USED)

    def _builder(self, rule: QuotaRule, period: Period) -> Callable[[RowKey, int, int], QuotaRow]:
        first, last = period.start, period.end
        limit_of, force_of = self.resolver.for_rule(rule, first.year), self._force_of(rule, period)
        fixed, new = (self.agreement.id, rule.id, str(rule.kind), str(rule.activity)), tuple.__new__

        def build(key: RowKey, used: int, pending: int) -> QuotaRow:
            # tuple.__new__ rather than the named tuple's own __new__, a Python function.
            return new(QuotaRow, (*fixed, *key, first, last, limit_of(key), used, pending, *force_of(key)))

        return build

    def _day(self, period: Period) -> date:
        """The day a row's force is read on: the period's end, or the replay's day within it."""
        return period.end if self.as_of is None else min(max(self.as_of, period.start), period.end)

    def _force_of(self, rule: QuotaRule, period: Period) -> Callable[[RowKey], RowForce]:
        """Each row's force, looked up by the classes of its sides (``ForceMemo.side_class``).
        A period's parties have no state in common, so two rows whose sides are parties of
        the period in the same classes stand alike: a year's thousands of pair rows cost
        a lookup each. Any other row is read through the memo."""
        first, day, classes = period.start, self._day(period), self._classes(period)
        one_at, other_at = _SIDE_POSITIONS[rule.kind is RuleKind.ACTIVE, rule.scopes_inspecting]
        found: dict[tuple[int, int], RowForce] = {}

        def read(key: RowKey) -> RowForce:
            return self.force.row_force(*self._sides(rule, key, period), first, day)

        def force_of(key: RowKey) -> RowForce:
            one = classes.get(key[one_at])
            other = -1 if other_at is None else classes.get(key[other_at]) if key[0] != key[1] else None
            if one is None or other is None:
                return read(key)
            row = found.get((one, other))
            if row is None:
                row = found[(one, other)] = read(key)
            return row

        return force_of

    def _classes(self, period: Period) -> dict[str | None, int | None]:
        found = self._side_classes.get(period)
        if found is None:
            parties = self.parties(period).items()
            found = self._side_classes[period] = {party: self.force.side_class(states) for party, states in parties}
        return found

    def _sides(self, rule: QuotaRule, key: RowKey, period: Period) -> tuple[frozenset[str], frozenset[str] | None]:
        """The states on each side of a row's obligation: one side for a passive or an active
        quota (the party's own standing), both for a cap between two parties."""
        receiving, inspecting, _ = key
        if rule.kind is RuleKind.ACTIVE:
            return self._states_of(inspecting, period), None
        one = self._states_of(receiving, period)
        if rule.scopes_inspecting:
            return one, self._states_of(inspecting, period)
        return one, None

    def _states_of(self, party: str | None, period: Period) -> frozenset[str]:
        # Asked twice for each of a year's thousands of rows, about a few dozen parties.
        key = (party, period.start, period.end)
        found = self._states.get(key)
        if found is None:
            found = self._states[key] = self._members(party, period)
        return found

    def _members(self, party: str | None, period: Period) -> frozenset[str]:
        if party is None:
            return frozenset()
        parties = self.parties(period)
        if party in parties:
            return parties[party]
        for group in self.agreement.groups:
            if group.id == party:
                return frozenset(m.state for m in group.members if m.start <= period.end)
        return frozenset({party})


def _count_per_unit(rule: QuotaRule, facts: list[_Fact[_E]], found: dict[RowKey, list[_E]]) -> None:
    """Count entries that may count several times or in several groups (objects of a mission):
    ``keys_of`` and ``times``, with what they ask of the rule asked once."""
    key_of, side = group_key(rule), rule.scopes_inspecting
    for entry, _, receiving, inspecting in facts:
        if key_of is None:  # a per-object cap: each object is a group, holding the entry once
            for obj in entry.objects:
                found.setdefault((receiving, inspecting if side else None, obj), []).append(entry)
        else:
            found.setdefault(key_of(receiving, inspecting), []).extend([entry] * units(rule, entry))


def times(rule: QuotaRule, entry: Counted) -> int:
    """A group holds an entry once per unit it counts as: a mission to two objects of
    verification is two declared-site inspections; a per-object cap sees each object apart."""
    return 1 if rule.per_object else units(rule, entry)


def applicable_keys(rule: QuotaRule, parties: Parties) -> list[RowKey]:
    """A row exists for every rule and group that applies in the period; one whose
    obligation is suspended or withdrawn says so, rather than disappearing."""
    if rule.per_object:
        return []
    if rule.kind is RuleKind.PASSIVE:
        return [(p, None, None) for p in parties]
    if rule.kind is RuleKind.ACTIVE:
        return [(None, p, None) for p in parties]
    return [(receiving, inspecting, None) for receiving in parties for inspecting in parties if receiving != inspecting]


def parties_in_period(agreement: Agreement, period: Period) -> dict[str, frozenset[str]]:
    """Quota parties during the period, each with its member states."""
    parties: dict[str, set[str]] = defaultdict(set)
    for state, timeline in agreement.parties.items():
        if party_during(agreement, state, period.start, period.end):
            day = max(period.start, timeline.joined_on)
            parties[agreement.quota_party(state, day)].add(state)
    return {party: frozenset(states) for party, states in sorted(parties.items())}
