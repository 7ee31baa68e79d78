"""What falls due: the open and missed deadlines of the ledger and the agreements.

``at`` is the clock only: the ledger and the agreements are read as now recorded,
so ``csbm due --at`` answers "what was due then, given what we know now".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.domain.agreement import Agreement
from app.domain.deadlines import Deadline, agreement_deadlines, entry_deadlines
from app.domain.errors import DomainError
from app.domain.ledger import LedgerEntry
from app.domain.moments import parse_moment
from app.services import catalog
from app.services.errors import InvalidInput

# Entries whose deadlines can still be open, or were missed recently: those starting from a
# month ago (a mission lasts at most 10 days and its report is due a week after) to over a
# year ahead (requests come in well before the activity).
LOOK_BACK = dt.timedelta(days=30)
LOOK_AHEAD = dt.timedelta(days=400)
DASHBOARD_WITHIN = dt.timedelta(hours=72)
_UNITS = {"m": dt.timedelta(minutes=1), "h": dt.timedelta(hours=1), "d": dt.timedelta(days=1)}
MAX_WITHIN = dt.timedelta(days=LOOK_AHEAD.days)


def parse_within(text: str, *, field: str = "within") -> dt.timedelta:
    """A window such as 72h, 3d or 90m (a bare number is hours)."""
    value = text.strip().lower()
    unit = _UNITS.get(value[-1:]) if value else None
    number = value[:-1] if unit else value
    if not number.isdigit():
        raise InvalidInput.one(field, f"{text!r} is not a window such as 72h, 3d or 90m")
    window = int(number) * (unit or _UNITS["h"])
    if window > MAX_WITHIN:
        raise InvalidInput.one(field, f"{text!r} is longer than {MAX_WITHIN.days} days")
    return window


def parse_at(text: str | None, now: dt.datetime, *, field: str = "at") -> dt.datetime:
    """The moment to answer for: an ISO 8601 datetime (UTC when it has no zone) or a date (its
    midnight, UTC); ``now`` when not given."""
    if not text:
        return now
    try:
        moment = parse_moment(text, field=field)
    except DomainError as exc:
        raise InvalidInput.one(field, exc.message) from None
    if isinstance(moment, dt.datetime):
        return moment
    return dt.datetime(moment.year, moment.month, moment.day, tzinfo=dt.UTC)


def due(
    session: Session,
    *,
    at: dt.datetime,
    within: dt.timedelta | None = None,
    state: str | None = None,
    home: str | None = None,
) -> list[Deadline]:
    """Open and missed deadlines, soonest (most overdue) first; with ``within``, only those
    due by ``at + within`` (missed ones are all listed). ``state``: only the deadlines of
    entries it is a side of, and the agreement dates it must act on. ``home``: the
    agreement dates of the home state only, not of every party."""
    agreements = catalog.agreements_as_of(session)
    found = [d for d in all_deadlines(session, agreements, at=at, state=state, home=home) if d.outstanding]
    if within is not None:
        found = [d for d in found if d.due_at <= at + within]
    return sorted(found, key=Deadline.sort_key)


def all_deadlines(
    session: Session,
    agreements: Mapping[str, Agreement],
    *,
    at: dt.datetime,
    state: str | None = None,
    home: str | None = None,
) -> list[Deadline]:
    """Every deadline, met ones too, of the entries around ``at`` and the agreements' dates."""
    sides = (state,) if state else ()
    day = at.date()
    entries = repo.entries_between(
        session, start=day - LOOK_BACK, end=day + LOOK_AHEAD, receiving=sides, inspecting=sides
    )
    found = list(of_entries(agreements, entries, at=at))
    for agreement in agreements.values():
        found += agreement_deadlines(agreement, at=at, home_state=state or home)
    return found


def of_entries(
    agreements: Mapping[str, Agreement], entries: Iterable[LedgerEntry], *, at: dt.datetime
) -> list[Deadline]:
    """The deadlines of ``entries`` under their agreements (an unloaded agreement has none)."""
    return [
        d
        for e in entries
        if (agreement := agreements.get(e.agreement)) is not None
        for d in entry_deadlines(agreement, e, at=at)
    ]


def ours_first(deadlines: Iterable[Deadline], home: str | None) -> list[Deadline]:
    """The home state's own deadlines first, each part soonest first (the dashboard's order)."""
    return sorted(deadlines, key=lambda d: (d.responsible_state != home, d.sort_key()))


def for_entry(session: Session, entry: LedgerEntry, *, at: dt.datetime) -> list[Deadline]:
    """Every deadline of one entry, met ones too, as they stand at ``at`` (its page shows them)."""
    return sorted(of_entries(catalog.agreements_as_of(session), [entry], at=at), key=Deadline.sort_key)


def date_titles(agreements: Mapping[str, Agreement]) -> dict[tuple[str, str], tuple[str, str]]:
    """(agreement, date id) -> the date's (English, Russian) title, for the pages."""
    return {(a.id, d.id): (d.title_en, d.title_ru) for a in agreements.values() for d in a.dates}
