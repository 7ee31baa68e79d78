"""The declarations CSV, as the annual exchange of military information delivers it.

One row per figure: ``state,year,name,value,source`` (source may be left
out). A state is an ISO 3166-1 alpha-2 code or a group of them joined by
``+`` (``BY+RU``). A bad file is refused whole, with ``FILE:LINE: column:
message`` for every bad row; a file that is not a CSV at all gets one line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import TextIO

from app.domain.errors import DomainError
from app.domain.ledger import Declaration
from app.services.errors import FileRejected, Problem
from app.services.states import known_states

COLUMNS = ("state", "year", "name", "value", "source")
REQUIRED = COLUMNS[:4]
MAX_VALUE = 10**9
FIRST_YEAR, LAST_YEAR = 1900, 2200  # as app/domain/ledger.py's Declaration accepts
MAX_BYTES = 10 * 1024 * 1024


def party_problem(state: str, field: str = "state") -> Problem | None:
    """None for a known state or a group of known states; else what is wrong."""
    if all(part in known_states() for part in state.split("+")):
        return None
    known = "an ISO 3166-1 alpha-2 code such as BY, or codes joined by +"
    return Problem(field, f"unknown state or group {state!r} ({known})")


def _whole(text: str, field: str, problems: list[Problem]) -> int:
    try:
        number = int(text)
    except ValueError:
        if text:
            problems.append(Problem(field, f"{text!r} is not a whole number"))
        return 0
    if field == "value" and number > MAX_VALUE:
        problems.append(Problem(field, f"value {number} is larger than {MAX_VALUE}"))
    return number


def parse_declaration(values: Mapping[str, str]) -> tuple[Declaration | None, list[Problem]]:
    """One declaration from text fields; ``(None, problems)`` when it is bad."""
    texts = {column: (values.get(column) or "").strip() for column in COLUMNS}
    problems = [Problem(column, "is required") for column in REQUIRED if not texts[column]]
    year, value = _whole(texts["year"], "year", problems), _whole(texts["value"], "value", problems)
    unknown = party_problem(texts["state"]) if texts["state"] else None
    if unknown is not None:
        problems.append(unknown)
    if problems:
        return None, problems
    try:
        declared = Declaration(state=texts["state"], year=year, name=texts["name"], value=value, source=texts["source"])
    except DomainError as exc:
        return None, [Problem(exc.field or "row", exc.message)]
    return declared, []


def _text(name: str, data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise FileRejected(name, [f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MB"])
    if b"\x00" in data[:8192]:
        raise FileRejected(name, [f"{name}: not a CSV file (it holds binary data)"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(name, [f"{name}: not UTF-8 text (bad byte at offset {exc.start})"]) from None


def _header(name: str, header: Sequence[str]) -> list[str]:
    wrong = {
        "missing column(s)": [c for c in REQUIRED if c not in header],
        "unknown column(s)": [c for c in header if c not in COLUMNS],
        "column(s) given twice:": sorted({c for c in header if header.count(c) > 1}),
    }
    return [f"{name}:1: header: {what} {', '.join(columns)}" for what, columns in wrong.items() if columns]


def _rows(name: str, text: str) -> Iterator[tuple[int, dict[str, str] | str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileRejected(name, [f"{name}: the file is empty; a declarations CSV starts with a header row"]) from None
    except csv.Error as exc:
        raise FileRejected(name, [f"{name}:1: not a CSV file ({exc})"]) from None
    problems = _header(name, header)
    if problems:
        raise FileRejected(name, problems)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileRejected(name, [f"{name}:{line}: not a valid CSV row ({exc})"]) from None
        if len(cells) != len(header):
            if any(c.strip() for c in cells):
                yield line, f"the row has {len(cells)} cells; the header has {len(header)}"
        elif any(c.strip() for c in cells):
            yield line, dict(zip(header, cells, strict=True))


def read_declarations(name: str, data: bytes) -> list[Declaration]:
    """Every declaration of a file, in file order, a repeated identical row once;
    FileRejected naming every bad row when any is bad."""
    messages: list[str] = []
    seen: dict[tuple[str, int, str], tuple[int, Declaration]] = {}
    for line, row in _rows(name, _text(name, data)):
        if isinstance(row, str):
            messages.append(f"{name}:{line}: row: {row}")
            continue
        declared, problems = parse_declaration(row)
        messages += [f"{name}:{line}: {p.field}: {p.message}" for p in problems]
        if declared is None:
            continue
        key = (declared.state, declared.year, declared.name)
        first = seen.setdefault(key, (line, declared))
        if first[1] != declared:
            figure = " ".join(map(str, key))
            messages.append(f"{name}:{line}: value: {figure} already appears on line {first[0]} with another value")
    if messages:
        raise FileRejected(name, messages)
    return [declared for _, declared in seen.values()]


def write_declarations(declarations: Sequence[Declaration], stream: TextIO) -> int:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows((d.state, d.year, d.name, d.value, d.source) for d in declarations)
    return len(declarations)
