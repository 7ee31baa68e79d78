"""What counting reads of an entry, and an entry read for that alone.

A quota status counts a year's thousands of entries and reads eight of the sixteen fields
of each: under which agreement, who, what, the day it starts, its status, cause and objects.
A row is a count, so the order entries are counted in (by start, request and ref, which
findings number) does not change it. Its reads (app/db/quota_reads.py) fetch only those,
into a ``CountedEntry``, which holds nothing else. ``Counted`` is what the counting code
(app/domain/counted.py) may ask of an entry: a ``LedgerEntry`` answers it as well, and the
property tests hold the two to the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Protocol

from app.domain.agreement import Activity
from app.domain.ledger import Cause, Status, objects_of, slot_writer


class Counted(Protocol):
    @property
    def agreement(self) -> str: ...
    @property
    def activity(self) -> Activity: ...
    @property
    def inspecting_state(self) -> str: ...
    @property
    def receiving_state(self) -> str: ...
    @property
    def status(self) -> Status: ...
    @property
    def object(self) -> str: ...
    @property
    def cause(self) -> Cause | None: ...
    @property
    def start_day(self) -> date: ...
    @property
    def objects(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class CountedEntry:
    """An entry as counting reads it, from fields stored (and so checked) before."""

    agreement: str
    activity: Activity
    inspecting_state: str
    receiving_state: str
    start_day: date  # the stored start_on, which the window is read by
    status: Status
    object: str  # canonical, as LedgerEntry keeps it
    cause: Cause | None

    @property
    def objects(self) -> tuple[str, ...]:
        return objects_of(self.object)


COUNTED_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(CountedEntry))
counted_entry = slot_writer(CountedEntry, COUNTED_COLUMNS)
