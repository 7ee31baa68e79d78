"""The calendar's rules: which days an activity is on, the month grid, stable UIDs, and the
ICS events they become (read back with icalendar)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar

from app.domain.calendar import CALLED_OFF, Direction, Month, ScheduledActivity, direction_of, parse_month
from app.domain.errors import DomainError
from app.domain.ledger import Guest, Status
from app.reporting.i18n import Localizer
from app.reporting.ics import calendar_ics
from tests.builders import make_entry, t

RECORDED = t(2025, 1, 1)
days = st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31))
months = st.builds(Month, st.integers(1990, 2100), st.integers(1, 12))


@given(start=days, length=st.integers(0, 40), day=days)
def test_an_activity_is_on_every_day_from_its_start_to_its_end_and_no_other(
    start: dt.date, length: int, day: dt.date
) -> None:
    activity = ScheduledActivity(make_entry(start=start, end=start + dt.timedelta(days=length)), 1, RECORDED)
    assert activity.covers(day) == (start <= day <= start + dt.timedelta(days=length))
    assert activity.overlaps(day, day) == activity.covers(day)


@given(month=months)
def test_a_months_grid_holds_each_of_its_days_once_in_order_monday_first(month: Month) -> None:
    weeks = month.weeks()
    shown = [day for week in weeks for day in week if day is not None]
    assert shown == [month.first + dt.timedelta(days=n) for n in range((month.last - month.first).days + 1)]
    assert all(len(week) == 7 for week in weeks)
    assert all(day.weekday() == i for week in weeks for i, day in enumerate(week) if day is not None)
    assert parse_month(str(month)) == month
    assert month.next.previous == month


@given(ref=st.from_regex(r"[A-Z][A-Z0-9-]{0,20}", fullmatch=True), revision=st.integers(1, 50))
def test_the_uid_depends_on_the_ref_and_agreement_only_and_the_sequence_is_the_revision(
    ref: str, revision: int
) -> None:
    first = ScheduledActivity(make_entry(ref), 1, RECORDED)
    later = ScheduledActivity(make_entry(ref, status=Status.CANCELLED, team_size=3), revision, RECORDED)
    assert first.uid == later.uid == f"{ref}@vd2011.csbm"
    [event] = Calendar.from_ical(calendar_ics([later], name="x", loc=Localizer("en"))).walk("VEVENT")
    assert event["sequence"] == revision


@pytest.mark.parametrize("text", ["2025-6", "2025-00", "1989-12", "June", ""])
def test_a_month_is_written_yyyy_mm(text: str) -> None:
    with pytest.raises(DomainError):
        parse_month(text)


def test_the_direction_is_the_states_part() -> None:
    entry = make_entry(inspecting_state="PL", receiving_state="BY", guests=(Guest("LT", 1),), team_size=5)
    assert direction_of(entry, "BY") is Direction.RECEIVED
    assert direction_of(entry, "PL") is Direction.CONDUCTED
    assert direction_of(entry, "LT") is Direction.GUEST
    assert direction_of(entry, "DE") is None


def event_of(**entry: Any) -> Any:
    activity = ScheduledActivity(make_entry(**entry), 2, RECORDED)
    [event] = Calendar.from_ical(calendar_ics([activity], name="x", loc=Localizer("ru"))).walk("VEVENT")
    return event


def test_an_activity_with_a_date_at_either_end_is_all_day_and_a_timed_one_is_in_utc() -> None:
    mixed = event_of(start=dt.date(2025, 5, 5), end=t(2025, 5, 6, 12))
    assert mixed.decoded("dtstart") == dt.date(2025, 5, 5)
    assert mixed.decoded("dtend") == dt.date(2025, 5, 7)
    minsk = dt.timezone(dt.timedelta(hours=3))
    timed = event_of(start=dt.datetime(2025, 5, 5, 11, tzinfo=minsk), end=t(2025, 5, 5, 17))
    assert timed["dtstart"].to_ical() == b"20250505T080000Z"
    assert str(timed["summary"]) == "Инспекция: Германия → Беларусь (E-1)"


@pytest.mark.parametrize("status", list(Status))
def test_what_did_not_take_place_is_cancelled(status: Status) -> None:
    event = event_of(status=status, cause=None)
    expected = "CANCELLED" if status in CALLED_OFF else ("TENTATIVE" if status is Status.REQUESTED else "CONFIRMED")
    assert str(event["status"]) == expected
