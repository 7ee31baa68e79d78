"""Whether an agreement was in force between two states on a date.

SEMANTICS section 3, "Force of an agreement": in force between two states on
a date when both are parties and neither has suspended it or withdrawn. A
suspension can be directed at named states only (from October 2023 Belarus
suspended the CFE Treaty toward Poland and the Czech Republic only).
"""

from __future__ import annotations

from datetime import date

from app.domain.agreement import Agreement, ChangeKind, StatusChange


def agreement_in_force(agreement: Agreement, day: date) -> bool:
    if day < agreement.in_force_from:
        return False
    return agreement.terminated_on is None or day < agreement.terminated_on


def party_in_force(agreement: Agreement, state: str, day: date) -> bool:
    """A party for which the agreement operates toward at least some states."""
    timeline = agreement.parties.get(state)
    if timeline is None or not agreement_in_force(agreement, day):
        return False
    return timeline.is_party(day) and not timeline.fully_suspended(day)


def in_force_between(agreement: Agreement, one: str, other: str, day: date) -> bool:
    if not agreement_in_force(agreement, day):
        return False
    first, second = agreement.parties.get(one), agreement.parties.get(other)
    if first is None or second is None or one == other:
        return False
    if not (first.is_party(day) and second.is_party(day)):
        return False
    return not (first.suspended_toward(day, other) or second.suspended_toward(day, one))


def change_days(agreement: Agreement, *states: str) -> set[date]:
    days = {agreement.in_force_from}
    if agreement.terminated_on:
        days.add(agreement.terminated_on)
    for state in states:
        days |= agreement.change_days_of(state)
    return days


def in_force_throughout(agreement: Agreement, one: str, other: str, start: date, end: date) -> bool:
    """In force on every day of [start, end]: checked at start and every change."""
    probes = {start} | {d for d in change_days(agreement, one, other) if start < d <= end}
    return all(in_force_between(agreement, one, other, d) for d in probes)


def party_in_force_during(agreement: Agreement, state: str, start: date, end: date) -> bool:
    probes = {start} | {d for d in change_days(agreement, state) if start < d <= end}
    return any(party_in_force(agreement, state, d) for d in probes)


def in_force_between_during(agreement: Agreement, one: str, other: str, start: date, end: date) -> bool:
    """In force between the two on at least one day of [start, end]."""
    probes = {start} | {d for d in change_days(agreement, one, other) if start < d <= end}
    return any(in_force_between(agreement, one, other, d) for d in probes)


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
