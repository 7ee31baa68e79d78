"""XLSX (openpyxl) and CSV renderings of a report: every row, typed, machine-friendly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.domain.ledger import LEDGER_COLUMNS, LedgerEntry
from app.domain.moments import Moment, start_instant
from app.domain.report import Report
from app.reporting.view import ReportView

QUOTA_COLUMNS = (
    "agreement",
    "rule",
    "kind",
    "activity",
    "receiving_state",
    "inspecting_state",
    "object",
    "period_start",
    "period_end",
    "limit",
    "used",
    "pending",
    "remaining",
    "force",
    "force_since",
)
ENTRY_COLUMNS = LEDGER_COLUMNS  # entries.csv and the XLSX sheet: the ledger CSV's columns
FINDING_COLUMNS = ("severity", "code", "entry_ref", "agreement", "rule", "responsible_state", "message")


def quota_records(report: Report) -> Iterator[tuple[Any, ...]]:
    for row in report.quotas:
        data = row.as_json()
        data["period_start"], data["period_end"] = row.period_start, row.period_end
        data["force_since"] = row.force_since
        yield tuple(data[c] for c in QUOTA_COLUMNS)


def _cell_moment(moment: Moment | None) -> datetime | date | None:
    """A date stays a date; a datetime becomes naive UTC (Excel has no time zones)."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return start_instant(moment).replace(tzinfo=None)
    return moment


_MOMENT_COLUMNS = frozenset({"requested_at", "replied_at", "start", "end"})


def _entry_cell(entry: LedgerEntry, column: str, text: str) -> Any:
    """A moment as Excel's date or datetime, the team size as a number, the rest as the CSV's text."""
    if column in _MOMENT_COLUMNS:
        return _cell_moment(getattr(entry, column))
    return entry.team_size if column == "team_size" else text


def entry_records(report: Report, entries: list[LedgerEntry] | None = None) -> Iterator[tuple[Any, ...]]:
    for e in report.entries if entries is None else entries:
        record = e.as_record()
        yield tuple(_entry_cell(e, column, record[column]) for column in ENTRY_COLUMNS)


def finding_records(view: ReportView) -> Iterator[tuple[Any, ...]]:
    for _severity, _heading, findings in view.findings:
        for f in findings:
            yield (f.severity, f.code, f.entry_ref, f.agreement, f.rule, f.responsible, f.message)


# ---- CSV --------------------------------------------------------------------


def _csv(columns: tuple[str, ...], records: Iterator[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow(["" if v is None else (v.isoformat() if isinstance(v, date) else v) for v in record])
    return out.getvalue().encode("utf-8")


def render_csv(report: Report, view: ReportView) -> dict[str, bytes]:
    """quotas.csv, entries.csv and findings.csv (UTF-8 with a header row)."""
    files = {
        "quotas.csv": _csv(QUOTA_COLUMNS, quota_records(report)),
        "entries.csv": _csv(ENTRY_COLUMNS, entry_records(report)),
        "findings.csv": _csv(FINDING_COLUMNS, finding_records(view)),
    }
    if report.home_state:  # a state's own report also lists where it took part as a guest
        files["as_guest.csv"] = _csv(ENTRY_COLUMNS, entry_records(report, report.as_guest))
    return files


# ---- XLSX -------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="EEF1F5")
_NEGATIVE = PatternFill("solid", start_color="F4C7C3")
_WIDTHS = {"message": 90, "notes": 40, "location": 28, "object": 28, "rule": 34, "agreement": 12}


def _sheet(ws: Worksheet, columns: tuple[str, ...], records: Iterator[tuple[Any, ...]]) -> int:
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    count = 0
    for record in records:
        ws.append(list(record))
        count += 1
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    for index, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(name, max(12, len(name) + 4))
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    return count


def render_xlsx(report: Report, view: ReportView) -> bytes:
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = view.labels["summary_sheet"][:31]
    _summary_sheet(summary, report, view)
    quotas = workbook.create_sheet("quotas")
    count = _sheet(quotas, QUOTA_COLUMNS, quota_records(report))
    remaining = get_column_letter(QUOTA_COLUMNS.index("remaining") + 1)
    if count:
        quotas.conditional_formatting.add(
            f"{remaining}2:{remaining}{count + 1}",
            CellIsRule(operator="lessThan", formula=["0"], fill=_NEGATIVE),  # type: ignore[no-untyped-call]
        )
    _sheet(workbook.create_sheet("entries"), ENTRY_COLUMNS, entry_records(report))
    _sheet(workbook.create_sheet("findings"), FINDING_COLUMNS, finding_records(view))
    if report.home_state:
        _sheet(workbook.create_sheet("as_guest"), ENTRY_COLUMNS, entry_records(report, report.as_guest))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _summary_sheet(ws: Worksheet, report: Report, view: ReportView) -> None:
    labels = view.labels
    ws.append([f"{view.title}: {view.period_label}"])
    ws["A1"].font = Font(bold=True, size=14)
    for label, value in (
        (labels["period"], view.period_range),
        (labels["home_state"], view.home_state),
        (labels["generated_at"], report.generated_at.replace(tzinfo=None)),
        (labels["input_hash"], view.input_sha256),
        (labels["version"], f"csbm {view.version}"),
    ):
        ws.append([label, value])
    ws["B4"].number_format = "yyyy-mm-dd hh:mm:ss"
    ws.append([])
    ws.append([labels["comparison"], view.previous_label, view.period_label, labels["difference"]])
    header = ws.max_row
    for row in view.comparison:
        ws.append([row.label, row.previous, row.current, row.current - row.previous])
    for cell in ws[header]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 14
    ws.column_dimensions["D"].width = 12
