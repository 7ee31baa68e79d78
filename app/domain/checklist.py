"""Who else must be told: the agencies our state informs of a team's arrival and departure.

The home-state file (agreements/home/) lists them with its source; every activity our
state receives, where a team comes, gets one item per agency and event. An item is done
once a mark records when and by whom.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from app.domain.agreement import Source
from app.domain.ledger import LedgerEntry, Status
from app.domain.messages import N_


class Event(StrEnum):
    ARRIVAL = "arrival"
    DEPARTURE = "departure"


EVENT_LABELS = {Event.ARRIVAL: N_("Arrival"), Event.DEPARTURE: N_("Departure")}


@dataclass(frozen=True, slots=True, kw_only=True)
class Agency:
    id: str
    name_en: str
    name_ru: str

    def name(self, lang: str) -> str:
        return self.name_ru if lang == "ru" else self.name_en


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeAgencies:
    """The agencies a home state informs, and the document that says so."""

    state: str
    agencies: tuple[Agency, ...]
    source: Source


@dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    """A record that an agency was informed of an event."""

    agency: str
    event: Event
    done_at: dt.datetime
    done_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    agency: Agency
    event: Event
    mark: Mark | None = None

    @property
    def done(self) -> bool:
        return self.mark is not None


# Statuses under which no team comes: nobody is to be informed of an arrival.
NO_TEAM = frozenset({Status.REFUSED, Status.CANCELLED, Status.FORCE_MAJEURE, Status.REFUSED_FORCE_MAJEURE})


def applies(entry: LedgerEntry, home: HomeAgencies) -> bool:
    """A checklist belongs to an activity our state receives, where a team comes."""
    return entry.receiving_state == home.state and entry.status not in NO_TEAM


def checklist(entry: LedgerEntry, home: HomeAgencies, marks: Iterable[Mark]) -> list[Item]:
    """One item per event and agency, in the file's order, each with its mark if done."""
    if not applies(entry, home):
        return []
    done = {(m.agency, m.event): m for m in marks}
    return [Item(agency=a, event=event, mark=done.get((a.id, event))) for event in Event for a in home.agencies]
