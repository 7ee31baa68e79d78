"""The ledger CSV (docs/semantics.md section 6): parsing with every error located.

A bad file is reported as ``FILE:LINE: column: message`` for every bad row,
and nothing is written. A file that is not a CSV at all gets a single line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TextIO, cast

from app.domain import counting
from app.domain.agreement import Activity, Agreement
from app.domain.chain import ABSENT
from app.domain.errors import DomainError
from app.domain.ledger import LEDGER_COLUMNS, Cause, Guest, LedgerEntry, Status, format_guests, parse_guests
from app.domain.moments import Moment, day_of, format_moment, parse_moment
from app.services.ledger_rows import QuickRows

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
OPTIONAL = ("replied_at", "team_size", "location", "object", "notes", "guests", "cause")
MAX_CELL = 10_000


class LedgerFileError(ValueError):
    """Every problem of a ledger file, each a located one-line message."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))

    def __reduce__(self) -> tuple[type[LedgerFileError], tuple[list[str]]]:
        # An import parses in a child process, which hands this error back pickled.
        return (LedgerFileError, (self.messages,))


@dataclass(frozen=True, slots=True)
class EntryContext:
    """What a row is checked against: the agreements in force in csbm, and real states."""

    agreements: Mapping[str, Agreement]
    states: frozenset[str]
    # Filled in __post_init__: an import checks every row against these, and
    # the same timestamps recur across rows, so parsing each text once pays.
    activities: dict[str, frozenset[Activity]] = field(default_factory=dict, compare=False)
    statuses: dict[str, frozenset[Status]] = field(default_factory=dict, compare=False)
    moments: dict[str, Moment | str] = field(default_factory=dict, compare=False)
    # The stored texts of the moments parsed (format_moment, and the day): formatting a
    # moment costs more than parsing it, so an import formats each distinct text once.
    moment_texts: dict[str, tuple[str, str]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.activities.update({key: frozenset(a.activities()) for key, a in self.agreements.items()})
        self.statuses.update({key: counting.statuses(a) for key, a in self.agreements.items()})

    def moment(self, text: str, column: str) -> Moment | str:
        """The moment a text means, or the message saying why it means none."""
        found = self.moments.get(text)
        if found is None:
            try:
                found = parse_moment(text, field=column)
            except DomainError as exc:
                found = exc.message
            if len(self.moments) < 100_000:
                self.moments[text] = found
                if not isinstance(found, str):
                    self.moment_texts[text] = (format_moment(found), day_of(found).isoformat())
        return found

    def for_rows(self) -> EntryContext:
        """The same checks of rows without the agreements themselves, which cannot be pickled
        (their formulas are compiled): what crosses to an import's parsing process."""
        return EntryContext(
            agreements={}, states=self.states, activities=dict(self.activities), statuses=dict(self.statuses)
        )

    def moment_text(self, text: str) -> tuple[str, str]:
        """The stored text of the (valid) moment a text means, and of its day."""
        found = self.moment_texts.get(text)
        if found is None:
            moment = self.moment(text, "moment")
            assert not isinstance(moment, str), moment
            found = (format_moment(moment), day_of(moment).isoformat())
        return found


_ACTIVITIES = {a.value: a for a in Activity}
_STATUSES = {s.value: s for s in Status}
_CAUSES = {c.value: c for c in Cause}
_MOMENTS = tuple((LEDGER_COLUMNS.index(name), name) for name in ("requested_at", "replied_at", "start", "end"))
_REQUIRED = tuple((LEDGER_COLUMNS.index(name), name) for name in REQUIRED)
_REQUIRED_CELLS = itemgetter(*(i for i, _ in _REQUIRED))  # C, not a generator per row
_STATUS, _TEAM_SIZE = LEDGER_COLUMNS.index("status"), LEDGER_COLUMNS.index("team_size")
_REQUESTED, _REPLIED, _START, _END = (i for i, _ in _MOMENTS)
_LOCATION, _OBJECT, _NOTES, _GUESTS, _CAUSE = (
    LEDGER_COLUMNS.index(name) for name in ("location", "object", "notes", "guests", "cause")
)
_WIDTH = len(LEDGER_COLUMNS)


def parse_entry(values: Mapping[str, str], context: EntryContext) -> tuple[LedgerEntry | None, list[tuple[str, str]]]:
    """One entry from text fields; ``(None, [(column, message), ...])`` when it is bad."""
    return parse_values([(values.get(name) or "").strip() for name in LEDGER_COLUMNS], context)


def parse_values(row: list[str], context: EntryContext) -> tuple[LedgerEntry | None, list[tuple[str, str]]]:
    """parse_entry for stripped texts in LEDGER_COLUMNS order.

    Written flat, with positions rather than names and no helper call per
    field: an import runs it for every row of the file.
    """
    errors: list[tuple[str, str]] = []
    if max(map(len, row)) > MAX_CELL:
        errors += [
            (n, f"longer than {MAX_CELL} characters")
            for n, v in zip(LEDGER_COLUMNS, row, strict=True)
            if len(v) > MAX_CELL
        ]
    if not all(_REQUIRED_CELLS(row)):
        errors += [(name, "is required") for i, name in _REQUIRED if not row[i]]
    ref, agreement_id, activity_text, inspecting, receiving = row[:5]  # LedgerEntry's first five fields
    activities = context.activities.get(agreement_id)
    if agreement_id and activities is None:
        known = ", ".join(sorted(context.activities))  # the agreements' keys, also in a context for_rows
        errors.append(("agreement", f"unknown agreement {agreement_id!r} (known: {known})"))
    activity = _ACTIVITIES.get(activity_text)
    if activity_text and activity is None:
        known = ", ".join(_ACTIVITIES)
        errors.append(("activity", f"unknown activity {activity_text!r} (known: {known})"))
    elif activity is not None and activities is not None and activity not in activities:
        known = ", ".join(sorted(activities))
        errors.append(("activity", f"{agreement_id} has no activity {activity_text!r} (it has: {known})"))
        activity = None
    states = context.states
    if inspecting and inspecting not in states:
        errors.append(("inspecting_state", f"unknown state {inspecting!r} (an ISO 3166-1 alpha-2 code, e.g. BY)"))
    if receiving and receiving not in states:
        errors.append(("receiving_state", f"unknown state {receiving!r} (an ISO 3166-1 alpha-2 code, e.g. BY)"))
    cached = context.moments.get  # a hit for nearly every moment of an import
    moments: list[Moment | str | None] = [
        (cached(row[i]) or context.moment(row[i], column)) if row[i] else None for i, column in _MOMENTS
    ]
    if str in map(type, moments):
        errors += [(column, m) for (_, column), m in zip(_MOMENTS, moments, strict=True) if isinstance(m, str)]
        moments = [None if isinstance(m, str) else m for m in moments]
    status = _status(row[_STATUS], context.statuses.get(agreement_id), agreement_id, errors)
    team_size = _team_size(row[_TEAM_SIZE], errors) if row[_TEAM_SIZE] else None
    guests = _guests(row[_GUESTS], states, errors) if row[_GUESTS] else ()
    cause = _cause(row[_CAUSE], errors) if row[_CAUSE] else None
    requested, replied, start, end = cast(list[Moment | None], moments)  # texts of errors were taken out
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
            location=row[_LOCATION],
            object=row[_OBJECT],
            notes=row[_NOTES],
            guests=guests,
            cause=cause,
        )
    except DomainError as exc:
        return None, [(exc.field or "row", exc.message)]
    return entry, []


def _status(
    text: str, allowed: frozenset[Status] | None, agreement_id: str, errors: list[tuple[str, str]]
) -> Status | None:
    status = _STATUSES.get(text)
    if text and status is None:
        errors.append(("status", f"unknown status {text!r} (known: {', '.join(_STATUSES)})"))
    elif status is not None and allowed is not None and status not in allowed:
        known = ", ".join(s for s in _STATUSES if _STATUSES[s] in allowed)
        errors.append(("status", f"{agreement_id} has no status {text!r} (it has: {known})"))
        return None
    return status


def _guests(text: str, states: frozenset[str], errors: list[tuple[str, str]]) -> tuple[Guest, ...]:
    try:
        guests = parse_guests(text)
    except DomainError as exc:
        errors.append(("guests", exc.message))
        return ()
    unknown = [g.state for g in guests if g.state not in states]
    if unknown:
        errors.append(("guests", f"unknown state(s) {', '.join(unknown)} (ISO 3166-1 alpha-2 codes, e.g. IT:1)"))
    return guests


def _cause(text: str, errors: list[tuple[str, str]]) -> Cause | None:
    cause = _CAUSES.get(text)
    if cause is None:
        errors.append(("cause", f"unknown cause {text!r} (known: {', '.join(_CAUSES)})"))
    return cause


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


def read_rows(path: Path) -> Iterator[tuple[int, list[str] | str]]:
    """(line, row) pairs, read as they come; LedgerFileError with one line if this is no ledger CSV."""
    name = str(path)
    try:
        with path.open("rb") as probe:
            start = probe.read(8192)
        stream = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise LedgerFileError([f"{name}: cannot read: {exc.strerror or exc}"]) from None
    if b"\x00" in start:
        stream.close()
        raise LedgerFileError([f"{name}: not a CSV file (it holds binary data)"])
    with stream:
        reader = csv.reader(stream, strict=True)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise LedgerFileError([f"{name}: the file is empty; a ledger CSV starts with a header row"]) from None
        except UnicodeDecodeError as exc:
            raise LedgerFileError([f"{name}: not UTF-8 text (bad byte at offset {exc.start})"]) from None
        except csv.Error as exc:
            raise LedgerFileError([f"{name}:1: not a CSV file ({_csv_problem(exc)})"]) from None
        _check_header(name, header)
        yield from _records(name, reader, header)


def _csv_problem(exc: csv.Error) -> str:
    return "it holds binary data" if "NUL" in str(exc) else str(exc)


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


def _records(name: str, reader: Iterator[list[str]], header: list[str]) -> Iterator[tuple[int, list[str] | str]]:
    """(line, stripped texts in LEDGER_COLUMNS order), or (line, what is wrong with the row's shape)."""
    positions = [header.index(column) if column in header else None for column in LEDGER_COLUMNS]
    if positions == list(range(_WIDTH)):
        positions = []  # the documented column order: no reordering needed
    width = len(header)
    line = 2
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise LedgerFileError([f"{name}:{line}: not UTF-8 text (a bad byte on this line)"]) from None
        except csv.Error as exc:
            raise LedgerFileError([f"{name}:{line}: not a valid CSV row ({_csv_problem(exc)})"]) from None
        row_line, line = line, reader.line_num + 1  # type: ignore[attr-defined]
        if len(cells) != width:
            if any(c.strip() for c in cells):
                yield row_line, f"the row has {len(cells)} cells; the header has {width}"
            continue
        if positions:
            yield row_line, [cells[i].strip() if i is not None else "" for i in positions]
        else:
            row = list(map(str.strip, cells))
            if any(row):
                yield row_line, row


Contents = list[tuple[str, tuple[str, ...]]]
# A row read ahead of the agreements: its line, its stripped texts (or what is wrong with
# its shape), and QuickRows.plain_texts of it for the states it was read with.
ReadRow = tuple[int, list[str] | str, tuple[str, ...] | None]


def plain_rows(path: Path, states: frozenset[str]) -> Iterator[ReadRow]:
    """The file's rows, each with every check of QuickRows made that needs no agreement
    (against ``states``): what an import can do before it has read the agreements."""
    plain = QuickRows(EntryContext(agreements={}, states=states), MAX_CELL).plain_texts
    for line, row in read_rows(path):
        yield line, row, None if isinstance(row, str) else plain(row)


def content_batches(path: Path, context: EntryContext, size: int = 5_000, opening: int = 1_000) -> Iterator[Contents]:
    """The file's entries in batches as it is read, as ``(ref, entry_texts)`` pairs: what
    the writer stores, in a form that crosses from a parsing process to the writing one
    cheaply. A repeated ref with the same values is dropped. The first batch is smaller,
    so that the writer, waiting for it, starts sooner.

    Bad rows do not stop the reading: once one is seen no further batch is
    yielded, and at the end LedgerFileError names every bad row, so a caller
    writing batch by batch inside one transaction rolls back and writes nothing.
    """
    return batches_of(path, plain_rows(path, context.states), context.states, context, size, opening)


def batches_of(
    path: Path,
    rows: Iterable[ReadRow],
    states: frozenset[str],
    context: EntryContext,
    size: int = 5_000,
    opening: int = 1_000,
) -> Iterator[Contents]:
    """content_batches of the rows plain_rows read from ``path`` against ``states``: those
    checks are made again where the context's states are others."""
    messages: list[str] = []
    seen: dict[str, tuple[int, list[str]]] = {}
    batch: Contents = []
    limit = opening
    quick = QuickRows(context, MAX_CELL)
    known_kind, again = quick.of_known_kind, quick.plain_texts if states != context.states else None
    for line, row, plain in rows:
        if isinstance(row, str):
            messages.append(f"{path}:{line}: row: {row}")
            continue
        if again is not None:
            plain = again(row)
        texts = plain if plain is not None and known_kind(row) else None
        if texts is None:
            entry, errors = parse_values(row, context)
            if errors:
                messages += [f"{path}:{line}: {column}: {message}" for column, message in errors]
                continue
            assert entry is not None
            texts = row_texts(entry, row, context)
        ref = row[0]
        first = seen.get(ref)
        if first is not None:
            if parse_values(first[1], context)[0] != parse_values(row, context)[0]:
                messages.append(f"{path}:{line}: ref: {ref!r} already appears on line {first[0]} with other values")
            continue
        seen[ref] = (line, row)
        batch.append((ref, texts))
        if len(batch) >= limit:
            if not messages:
                yield batch
            batch, limit = [], size
    if messages:
        raise LedgerFileError(messages)
    if batch:
        yield batch


def row_texts(entry: LedgerEntry, row: list[str], context: EntryContext) -> tuple[str, ...]:
    """``entry_texts(entry)`` for the entry parse_values made of ``row``: the row's own
    texts where the entry keeps them as they are, its moments' texts from the context
    (formatting moments cost an import more than the rest of its parsing)."""
    cached, text = context.moment_texts.get, context.moment_text
    requested = (cached(row[_REQUESTED]) or text(row[_REQUESTED]))[0]
    start, start_on = cached(row[_START]) or text(row[_START])
    end, end_on = cached(row[_END]) or text(row[_END])
    return (
        *row[1:5],  # agreement, activity, inspecting and receiving state
        requested,
        (cached(row[_REPLIED]) or text(row[_REPLIED]))[0] if row[_REPLIED] else ABSENT,
        start,
        end,
        start_on,
        end_on,
        row[_STATUS],
        str(entry.team_size) if entry.team_size is not None else ABSENT,
        row[_LOCATION],
        entry.object,  # normalised: "A ;B" is stored as "A; B"
        row[_NOTES],
        format_guests(entry.guests) if entry.guests else "",  # sorted
        row[_CAUSE],
    )


def write_ledger(entries: list[LedgerEntry], stream: TextIO) -> int:
    writer = csv.DictWriter(stream, fieldnames=list(LEDGER_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        writer.writerow(entry.as_record())
    return len(entries)
