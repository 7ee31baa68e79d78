"""Searching the ledger: the API's entry list, the ledger page and its CSV, the dashboard's upcoming."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.domain.ledger import LedgerEntry
from app.services.ledger_csv import write_ledger

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


def search(
    session: Session, f: EntryFilter, *, limit: int, offset: int, as_of: dt.datetime | None = None
) -> tuple[list[LedgerEntry], int]:
    """Current entries (as of a time) matching the filter, newest first, with the total."""
    return repo.search_entries(session, f, limit=limit, offset=offset, as_of=as_of)


def upcoming(session: Session, state: str, today: dt.date) -> list[LedgerEntry]:
    """The state's requested and accepted activities of the next UPCOMING_DAYS, soonest first."""
    found, _total = search(
        session, EntryFilter(state=state, start=today, end=today + dt.timedelta(days=UPCOMING_DAYS)), limit=20, offset=0
    )
    return [e for e in sorted(found, key=lambda e: e.start_day) if e.status.is_pending]


def write_csv(session: Session, f: EntryFilter, stream: TextIO) -> int:
    """The entries matching the filter as a ledger CSV, in the import format."""
    found, _total = search(session, f, limit=CSV_LIMIT, offset=0)
    return write_ledger(found, stream)
