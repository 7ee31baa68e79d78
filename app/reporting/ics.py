"""The calendar as iCalendar (RFC 5545), with the ``icalendar`` library.

Activities are events: a date-only one is all-day (DTEND the day after its last day, as
the standard has it exclusive), a timed one is in UTC. Deadlines are events with an
alarm. UIDs are stable (app/domain/calendar.py), SEQUENCE is the entry's revision number,
and DTSTAMP is when that revision was recorded, so an unchanged entry exports the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icalendar import Alarm, Calendar, Event

from app.domain.calendar import ScheduledActivity
from app.domain.ledger import Status
from app.domain.moments import start_instant
from app.reporting.calendar_view import activity_details, activity_summary
from app.reporting.i18n import Localizer

PRODID = "-//csbm//calendar//EN"


def _status(activity: ScheduledActivity) -> str:
    if activity.called_off:
        return "CANCELLED"
    return "TENTATIVE" if activity.entry.status is Status.REQUESTED else "CONFIRMED"


def activity_event(activity: ScheduledActivity, loc: Localizer) -> Event:
    entry = activity.entry
    event = Event()
    event.add("uid", activity.uid)
    event.add("sequence", activity.revision)
    event.add("dtstamp", activity.recorded_at.astimezone(dt.UTC))
    event.add("last-modified", activity.recorded_at.astimezone(dt.UTC))
    if activity.all_day:
        event.add("dtstart", entry.start_day)
        event.add("dtend", entry.end_day + dt.timedelta(days=1))
    else:
        event.add("dtstart", start_instant(entry.start).astimezone(dt.UTC))
        event.add("dtend", start_instant(entry.end).astimezone(dt.UTC))
    event.add("summary", activity_summary(entry, loc))
    event.add("description", "\n".join(activity_details(entry, loc)))
    if entry.location or entry.object:
        event.add("location", entry.location or entry.object)
    event.add("status", _status(activity))
    event.add("transp", "TRANSPARENT")
    event.add("categories", [entry.agreement, str(entry.activity)])
    return event


def alarm(description: str, before: dt.timedelta) -> Alarm:
    found = Alarm()
    found.add("action", "DISPLAY")
    found.add("description", description)
    found.add("trigger", -before)
    return found


def calendar_ics(
    activities: Sequence[ScheduledActivity], events: Sequence[Event] = (), *, name: str, loc: Localizer
) -> bytes:
    """The calendar: one event per activity, then ``events`` (the deadlines)."""
    found = Calendar()
    found.add("prodid", PRODID)
    found.add("version", "2.0")
    found.add("calscale", "GREGORIAN")
    found.add("x-wr-calname", name)
    for activity in activities:
        found.add_component(activity_event(activity, loc))
    for event in events:
        found.add_component(event)
    content: bytes = found.to_ical()
    return content
