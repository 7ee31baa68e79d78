"""The CSV form of a statement, for a partner without csbm (docs/statements.md).

A header block of ``# key: value`` lines, then a ledger CSV in the import
format. The first line names the format. The CSV form is never signed: a
partner's CSV is accepted by reconcile, marked unsigned, and the quota rows
are counted from its entries by our engine.
"""

from __future__ import annotations

import csv
import io

from app.domain.errors import DomainError
from app.domain.ledger import LEDGER_COLUMNS, LedgerEntry
from app.domain.proposal import entry_texts
from app.domain.report import parse_period
from app.domain.statement import FORMAT, JsonValue, Statement, statement_entry
from app.domain.statement_reader import MAX_BYTES, StatementError, parse_document
from app.services.ledger_csv import MAX_CELL, REQUIRED, EntryContext, parse_entry

HEADER = ("issuer", "partner", "period", "agreements", "made_by", "made_at", "csbm_version", "statement_sha256")
NEEDED = ("issuer", "partner", "period", "agreements")
MAX_PROBLEMS = 20


def statement_csv(statement: Statement) -> str:
    """The statement as the header block and a ledger CSV."""
    values = {
        "issuer": statement.issuer,
        "partner": statement.partner,
        "period": f"{statement.period.start}..{statement.period.end}",
        "agreements": " ".join(statement.agreements),
        "made_by": statement.made_by,
        "made_at": statement.made_at,
        "csbm_version": statement.csbm_version,
        "statement_sha256": statement.sha256(),
    }
    out = io.StringIO()
    out.write(f"# {FORMAT} (CSV form; the signed JSON statement is the one that counts)\n")
    out.writelines(f"# {key}: {values[key]}\n" for key in HEADER)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    for entry in statement.entries:
        texts = entry_texts(entry)
        writer.writerow([texts.get(column, "") for column in LEDGER_COLUMNS])
    return out.getvalue()


def is_csv_form(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"#"


def read_statement_csv(data: bytes, context: EntryContext) -> Statement:
    """A statement in the CSV form; StatementError naming the line of each problem."""
    if len(data) > MAX_BYTES:
        raise StatementError(f"larger than {MAX_BYTES // 1_000_000} MB")
    if b"\x00" in data:
        raise StatementError("not a CSV file (it holds binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StatementError(f"not UTF-8 text (byte {exc.start})") from None
    lines = text.splitlines(keepends=True)
    block = 0
    while block < len(lines) and lines[block].lstrip().startswith("#"):
        block += 1
    header = _header(lines[:block])
    entries = _entries("".join(lines[block:]), block, context)
    try:
        period = parse_period(header["period"])
    except DomainError as exc:
        raise StatementError(f"period: {exc.message}") from None
    document: dict[str, JsonValue] = {
        "format": FORMAT,
        "issuer": {
            "state": header["issuer"],
            "made_by": header.get("made_by", ""),
            "made_at": header.get("made_at", ""),
            "csbm_version": header.get("csbm_version", ""),
        },
        "partner": header["partner"],
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period.label},
        "agreements": list[JsonValue](header["agreements"].replace(",", " ").split()),
        "chain": {},
        "entries": entries,
        "quotas": [],
    }
    return parse_document(document, require_chain=False)


def _header(lines: list[str]) -> dict[str, str]:
    if not lines or FORMAT not in lines[0]:
        raise StatementError(f"line 1: a statement in CSV form starts with the line '# {FORMAT}'")
    values = {}
    for number, line in enumerate(lines[1:], start=2):
        key, colon, value = line.lstrip()[1:].partition(":")
        key = key.strip()
        if not colon or key not in HEADER:
            raise StatementError(f"line {number}: expected '# key: value' with a key among {', '.join(HEADER)}")
        values[key] = value.strip()
    missing = [k for k in NEEDED if not values.get(k)]
    if missing:
        raise StatementError(f"the header block lacks {', '.join(missing)}")
    return values


def _entries(body: str, offset: int, context: EntryContext) -> list[JsonValue]:
    reader = csv.reader(io.StringIO(body, newline=""), strict=True)
    try:
        columns = [c.strip() for c in next(reader)]
    except StopIteration:
        raise StatementError(f"line {offset + 1}: the ledger columns are missing after the header block") from None
    except csv.Error as exc:
        raise StatementError(f"line {offset + 1}: not CSV ({exc})") from None
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in LEDGER_COLUMNS]
    if missing or unknown or len(set(columns)) != len(columns):
        raise StatementError(
            f"line {offset + 1}: the columns must be the ledger's ({', '.join(LEDGER_COLUMNS)}); "
            f"missing: {', '.join(missing) or 'none'}, unknown: {', '.join(unknown) or 'none'}"
        )
    entries: list[JsonValue] = []
    problems: list[str] = []
    try:
        for row in reader:
            line = offset + reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            entry = _entry(row, columns, line, context, problems)
            if entry is not None:
                entries.append(statement_entry(entry))
    except csv.Error as exc:
        problems.append(f"line {offset + reader.line_num}: not CSV ({exc})")
    if problems:
        raise StatementError("; ".join(problems[:MAX_PROBLEMS]))
    return entries


def _entry(
    row: list[str], columns: list[str], line: int, context: EntryContext, problems: list[str]
) -> LedgerEntry | None:
    if len(row) != len(columns):
        problems.append(f"line {line}: {len(row)} cells, but {len(columns)} columns")
        return None
    values = {c: v[: MAX_CELL + 1] for c, v in zip(columns, row, strict=True)}
    entry, errors = parse_entry(values, context)
    problems += [f"line {line}: {column}: {message}" for column, message in errors]
    return entry
