"""The calendar as iCalendar (RFC 5545), with the ``icalendar`` library.

Activities are events: a date-only one is all-day (DTEND the day after its last day, as
the standard has it exclusive), a timed one is in UTC. Deadlines are events with an
alarm. UIDs are stable (app/domain/calendar.py), SEQUENCE is the entry's revision number,
and DTSTAMP is when that revision was recorded, so an unchanged entry exports the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from icalendar import Alarm, Calendar, Event

from app.domain.agreement import Agreement
from app.domain.calendar import ScheduledActivity, ScheduledDeadline
from app.domain.ledger import Status
from app.domain.moments import start_instant
from app.reporting.calendar_view import activity_details, activity_summary, deadline_details, deadline_summary
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


# When a calendar program reminds: an entry's deadline 6 hours before (the warning csbm
# itself raises before a reply is due), an agreement's yearly date a week before.
REMIND_BEFORE = dt.timedelta(hours=6)
REMIND_BEFORE_DATE = dt.timedelta(days=7)


def deadline_event(
    scheduled: ScheduledDeadline, agreements: Mapping[str, Agreement], loc: Localizer, *, at: dt.datetime
) -> Event:
    d = scheduled.deadline
    event = Event()
    summary = deadline_summary(scheduled, agreements, loc)
    event.add("uid", scheduled.uid)
    event.add("sequence", scheduled.revision)
    event.add("dtstamp", (scheduled.recorded_at or at).astimezone(dt.UTC))
    if scheduled.all_day:
        event.add("dtstart", scheduled.day)
        event.add("dtend", scheduled.day + dt.timedelta(days=1))
    else:
        event.add("dtstart", d.due_at.astimezone(dt.UTC))
        event.add("dtend", d.due_at.astimezone(dt.UTC))
    event.add("summary", summary)
    event.add("description", "\n".join(deadline_details(scheduled, loc)))
    event.add("status", "CONFIRMED")
    event.add("categories", [d.agreement, "deadline", str(d.kind)])
    event.add_component(alarm(summary, REMIND_BEFORE_DATE if scheduled.all_day else REMIND_BEFORE))
    return event


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
