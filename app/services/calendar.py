"""The calendar: every activity of a period in both directions, guests included, and the
deadlines falling due in it. The month page, the ICS export and the private feed all ask this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.domain.calendar import Direction, Month, ScheduledActivity, direction_of, parse_month
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
    sources: list[ScheduledActivity] = field(default_factory=list)  # entries whose deadlines may fall in it


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


def period(session: Session, first: dt.date, last: dt.date, chosen: CalendarFilter) -> Period:
    """The activities under way on some day of [first, last] matching the filter, soonest
    first, and the entries whose deadlines may fall in it."""
    states = (chosen.state,) if chosen.state else ()
    found = repo.revisions_overlapping(
        session,
        start=first - DEADLINE_LOOK_BACK,
        end=last + DEADLINE_LOOK_AHEAD,
        agreement=chosen.agreement,
        states=states,
    )
    sources = [ScheduledActivity(e, n, at) for e, n, at in found if _matches(e, chosen)]
    activities = [a for a in sources if a.overlaps(first, last)]
    activities.sort(key=lambda a: (a.entry.counting_key(), a.entry.agreement))
    return Period(first, last, activities, sources)


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
class MonthCalendar:
    month: Month
    period: Period
    # Each week, Monday first: (day, the activities under way that day); None outside the month.
    weeks: list[list[tuple[dt.date, list[ScheduledActivity]] | None]]


def month(session: Session, month_text: str | None, chosen: CalendarFilter, *, today: dt.date) -> MonthCalendar:
    shown = month_of(month_text, today)
    found = period(session, shown.first, shown.last, chosen)
    weeks = [
        [None if day is None else (day, [a for a in found.activities if a.covers(day)]) for day in week]
        for week in shown.weeks()
    ]
    return MonthCalendar(shown, found, weeks)
