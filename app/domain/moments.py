"""Moments: a ledger timestamp is either a calendar date or a UTC datetime.

docs/semantics.md section 4: a timing rule is checked only when both of its timestamps
carry a time of day, so the distinction between "a date" and "midnight on that
date" must survive the whole way through; it is never guessed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.domain.errors import DomainError

Moment = date | datetime


def has_time(moment: Moment) -> bool:
    return isinstance(moment, datetime)


def day_of(moment: Moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def start_instant(moment: Moment) -> datetime:
    """The first instant a moment covers (a date covers its whole UTC day)."""
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def end_instant(moment: Moment) -> datetime:
    """The instant just after a moment ends (exclusive bound)."""
    if isinstance(moment, datetime):
        return moment
    return start_instant(moment) + timedelta(days=1)


def parse_moment(text: str, *, field: str) -> Moment:
    """Parse ISO 8601; a datetime without a zone is UTC (docs/semantics.md section 6)."""
    value = text.strip()
    if not value:
        raise DomainError("a date or datetime is required", field=field)
    try:
        if "T" not in value and " " not in value and len(value) <= 10:
            return date.fromisoformat(value)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(f"{value!r} is not an ISO 8601 date or datetime", field=field) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_moment(moment: Moment) -> str:
    """Canonical text: 2025-04-01, or 2025-04-01T09:00:00Z (seconds, UTC)."""
    if isinstance(moment, datetime):
        m = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
        # isoformat (C) rather than strftime or an f-string of six fields: it runs for
        # every moment of every imported row. "2025-04-01T09:00:00+00:00"[:19] + "Z".
        return m.isoformat(timespec="seconds")[:19] + "Z"
    return moment.isoformat()


def hours_between(earlier: Moment, later: Moment) -> float:
    return (start_instant(later) - start_instant(earlier)).total_seconds() / 3600


def stored_moment(text: str) -> Moment:
    """A moment as csbm stores it (``format_moment``'s canonical text), read without the
    general parser's work; any other text goes through ``parse_moment``."""
    if len(text) == 10:
        return date.fromisoformat(text)
    if len(text) == 20 and text[19] == "Z":
        return datetime.fromisoformat(text)  # since Python 3.11 a "Z" reads as UTC, in C
    return parse_moment(text, field="moment")
