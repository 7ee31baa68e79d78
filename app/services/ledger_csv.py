"""The ledger CSV (SEMANTICS section 6): parsing with every error located.

A bad file is reported as ``FILE:LINE: column: message`` for every bad row,
and nothing is written. A file that is not a CSV at all gets a single line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from app.domain.agreement import Activity, Agreement
from app.domain.errors import DomainError
from app.domain.ledger import LEDGER_COLUMNS, LedgerEntry, Status
from app.domain.moments import Moment, parse_moment

REQUIRED = (
    "ref",
    "agreement",
    "activity",
    "inspecting_state",
    "receiving_state",
    "requested_at",
    "start",
    "end",
    "status",
)
OPTIONAL = ("replied_at", "team_size", "location", "object", "notes")
MAX_CELL = 10_000


class LedgerFileError(ValueError):
    """Every problem of a ledger file, each a located one-line message."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))


@dataclass(frozen=True, slots=True)
class EntryContext:
    """What a row is checked against: the agreements in force in csbm, and real states."""

    agreements: Mapping[str, Agreement]
    states: frozenset[str]


def parse_entry(values: Mapping[str, str], context: EntryContext) -> tuple[LedgerEntry | None, list[tuple[str, str]]]:
    """One entry from text fields; ``(None, [(column, message), ...])`` when it is bad."""
    errors: list[tuple[str, str]] = []

    def text(name: str) -> str:
        value = (values.get(name) or "").strip()
        if len(value) > MAX_CELL:
            errors.append((name, f"longer than {MAX_CELL} characters"))
        return value

    def required(name: str) -> str:
        value = text(name)
        if not value:
            errors.append((name, "is required"))
        return value

    def moment(name: str, optional: bool = False) -> Moment | None:
        value = text(name) if optional else required(name)
        if not value:
            return None
        try:
            return parse_moment(value, field=name)
        except DomainError as exc:
            errors.append((name, exc.message))
            return None

    ref = required("ref")
    agreement_id = required("agreement")
    agreement = context.agreements.get(agreement_id)
    if agreement_id and agreement is None:
        errors.append(
            ("agreement", f"unknown agreement {agreement_id!r} (known: {', '.join(sorted(context.agreements))})")
        )
    activity = _activity(required("activity"), agreement, errors)
    inspecting = _state("inspecting_state", required("inspecting_state"), context, errors)
    receiving = _state("receiving_state", required("receiving_state"), context, errors)
    requested, replied, start, end = moment("requested_at"), moment("replied_at", True), moment("start"), moment("end")
    status = _status(required("status"), errors)
    team_size = _team_size(text("team_size"), errors)
    location, obj, notes = text("location"), text("object"), text("notes")
    if errors or requested is None or start is None or end is None or activity is None or status is None:
        return None, errors
    try:
        entry = LedgerEntry(
            ref=ref,
            agreement=agreement_id,
            activity=activity,
            inspecting_state=inspecting,
            receiving_state=receiving,
            requested_at=requested,
            replied_at=replied,
            start=start,
            end=end,
            status=status,
            team_size=team_size,
            location=location,
            object=obj,
            notes=notes,
        )
    except DomainError as exc:
        return None, [(exc.field or "row", exc.message)]
    return entry, []


def _activity(value: str, agreement: Agreement | None, errors: list[tuple[str, str]]) -> Activity | None:
    if not value:
        return None
    try:
        activity = Activity(value)
    except ValueError:
        errors.append(("activity", f"unknown activity {value!r} (known: {', '.join(a.value for a in Activity)})"))
        return None
    if agreement is not None and activity not in agreement.activities():
        known = ", ".join(sorted(agreement.activities()))
        errors.append(("activity", f"{agreement.id} has no activity {value!r} (it has: {known})"))
        return None
    return activity


def _state(column: str, value: str, context: EntryContext, errors: list[tuple[str, str]]) -> str:
    if value and value not in context.states:
        errors.append((column, f"unknown state {value!r} (an ISO 3166-1 alpha-2 code, e.g. BY)"))
    return value


def _status(value: str, errors: list[tuple[str, str]]) -> Status | None:
    if not value:
        return None
    try:
        return Status(value)
    except ValueError:
        errors.append(("status", f"unknown status {value!r} (known: {', '.join(s.value for s in Status)})"))
        return None


def _team_size(value: str, errors: list[tuple[str, str]]) -> int | None:
    if not value:
        return None
    try:
        size = int(value)
    except ValueError:
        errors.append(("team_size", f"{value!r} is not a whole number"))
        return None
    if size < 0:
        errors.append(("team_size", f"team size {size} is negative"))
    return size


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) pairs; raises LedgerFileError with one line if this is no ledger CSV."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LedgerFileError([f"{name}: cannot read: {exc.strerror or exc}"]) from None
    if b"\x00" in raw:
        raise LedgerFileError([f"{name}: not a CSV file (it holds binary data)"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LedgerFileError([f"{name}: not UTF-8 text (bad byte at offset {exc.start})"]) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise LedgerFileError([f"{name}: the file is empty; a ledger CSV starts with a header row"]) from None
    except csv.Error as exc:
        raise LedgerFileError([f"{name}:1: not a CSV file ({exc})"]) from None
    _check_header(name, header)
    yield from _records(name, reader, header)


def _check_header(name: str, header: list[str]) -> None:
    known = set(LEDGER_COLUMNS)
    if not known & set(header):
        raise LedgerFileError(
            [f"{name}:1: not a ledger CSV: the header names none of the columns {', '.join(LEDGER_COLUMNS)}"]
        )
    problems = []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        problems.append(f"{name}:1: header: missing column(s) {', '.join(missing)}")
    unknown = [c for c in header if c not in known]
    if unknown:
        problems.append(f"{name}:1: header: unknown column(s) {', '.join(unknown)}")
    twice = sorted({c for c in header if header.count(c) > 1})
    if twice:
        problems.append(f"{name}:1: header: column(s) given twice: {', '.join(twice)}")
    if problems:
        raise LedgerFileError(problems)


def _records(name: str, reader: Iterator[list[str]], header: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    line = 2
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LedgerFileError([f"{name}:{line}: not a valid CSV row ({exc})"]) from None
        row_line, line = line, getattr(reader, "line_num", line) + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield row_line, {"__shape__": f"the row has {len(cells)} cells; the header has {len(header)}"}
            continue
        yield row_line, dict(zip(header, cells, strict=True))


def parse_ledger(path: Path, context: EntryContext) -> list[LedgerEntry]:
    """All entries of a file, or LedgerFileError naming every bad row."""
    entries: list[LedgerEntry] = []
    messages: list[str] = []
    seen: dict[str, tuple[int, LedgerEntry]] = {}
    for line, row in read_rows(path):
        if "__shape__" in row:
            messages.append(f"{path}:{line}: row: {row['__shape__']}")
            continue
        entry, errors = parse_entry(row, context)
        messages += [f"{path}:{line}: {column}: {message}" for column, message in errors]
        if entry is None:
            continue
        if entry.ref in seen:
            first_line, first = seen[entry.ref]
            if first != entry:
                messages.append(
                    f"{path}:{line}: ref: {entry.ref!r} already appears on line {first_line} with other values"
                )
            continue
        seen[entry.ref] = (line, entry)
        entries.append(entry)
    if messages:
        raise LedgerFileError(messages)
    return entries


def write_ledger(entries: list[LedgerEntry], stream: TextIO) -> int:
    writer = csv.DictWriter(stream, fieldnames=list(LEDGER_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow(entry.as_record())
    return len(entries)
