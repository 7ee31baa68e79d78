"""The calendar: every activity of a period in both directions, guests included, and the
deadlines falling due in it. The month page, the ICS export and the private feed all ask this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.domain.agreement import Agreement
from app.domain.calendar import Direction, Month, ScheduledActivity, ScheduledDeadline, direction_of, parse_month
from app.domain.deadlines import agreement_deadlines, entry_deadlines, next_occurrence
from app.domain.errors import DomainError
from app.domain.ledger import LedgerEntry
from app.services.errors import InvalidInput
from app.services.states import checked_state
from app.services.status import chosen_agreements

# Deadlines fall before an activity (the reply, the notice period: requests come in up to a
# year ahead) and after it (the report a week after the end): the entries whose deadlines
# can fall in a period start between these bounds around it.
DEADLINE_LOOK_BACK = dt.timedelta(days=40)
DEADLINE_LOOK_AHEAD = dt.timedelta(days=400)


@dataclass(frozen=True, slots=True)
class CalendarFilter:
    agreement: str | None = None
    state: str | None = None  # one taking part: inspecting, receiving or as a guest
    direction: Direction | None = None  # the state's part; needs a state (or the home state)


@dataclass(frozen=True, slots=True)
class Period:
    first: dt.date
    last: dt.date
    activities: list[ScheduledActivity]
    deadlines: list[ScheduledDeadline] = field(default_factory=list)


def chosen_filter(
    session: Session, *, agreement: str | None, state: str | None, direction: str | None, home: str | None
) -> CalendarFilter:
    """The filters as asked, each checked against what exists; a direction without a state
    is the home state's."""
    chosen_agreements(session, agreement or None)
    code = checked_state((state or "").strip().upper() or None)
    if not direction:
        return CalendarFilter(agreement or None, code, None)
    try:
        way = Direction(direction)
    except ValueError:
        raise InvalidInput.one("direction", f"{direction!r} is not one of received, conducted, guest") from None
    code = code or home
    if code is None:
        raise InvalidInput.one("direction", "a direction needs a state: choose one, or set the home state")
    return CalendarFilter(agreement or None, code, way)


def period(
    session: Session, first: dt.date, last: dt.date, chosen: CalendarFilter, *, at: dt.datetime, home: str | None
) -> Period:
    """The activities under way on some day of [first, last] matching the filter, soonest
    first, and the deadlines falling due in it: their entries' (judged as at ``at``) and
    the agreements' yearly dates (those of the state, or of the home state)."""
    agreements = chosen_agreements(session, chosen.agreement)
    states = (chosen.state,) if chosen.state else ()
    found = repo.revisions_overlapping(
        session,
        start=first - DEADLINE_LOOK_BACK,
        end=last + DEADLINE_LOOK_AHEAD,
        agreement=chosen.agreement,
        states=states,
    )
    sources = [ScheduledActivity(e, n, when) for e, n, when in found if _matches(e, chosen)]
    activities = [a for a in sources if a.overlaps(first, last)]
    activities.sort(key=lambda a: (a.entry.counting_key(), a.entry.agreement))
    deadlines = _entry_deadlines(sources, agreements, first, last, at=at)
    if chosen.direction is None:
        wanted = [a for name, a in agreements.items() if chosen.agreement in (None, name)]
        deadlines += yearly_dates(wanted, first, last, chosen.state or home)
    deadlines.sort(key=lambda s: s.deadline.sort_key())
    return Period(first, last, activities, deadlines)


def _entry_deadlines(
    sources: list[ScheduledActivity],
    agreements: Mapping[str, Agreement],
    first: dt.date,
    last: dt.date,
    *,
    at: dt.datetime,
) -> list[ScheduledDeadline]:
    """The deadlines of the entries due in [first, last], each with its entry's revision."""
    return [
        ScheduledDeadline(d, a.revision, a.recorded_at)
        for a in sources
        if (agreement := agreements.get(a.entry.agreement)) is not None
        for d in entry_deadlines(agreement, a.entry, at=at)
        if first <= d.due_at.date() <= last
    ]


def yearly_dates(
    agreements: list[Agreement], first: dt.date, last: dt.date, state: str | None
) -> list[ScheduledDeadline]:
    """The agreements' yearly dates in [first, last]: the state's own, or, with no state,
    one for all the parties."""
    found: dict[str, ScheduledDeadline] = {}
    for agreement in agreements:
        for year in range(first.year, last.year + 1):
            for item in agreement.dates:
                day = next_occurrence(item, dt.datetime(year, 1, 1, tzinfo=dt.UTC))
                if not first <= day.date() <= last:
                    continue
                for d in agreement_deadlines(agreement, at=day, home_state=state):
                    if d.subject == item.id:
                        one = ScheduledDeadline(d if state else replace(d, responsible_state=""))
                        found.setdefault(one.uid, one)
    return list(found.values())


def _matches(entry: LedgerEntry, chosen: CalendarFilter) -> bool:
    if chosen.direction is None or chosen.state is None:
        return True
    return direction_of(entry, chosen.state) is chosen.direction


def month_of(text: str | None, today: dt.date) -> Month:
    if not text:
        return Month(today.year, today.month)
    try:
        return parse_month(text)
    except DomainError as exc:
        raise InvalidInput.one("month", exc.message) from None


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: dt.date
    activities: list[ScheduledActivity]  # under way that day
    deadlines: list[ScheduledDeadline]  # due that (UTC) day


@dataclass(frozen=True, slots=True)
class MonthCalendar:
    month: Month
    period: Period
    weeks: list[list[CalendarDay | None]]  # Monday first; None outside the month


def month(
    session: Session, month_text: str | None, chosen: CalendarFilter, *, at: dt.datetime, home: str | None
) -> MonthCalendar:
    shown = month_of(month_text, at.date())
    found = period(session, shown.first, shown.last, chosen, at=at, home=home)
    weeks = [[None if day is None else _day(found, day) for day in week] for week in shown.weeks()]
    return MonthCalendar(shown, found, weeks)


def _day(found: Period, day: dt.date) -> CalendarDay:
    return CalendarDay(
        day, [a for a in found.activities if a.covers(day)], [d for d in found.deadlines if d.day == day]
    )
