"""Searching the ledger: the API's entry list, the ledger page and its CSV, the dashboard's upcoming."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy.orm import Session

from app.db import entry_search
from app.domain.ledger import LedgerEntry
from app.domain.report import entry_json
from app.services.errors import InvalidInput
from app.services.ledger_csv import write_ledger
from app.services.states import checked_state
from app.services.status import chosen_year

UPCOMING_DAYS = 120
CSV_LIMIT = 100_000


@dataclass(slots=True)
class EntryFilter:
    agreement: str | None = None
    state: str | None = None  # inspecting or receiving
    activity: str | None = None
    status: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    text: str | None = None  # in ref, location, object or notes
    guest: str | None = None  # a state that sent guest inspectors


def search(
    session: Session, f: EntryFilter, *, limit: int, offset: int, as_of: dt.datetime | None = None
) -> tuple[list[LedgerEntry], int]:
    """Current entries (as of a time) matching the filter, newest first, with the total."""
    return entry_search.search_entries(session, f, limit=limit, offset=offset, as_of=as_of)


def upcoming(session: Session, state: str, today: dt.date) -> list[LedgerEntry]:
    """The state's requested and accepted activities of the next UPCOMING_DAYS, soonest first."""
    found, _total = search(
        session, EntryFilter(state=state, start=today, end=today + dt.timedelta(days=UPCOMING_DAYS)), limit=20, offset=0
    )
    return [e for e in sorted(found, key=lambda e: e.start_day) if e.status.is_pending]


@dataclass(frozen=True, slots=True, kw_only=True)
class GuestParticipation:
    """A state's part as a guest in others' inspections in one year; they count for the lead states only."""

    state: str
    year: int
    entries: list[LedgerEntry]

    def as_json(self) -> dict[str, object]:
        return {"state": self.state, "year": self.year, "entries": [entry_json(e) for e in self.entries]}


def as_guest(session: Session, state: str | None, year: int | None, today: dt.date) -> GuestParticipation:
    """Other states' activities of a year in which ``state`` took part as a guest, soonest first.

    Quotas count against the lead (inspecting) state only: these count against none of ``state``'s."""
    chosen = checked_state(state) if state else None
    if chosen is None:
        raise InvalidInput.one("state", "name the state whose participation as a guest to list, e.g. BY")
    when = chosen_year(year, None, today)
    window = EntryFilter(guest=chosen, start=dt.date(when, 1, 1), end=dt.date(when, 12, 31))
    found, _total = search(session, window, limit=CSV_LIMIT, offset=0)
    return GuestParticipation(state=chosen, year=when, entries=sorted(found, key=lambda e: (e.start_day, e.ref)))


def write_csv(session: Session, f: EntryFilter, stream: TextIO) -> int:
    """The entries matching the filter as a ledger CSV, in the import format."""
    found, _total = search(session, f, limit=CSV_LIMIT, offset=0)
    return write_ledger(found, stream)
