"""The calendar: activities and deadlines placed on days, and their stable identities.

An activity covers every day from its start to its end (a date-only moment covers its
whole day). Its identity (UID) is its ref under its agreement, so a calendar client that
subscribed updates an event instead of adding a second one; each revision of the entry
raises the event's sequence number.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.domain.deadlines import Deadline, DeadlineKind
from app.domain.errors import DomainError
from app.domain.ledger import LedgerEntry, Status
from app.domain.moments import has_time

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
UID_DOMAIN = "csbm"

# Activities that did not or will not take place (docs/semantics.md section 2): a calendar
# shows them struck through, and an ICS client as cancelled.
CALLED_OFF = frozenset(
    {Status.REFUSED, Status.CANCELLED, Status.FORCE_MAJEURE, Status.REFUSED_FORCE_MAJEURE, Status.PROHIBITED}
)


class Direction(StrEnum):
    """A state's part in an activity."""

    RECEIVED = "received"
    CONDUCTED = "conducted"
    GUEST = "guest"


def direction_of(entry: LedgerEntry, state: str) -> Direction | None:
    if entry.receiving_state == state:
        return Direction.RECEIVED
    if entry.inspecting_state == state:
        return Direction.CONDUCTED
    if any(g.state == state for g in entry.guests):
        return Direction.GUEST
    return None


@dataclass(frozen=True, slots=True)
class ScheduledActivity:
    """An entry as it now stands, with the number of its current revision and when that
    revision was recorded."""

    entry: LedgerEntry
    revision: int
    recorded_at: datetime

    @property
    def uid(self) -> str:
        return entry_uid(self.entry)

    @property
    def all_day(self) -> bool:
        """Shown as whole days unless both its start and its end carry a time of day."""
        return not (has_time(self.entry.start) and has_time(self.entry.end))

    @property
    def called_off(self) -> bool:
        return self.entry.status in CALLED_OFF

    def covers(self, day: date) -> bool:
        return self.entry.start_day <= day <= self.entry.end_day

    def overlaps(self, first: date, last: date) -> bool:
        return self.entry.start_day <= last and self.entry.end_day >= first


@dataclass(frozen=True, slots=True)
class ScheduledDeadline:
    """A deadline on the calendar, with the revision of the entry it comes from (0 and
    None for an agreement's yearly date, which no entry gives)."""

    deadline: Deadline
    revision: int = 0
    recorded_at: datetime | None = None

    @property
    def uid(self) -> str:
        d = self.deadline
        return deadline_uid(d.agreement, d.ref, str(d.kind), d.subject, d.due_at.date())

    @property
    def all_day(self) -> bool:
        """An agreement's yearly date holds for its whole (UTC) day."""
        return self.deadline.kind is DeadlineKind.ANNUAL

    @property
    def day(self) -> date:
        return self.deadline.due_at.date()


def entry_uid(entry: LedgerEntry) -> str:
    return f"{entry.ref}@{entry.agreement}.{UID_DOMAIN}"


def deadline_uid(agreement: str, ref: str, kind: str, subject: str = "", due: date | None = None) -> str:
    """An entry's deadline of a kind, or an agreement's yearly date in one year."""
    if ref:
        return f"{ref}.{kind}@{agreement}.{UID_DOMAIN}"
    year = f".{due.year}" if due is not None else ""
    return f"{subject}{year}.{kind}@{agreement}.{UID_DOMAIN}"


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, stdlib_calendar.monthrange(self.year, self.month)[1])

    @property
    def previous(self) -> Month:
        day = self.first - timedelta(days=1)
        return Month(day.year, day.month)

    @property
    def next(self) -> Month:
        day = self.last + timedelta(days=1)
        return Month(day.year, day.month)

    def weeks(self) -> list[list[date | None]]:
        """The month's weeks, Monday first; days of the neighbouring months are None."""
        grid = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(self.year, self.month)
        return [[day if day.month == self.month else None for day in week] for week in grid]

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(text: str, *, field: str = "month") -> Month:
    """``2025-06``: a month of the years 1990 to 2100."""
    found = MONTH.match(text.strip())
    if found is None:
        raise DomainError(f"{text!r} is not a month written YYYY-MM, e.g. 2025-06", field=field)
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12 or not 1990 <= year <= 2100:
        raise DomainError(f"{text!r} is not a month of the years 1990 to 2100", field=field)
    return Month(year, month)
