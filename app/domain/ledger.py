"""Ledger entries and declarations (docs/semantics.md sections 1 and 2)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from app.domain.agreement import Activity
from app.domain.errors import DomainError
from app.domain.moments import Moment, day_of, format_moment, start_instant

STATE_CODE = re.compile(r"^[A-Z]{2}$")
_Slotted = TypeVar("_Slotted")
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,79}$")


class Status(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    CONDUCTED = "conducted"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    FORCE_MAJEURE = "force_majeure"
    # A request the receiving state refused citing force majeure (Russia refused
    # evaluation visits so in January 2012); whether it counts is the agreement's data.
    REFUSED_FORCE_MAJEURE = "refused_force_majeure"
    # Open Skies: a flight cut short (Article VIII section II paras 4-5), and one the
    # observed party prohibited (Article VIII section I paras 1-3).
    CURTAILED = "curtailed"
    PROHIBITED = "prohibited"

    @property
    def is_pending(self) -> bool:
        """Requested or accepted: reserves a slot (docs/semantics.md section 2)."""
        return self in (Status.REQUESTED, Status.ACCEPTED)

    @property
    def is_refusal(self) -> bool:
        return self in (Status.REFUSED, Status.REFUSED_FORCE_MAJEURE)


BASE_STATUSES = frozenset(
    {Status.REQUESTED, Status.ACCEPTED, Status.CONDUCTED, Status.REFUSED, Status.CANCELLED, Status.FORCE_MAJEURE}
)


class Cause(StrEnum):
    """Why an observation flight was curtailed (Open Skies Article VIII section II para 5)."""

    OBSERVING_PARTY = "observing_party"
    OBSERVED_PARTY = "observed_party"  # its aircraft, its sensors, its crew's medical emergency
    AIR_TRAFFIC_CONTROL = "air_traffic_control"  # instructions brought about by force majeure


@dataclass(frozen=True, slots=True, order=True)
class Guest:
    """Guest inspectors of one state in a team led by the inspecting state."""

    state: str
    count: int

    def __str__(self) -> str:
        return f"{self.state}:{self.count}"


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerEntry:
    ref: str
    agreement: str
    activity: Activity
    inspecting_state: str
    receiving_state: str
    requested_at: Moment
    replied_at: Moment | None = None
    start: Moment
    end: Moment
    status: Status
    team_size: int | None = None
    location: str = ""
    # One object, or several inspected in sequence in one mission, joined by "; ".
    object: str = ""
    notes: str = ""
    guests: tuple[Guest, ...] = ()
    cause: Cause | None = None

    def __post_init__(self) -> None:
        if not REF_PATTERN.match(self.ref):
            raise DomainError(
                f"{self.ref!r} is not a usable reference (letters, digits and . _ / : - only)",
                field="ref",
            )
        if not STATE_CODE.match(self.inspecting_state):
            raise DomainError(f"{self.inspecting_state!r} is not an ISO 3166-1 alpha-2 code", field="inspecting_state")
        if not STATE_CODE.match(self.receiving_state):
            raise DomainError(f"{self.receiving_state!r} is not an ISO 3166-1 alpha-2 code", field="receiving_state")
        if self.inspecting_state == self.receiving_state:
            raise DomainError("a state cannot inspect itself", field="receiving_state")
        if start_instant(self.end) < start_instant(self.start) or day_of(self.end) < day_of(self.start):
            raise DomainError(f"end {format_moment(self.end)} is before start {format_moment(self.start)}", field="end")
        if self.team_size is not None and self.team_size < 0:
            raise DomainError(f"team size {self.team_size} is negative", field="team_size")
        if self.replied_at is not None and start_instant(self.replied_at) < start_instant(self.requested_at):
            raise DomainError("the reply is earlier than the request", field="replied_at")
        # An import builds an entry per row, most without objects or guests: those skip the work.
        if self.object:
            object.__setattr__(self, "object", join_objects(split_objects(self.object)))
        if self.guests or type(self.guests) is not tuple:
            object.__setattr__(self, "guests", tuple(sorted(self.guests)))
            check_guests(self.guests, lead=self.inspecting_state, host=self.receiving_state, team_size=self.team_size)
        if self.cause is not None and self.status is not Status.CURTAILED:
            raise DomainError(f"a cause is recorded for curtailed flights only, not for {self.status}", field="cause")

    @property
    def objects(self) -> tuple[str, ...]:
        """The objects inspected, in sequence; one mission may inspect several."""
        return objects_of(self.object)

    @property
    def guest_count(self) -> int:
        return sum(g.count for g in self.guests)

    @property
    def lead_team_size(self) -> int | None:
        """The lead (inspecting) state's own inspectors: the team without its guests."""
        return None if self.team_size is None else self.team_size - self.guest_count

    @property
    def start_day(self) -> date:
        return day_of(self.start)

    @property
    def end_day(self) -> date:
        return day_of(self.end)

    def counting_key(self) -> tuple[Any, ...]:
        """docs/semantics.md section 3: counted in order of start, then requested_at, then ref."""
        return (start_instant(self.start), start_instant(self.requested_at), self.ref)

    def as_record(self) -> dict[str, str]:
        """The entry as CSV-shaped text fields, in the documented column order."""
        record: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                record[f.name] = ""
            elif isinstance(value, tuple):
                record[f.name] = format_guests(value)
            elif isinstance(value, date):
                record[f.name] = format_moment(value)
            else:
                record[f.name] = str(value)
        return record


LEDGER_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(LedgerEntry))
OBJECT_SEPARATOR = ";"
MAX_OBJECT = 200


def split_objects(text: str) -> tuple[str, ...]:
    """The objects of a mission, from "A; B"; an empty or repeated name is refused."""
    if not text.strip():
        return ()
    names = tuple(part.strip() for part in text.split(OBJECT_SEPARATOR))
    if len(names) == 1:  # one object, as most entries naming any (an import runs this per row)
        if len(names[0]) > MAX_OBJECT:
            raise DomainError(f"an object name is longer than {MAX_OBJECT} characters", field="object")
        return names
    if any(not name for name in names):
        raise DomainError(f"{text!r} has an empty object name between {OBJECT_SEPARATOR!r}", field="object")
    for name in names:
        if len(name) > MAX_OBJECT:
            raise DomainError(f"an object name is longer than {MAX_OBJECT} characters", field="object")
        if names.count(name) > 1:
            raise DomainError(f"{name!r} is named twice in one mission", field="object")
    return names


def objects_of(canonical: str) -> tuple[str, ...]:
    """The objects an entry's canonical object text names: one name, stripped, or none,
    need no splitting."""
    if OBJECT_SEPARATOR not in canonical:
        return (canonical,) if canonical else ()
    return split_objects(canonical)


def canonical_objects(stored: str) -> str:
    """A stored object text in canonical form: the names as split_objects reads them, joined."""
    return join_objects(split_objects(stored)) if OBJECT_SEPARATOR in stored else stored


def join_objects(names: tuple[str, ...]) -> str:
    return f"{OBJECT_SEPARATOR} ".join(names)


def parse_guests(text: str) -> tuple[Guest, ...]:
    """Guests from space-separated STATE:N pairs, e.g. "IT:1 NL:1 NO:1"."""
    guests = []
    for pair in text.split():
        state, colon, count = pair.partition(":")
        if not colon or not STATE_CODE.match(state) or not count.lstrip("-").isdigit():
            raise DomainError(f"{pair!r} is not STATE:N (e.g. IT:1)", field="guests")
        guests.append(Guest(state=state, count=int(count)))
    return tuple(guests)


def format_guests(guests: tuple[Guest, ...]) -> str:
    return " ".join(map(str, guests))


def check_guests(guests: tuple[Guest, ...], *, lead: str, host: str, team_size: int | None) -> None:
    """Guests are other states' inspectors, each at least one, and leave the lead state room."""
    seen: set[str] = set()
    for guest in guests:
        if not STATE_CODE.match(guest.state):
            raise DomainError(f"{guest.state!r} is not an ISO 3166-1 alpha-2 code", field="guests")
        if guest.state in (lead, host):
            role = "the lead (inspecting) state" if guest.state == lead else "the receiving state"
            raise DomainError(f"{guest.state} is {role}, not a guest", field="guests")
        if guest.count < 1:
            raise DomainError(f"{guest.state}:{guest.count}: a guest state sends at least 1 inspector", field="guests")
        if guest.state in seen:
            raise DomainError(f"{guest.state} is given twice", field="guests")
        seen.add(guest.state)
    total = sum(g.count for g in guests)
    if team_size is not None and guests and total >= team_size:
        verb = "outnumber" if total > team_size else "fill"
        raise DomainError(
            f"{total} guest inspector(s) {verb} a team of {team_size}: team_size counts the whole team, "
            f"guests included, and at least one inspector of the lead state {lead}",
            field="guests",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Declaration:
    """A figure a quota is computed from, for one state (or group) and one year."""

    state: str
    year: int
    name: str
    value: int
    source: str = ""

    def __post_init__(self) -> None:
        if not re.match(r"^[A-Z]{2}$|^[A-Z]{2}(\+[A-Z]{2})+$", self.state):
            raise DomainError(f"{self.state!r} is not a state code or group id", field="state")
        if not 1900 <= self.year <= 2200:
            raise DomainError(f"year {self.year} is out of range", field="year")
        if not re.match(r"^[a-z][a-z0-9_]{0,39}$", self.name):
            raise DomainError(f"{self.name!r} is not a declaration name (lower case, digits, _)", field="name")
        if self.value < 0:
            raise DomainError(f"value {self.value} is negative", field="value")


def slot_writer(kind: type[_Slotted], names: tuple[str, ...]) -> Callable[[tuple[Any, ...]], _Slotted]:
    """A function making a ``kind`` from its fields' values in ``names`` order, writing each
    slot directly, one statement per field, generated as dataclasses generates __init__:
    a third of the cost of object.__setattr__ per field, half that of a loop over slots.
    It checks nothing: it is for values read back as they were stored."""
    put = {f"put_{name}": getattr(kind, name).__set__ for name in names}
    lines = [f"    put_{name}(made, values[{i}])" for i, name in enumerate(names)]
    source = "def write(values):\n    made = new(kind)\n" + "\n".join(lines) + "\n    return made\n"
    scope: dict[str, Any] = {"new": object.__new__, "kind": kind, **put}
    exec(source, scope)  # the source is made above from field names, never from data
    writer: Callable[[tuple[Any, ...]], _Slotted] = scope["write"]
    return writer


_WRITE_SLOTS = slot_writer(LedgerEntry, LEDGER_COLUMNS)


def stored_entry(values: tuple[Any, ...]) -> LedgerEntry:
    """An entry from its stored fields, in LEDGER_COLUMNS order and already typed.

    Each was checked when it was recorded, and is not checked again: a year's quota
    status reads thousands of entries, and checking them again cost more than
    counting them. Objects and guests are put in canonical order all the same.
    """
    if len(values) != len(LEDGER_COLUMNS):
        raise ValueError(f"an entry has {len(LEDGER_COLUMNS)} fields, not {len(values)}")
    entry = _WRITE_SLOTS(values)
    if OBJECT_SEPARATOR in entry.object:
        object.__setattr__(entry, "object", canonical_objects(entry.object))
    if len(entry.guests) > 1:
        object.__setattr__(entry, "guests", tuple(sorted(entry.guests)))
    return entry
