"""Force memoised for the thousands of quota rows of one agreement's evaluation.

``obligation_standing`` and ``obligation_changed`` (app/domain/force.py) read only the
parties' timelines; most parties' timelines are alike, so most rows share a handful of
distinct computations. This memo finds which.
"""

from __future__ import annotations

from datetime import date
from itertools import count

from app.domain.agreement import Agreement
from app.domain.force import Standing, obligation_changed, obligation_standing

_Side = tuple[date, date | None, tuple[tuple[date, date | None], ...]] | None
# A quota row's force as it shows it: the force, the day it has held since, and whether
# it stood otherwise earlier in the row's period.
RowForce = tuple[str, date | None, bool]
# A year's status of every agreement makes a few thousand; each replay day adds its own.
MAX_ROWS = 100_000


class ForceMemo:
    """``obligation_standing`` and ``obligation_changed`` for one agreement, memoised by what
    they read: each state's timeline as it bears on the other side. Most parties' timelines
    are alike (joined when the agreement entered into force, never suspended), so the
    thousands of pair rows of a year cost a few dozen distinct computations. Dates that are
    no change for a pair (a suspension toward a third state) never move its standing, which
    is why two pairs that read alike stand alike."""

    @classmethod
    def shared(cls, agreement: Agreement) -> ForceMemo:
        """The agreement's own memo. Force reads nothing but the agreement, so every
        evaluation of it may share one: a quota status after a write reads the force of
        a year's rows without computing it again. Past ``MAX_ROWS`` a memo (grown by
        replays at many days) is started again."""
        return agreement.derived("force", ForceMemo, ForceMemo, lambda memo: len(memo._rows) <= MAX_ROWS)

    def __init__(self, agreement: Agreement) -> None:
        self.agreement = agreement
        self._standing: dict[tuple[object, ...], Standing] = {}
        self._changed: dict[tuple[object, ...], bool] = {}
        self._sides: dict[tuple[frozenset[str], frozenset[str] | None], tuple[object, ...]] = {}
        self._timelines: dict[tuple[str, str | None], _Side] = {}
        self._rows: dict[tuple[object, ...], tuple[Standing, bool]] = {}
        self._plain: dict[frozenset[str], tuple[_Side, ...] | None] = {}
        self._classes: dict[frozenset[str], int | None] = {}
        self._class_ids: dict[tuple[_Side, ...], int] = {}
        # Shared by concurrent evaluations: next() and setdefault() are each one step, so
        # two threads can never give two classes one number.
        self._numbers = count()

    def of_row(
        self, one: frozenset[str], other: frozenset[str] | None, start: date, day: date
    ) -> tuple[Standing, bool]:
        """A quota row's standing on ``day`` and whether it changed since ``start``."""
        alike = self._alike(one, other)
        key = (alike or (one, other), start, day)
        found = self._rows.get(key)
        if found is None:
            found = self._rows[key] = (self.standing(one, other, day), self.changed(one, other, start, day))
        return found

    def row_force(self, one: frozenset[str], other: frozenset[str] | None, start: date, day: date) -> RowForce:
        """``of_row`` as a quota row shows it."""
        standing, changed = self.of_row(one, other, start, day)
        return str(standing.force), standing.since, changed

    def side_class(self, states: frozenset[str]) -> int | None:
        """A number for what a side reads when it reads plainly (``_plain_side``): two
        sides of the same class, each facing a side it shares no state with, read alike.
        None: the side must be read pair by pair."""
        if states not in self._classes:
            plain = self._plain_side(states)
            self._classes[states] = None if plain is None else self._class_ids.setdefault(plain, next(self._numbers))
        return self._classes[states]

    def _alike(self, one: frozenset[str], other: frozenset[str] | None) -> tuple[object, ...] | None:
        """What the two sides read, found without walking every pair of their states: when
        no state of either side is suspended toward chosen states only and the sides share
        no state, each state reads its own timeline toward everyone, so pairs whose states
        read alike, in order, stand alike. None: the sides must be read pair by pair."""
        first = self._plain_side(one)
        if first is None:
            return None
        if other is None:
            return ("one", first)
        second = self._plain_side(other)
        if second is None or not one.isdisjoint(other):
            return None
        return ("two", first, second)

    def _plain_side(self, states: frozenset[str]) -> tuple[_Side, ...] | None:
        if states not in self._plain:
            parties = self.agreement.parties
            directed = any(
                s.toward is not None for state in states if state in parties for s in parties[state].suspensions
            )
            self._plain[states] = None if directed else tuple(self._timeline(state, None) for state in states)
        return self._plain[states]

    def standing(self, one: frozenset[str], other: frozenset[str] | None, day: date) -> Standing:
        key = (self._reads(one, other), day)
        found = self._standing.get(key)
        if found is None:
            found = self._standing[key] = obligation_standing(self.agreement, one, other, day)
        return found

    def changed(self, one: frozenset[str], other: frozenset[str] | None, start: date, end: date) -> bool:
        key = (self._reads(one, other), start, end)
        found = self._changed.get(key)
        if found is None:
            found = self._changed[key] = obligation_changed(self.agreement, one, other, start, end)
        return found

    def _reads(self, one: frozenset[str], other: frozenset[str] | None) -> tuple[object, ...]:
        """Everything the two functions read of the parties, in the order they read it."""
        found = self._sides.get((one, other))
        if found is None:
            if other is None:
                found = (None, *(self._timeline(a, None) for a in one))
            else:
                found = tuple((a == b, self._timeline(a, b), self._timeline(b, a)) for a in one for b in other)
            self._sides[(one, other)] = found
        return found

    def _timeline(self, state: str, toward: str | None) -> _Side:
        """What ``_own_force`` reads of ``state``'s timeline, toward one state or everyone."""
        key = (state, toward)
        if key not in self._timelines:
            timeline = self.agreement.parties.get(state)
            self._timelines[key] = (
                None
                if timeline is None
                else (
                    timeline.joined_on,
                    timeline.withdrew_on,
                    tuple(
                        (s.start, s.end)
                        for s in timeline.suspensions
                        if s.toward is None or (toward is not None and toward in s.toward)
                    ),
                )
            )
        return self._timelines[key]
