"""Ledger entries and declarations (SEMANTICS sections 1 and 2)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.agreement import Activity
from app.domain.errors import DomainError
from app.domain.moments import Moment, day_of, format_moment, start_instant

STATE_CODE = re.compile(r"^[A-Z]{2}$")
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:-]{0,79}$")


class Status(StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    CONDUCTED = "conducted"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    FORCE_MAJEURE = "force_majeure"

    @property
    def is_pending(self) -> bool:
        """Requested or accepted: reserves a slot (SEMANTICS section 2)."""
        return self in (Status.REQUESTED, Status.ACCEPTED)

    @property
    def is_used(self) -> bool:
        return self is Status.CONDUCTED

    @property
    def is_counted(self) -> bool:
        """Refused, cancelled and force-majeure activities count against nothing."""
        return self.is_pending or self.is_used


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
    object: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        if not REF_PATTERN.match(self.ref):
            raise DomainError(
                f"{self.ref!r} is not a usable reference (letters, digits and . _ / : - only)",
                field="ref",
            )
        for name in ("inspecting_state", "receiving_state"):
            if not STATE_CODE.match(getattr(self, name)):
                raise DomainError(f"{getattr(self, name)!r} is not an ISO 3166-1 alpha-2 code", field=name)
        if self.inspecting_state == self.receiving_state:
            raise DomainError("a state cannot inspect itself", field="receiving_state")
        if start_instant(self.end) < start_instant(self.start) or day_of(self.end) < day_of(self.start):
            raise DomainError(f"end {format_moment(self.end)} is before start {format_moment(self.start)}", field="end")
        if self.team_size is not None and self.team_size < 0:
            raise DomainError(f"team size {self.team_size} is negative", field="team_size")
        if self.replied_at is not None and start_instant(self.replied_at) < start_instant(self.requested_at):
            raise DomainError("the reply is earlier than the request", field="replied_at")

    @property
    def start_day(self) -> date:
        return day_of(self.start)

    @property
    def end_day(self) -> date:
        return day_of(self.end)

    def counting_key(self) -> tuple[Any, ...]:
        """SEMANTICS section 3: counted in order of start, then requested_at, then ref."""
        return (start_instant(self.start), start_instant(self.requested_at), self.ref)

    def as_record(self) -> dict[str, str]:
        """The entry as CSV-shaped text fields, in the documented column order."""
        record: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                record[f.name] = ""
            elif isinstance(value, date):
                record[f.name] = format_moment(value)
            else:
                record[f.name] = str(value)
        return record


LEDGER_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(LedgerEntry))


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
