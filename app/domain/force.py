"""Whether an agreement binds, between two states or for one party, on a date.

This module is the one reading of the agreements' timelines: the quota rows'
``force`` and the ``not_in_force`` finding both come from ``force_between``,
so the two can never disagree.

An agreement is in force between two states on a date when it is in force
itself, both are parties, and neither has suspended it toward the other or
withdrawn. A suspension can be directed at named states only: from October
2023 Belarus suspended the CFE Treaty toward Poland and the Czech Republic
only, and from 24 May 2024 toward everyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.agreement import Agreement, ChangeKind, PartyTimeline, StatusChange

_DAY = timedelta(days=1)


class Force(StrEnum):
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"
    NOT_IN_FORCE = "not_in_force"  # not yet in force, terminated, or not a party


@dataclass(frozen=True, slots=True)
class Standing:
    """The force of an obligation on a day, and the day it has held since (None: always)."""

    force: Force
    since: date | None = None

    @property
    def binds(self) -> bool:
        return self.force is Force.IN_FORCE


def _agreement_force(agreement: Agreement, day: date) -> Force | None:
    if day < agreement.in_force_from or (agreement.terminated_on is not None and day >= agreement.terminated_on):
        return Force.NOT_IN_FORCE
    return None


def _own_force(timeline: PartyTimeline | None, day: date, toward: str | None) -> Force:
    """One party's standing on a day, toward one state or (None) toward everyone at once."""
    if timeline is None or day < timeline.joined_on:
        return Force.NOT_IN_FORCE
    if timeline.withdrew_on is not None and day >= timeline.withdrew_on:
        return Force.WITHDRAWN
    for suspension in timeline.suspensions:
        if toward is None and suspension.toward is not None:
            continue
        if suspension.covers(day, toward or ""):
            return Force.SUSPENDED
    return Force.IN_FORCE


# When the two sides stand differently, the one that explains the obligation's end wins.
_PRECEDENCE = (Force.NOT_IN_FORCE, Force.WITHDRAWN, Force.SUSPENDED, Force.IN_FORCE)


def _force_between(agreement: Agreement, one: str, other: str, day: date) -> Force:
    if (whole := _agreement_force(agreement, day)) is not None or one == other:
        return whole or Force.NOT_IN_FORCE
    sides = (
        _own_force(agreement.parties.get(one), day, other),
        _own_force(agreement.parties.get(other), day, one),
    )
    return min(sides, key=_PRECEDENCE.index)


def _party_force(agreement: Agreement, state: str, day: date) -> Force:
    return _agreement_force(agreement, day) or _own_force(agreement.parties.get(state), day, None)


def change_days(agreement: Agreement, *states: str) -> set[date]:
    days = {agreement.in_force_from}
    if agreement.terminated_on:
        days.add(agreement.terminated_on)
    for state in states:
        days |= agreement.change_days_of(state)
    return days


def _standing(force_on: _ForceOn, days: Iterable[date], day: date) -> Standing:
    """``force_on(day)``, with the first day of the unbroken run of that force that ``day`` is in."""
    force = force_on(day)
    since = None
    for change in sorted((d for d in days if d <= day), reverse=True):
        if force_on(change - _DAY) is not force:
            since = change
            break
    return Standing(force, since)


class _ForceOn:
    """Force as a function of the day, for one pair of states or one party."""

    def __init__(self, agreement: Agreement, one: str, other: str | None) -> None:
        self.agreement, self.one, self.other = agreement, one, other

    def __call__(self, day: date) -> Force:
        if self.other is None:
            return _party_force(self.agreement, self.one, day)
        return _force_between(self.agreement, self.one, self.other, day)


def force_between(agreement: Agreement, one: str, other: str, day: date) -> Standing:
    """The agreement's force between two states on a day, and since when it has held."""
    return _standing(_ForceOn(agreement, one, other), change_days(agreement, one, other), day)


def party_standing(agreement: Agreement, state: str, day: date) -> Standing:
    """A party's own obligations: in force unless it withdrew or suspended them toward everyone."""
    return _standing(_ForceOn(agreement, state, None), change_days(agreement, state), day)


def obligation_standing(
    agreement: Agreement, receiving: Iterable[str], inspecting: Iterable[str] | None, day: date
) -> Standing:
    """The force of the obligation a quota row describes, for parties that may be groups of states.

    ``inspecting`` None is a one-sided row (a passive or an active quota): the party's own
    standing. A group's obligation binds while it binds any of its members.
    """
    if inspecting is None:
        standings = [party_standing(agreement, state, day) for state in receiving]
    else:
        others = list(inspecting)
        standings = [force_between(agreement, a, b, day) for a in receiving for b in others]
    return _best(standings)


def _best(standings: list[Standing]) -> Standing:
    """A group's standing: binding while any member's binds; else the most recent change explains it."""
    if not standings:
        return Standing(Force.NOT_IN_FORCE)
    binding = [s for s in standings if s.binds]
    if binding:
        return min(binding, key=lambda s: s.since or date.min)
    return max(standings, key=lambda s: s.since or date.min)


def obligation_changed(
    agreement: Agreement, receiving: Iterable[str], inspecting: Iterable[str] | None, start: date, end: date
) -> bool:
    """Whether the obligation's force on some day of (start, end] differs from its force on ``start``."""
    one, other = list(receiving), None if inspecting is None else list(inspecting)
    first = obligation_standing(agreement, one, other, start).force
    days = change_days(agreement, *one, *(other or ()))
    return any(obligation_standing(agreement, one, other, d).force is not first for d in days if start < d <= end)


def breach_during(agreement: Agreement, one: str, other: str, start: date, end: date) -> tuple[date, Standing] | None:
    """The first day of [start, end] the agreement did not bind the two, with its standing then."""
    probes = sorted({start} | {d for d in change_days(agreement, one, other) if start < d <= end})
    for day in probes:
        if _force_between(agreement, one, other, day) is not Force.IN_FORCE:
            return day, force_between(agreement, one, other, day)
    return None


def in_force_between(agreement: Agreement, one: str, other: str, day: date) -> bool:
    return _force_between(agreement, one, other, day) is Force.IN_FORCE


def party_in_force(agreement: Agreement, state: str, day: date) -> bool:
    """A party for which the agreement operates toward at least some states."""
    return _party_force(agreement, state, day) is Force.IN_FORCE


def in_force_between_during(agreement: Agreement, one: str, other: str, start: date, end: date) -> bool:
    """In force between the two on at least one day of [start, end]."""
    probes = {start} | {d for d in change_days(agreement, one, other) if start < d <= end}
    return any(_force_between(agreement, one, other, day) is Force.IN_FORCE for day in probes)


def in_force_throughout(agreement: Agreement, one: str, other: str, start: date, end: date) -> bool:
    """In force on every day of [start, end]: checked at start and at every change."""
    return breach_during(agreement, one, other, start, end) is None


def party_during(agreement: Agreement, state: str, start: date, end: date) -> bool:
    """A party of the agreement, suspended or not, on some day of [start, end] while the agreement stood.

    Such a party's quotas have rows, which say when its obligations are suspended or withdrawn.
    """
    timeline = agreement.parties.get(state)
    if timeline is None or agreement.in_force_from > end:
        return False
    if agreement.terminated_on is not None and agreement.terminated_on <= start:
        return False
    return timeline.joined_on <= end and (timeline.withdrew_on is None or timeline.withdrew_on > start)


def status_changes(agreement: Agreement, start: date, end: date) -> list[StatusChange]:
    """Changes of force within [start, end]: entry into force, accession, suspension, withdrawal, termination."""
    found: list[StatusChange] = []

    def add(day: date, state: str, change: ChangeKind, toward: frozenset[str] | None = None) -> None:
        if start <= day <= end:
            found.append(
                StatusChange(
                    agreement=agreement.id, day=day, state=state, change=change, toward=tuple(sorted(toward or ()))
                )
            )

    add(agreement.in_force_from, "*", ChangeKind.ENTRY_INTO_FORCE)
    if agreement.terminated_on:
        add(agreement.terminated_on, "*", ChangeKind.TERMINATION)
    for state, timeline in sorted(agreement.parties.items()):
        if timeline.joined_on != agreement.in_force_from:
            add(timeline.joined_on, state, ChangeKind.JOINED)
        if timeline.withdrew_on:
            add(timeline.withdrew_on, state, ChangeKind.WITHDRAWAL)
        for s in timeline.suspensions:
            add(s.start, state, ChangeKind.SUSPENSION, s.toward)
            if s.end:
                add(s.end, state, ChangeKind.SUSPENSION_ENDED, s.toward)
    return sorted(found, key=lambda c: (c.day, c.state, c.change))
