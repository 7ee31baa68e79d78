"""What ``csbm quota`` shows, as plain data: the tables, their columns and cells, and the lines.

Both renderers draw from this one description: rich (app/cli/output.py) and the plain
one (app/cli/plain_table.py), which a quick ``csbm quota`` uses without importing rich.
Standard library only, for the same reason.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from app.domain.quota import QuotaRow
    from app.services.status import QuotaStatus


class Cell(NamedTuple):
    """One cell's text; ``style`` a rich style name or None; ``user`` text is escaped for rich."""

    text: str
    style: str | None = None
    user: bool = False


class Column(NamedTuple):
    header: str
    justify: Literal["left", "right"] = "left"
    no_wrap: bool = False
    overflow: Literal["ellipsis", "fold"] = "ellipsis"
    min_width: int | None = None


class TableView(NamedTuple):
    title: str
    columns: list[Column]
    rows: list[list[Cell]]


class Line(NamedTuple):
    text: str
    style: str | None = None


def print_json(data: Any) -> None:
    sys.stdout.write(json_text(data))


def json_text(data: Any) -> str:
    # Indented for a person at a terminal; compact otherwise, which lets the json
    # module use its C encoder (several times faster on large quota tables).
    indent = 2 if sys.stdout.isatty() else None
    return json.dumps(data, ensure_ascii=False, indent=indent) + "\n"


_ACTIVITY_LABEL = {
    "inspection": "inspections",
    "evaluation_visit": "eval. visits",
    "declared_site_inspection": "declared-site insp.",
    "challenge_inspection": "challenge insp.",
    "observation_flight": "flights",
}
_KIND_LABEL = {
    "passive": "quota",
    "per_inspecting_state": "per state",
    "pair": "bilateral",
    "active": "active quota",
    "per_object": "per unit",
    "per_object_per_inspecting_state": "per unit & state",
}


def rule_label(row: QuotaRow) -> str:
    return f"{_ACTIVITY_LABEL.get(row.activity, row.activity)}: {_KIND_LABEL.get(row.kind, row.kind)}"


def period_label(start: date, end: date) -> str:
    """2025 for a calendar year, 2025Q2 for a quarter, 2024/25 for a treaty year, else the range."""
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    if end.year == start.year + 1 and end + timedelta(days=1) == start.replace(year=start.year + 1):
        return f"{start.year}/{end.year % 100:02d}"
    if start.day == 1 and start.month in (1, 4, 7, 10) and end == _quarter_end(start):
        return f"{start.year}Q{(start.month - 1) // 3 + 1}"
    return f"{start}..{end}"


def _quarter_end(start: date) -> date:
    month = start.month + 3
    first_after = date(start.year + (month > 12), (month - 1) % 12 + 1, 1)
    return first_after - timedelta(days=1)


def _remaining_cell(row: QuotaRow) -> Cell:
    text = row.describe_remaining()
    if not row.binds:
        return Cell(text, "dim")
    if row.limit is None:
        return Cell(text, "yellow")
    if row.remaining is not None and row.remaining < 0:
        return Cell(text, "red")
    return Cell(text)


def quota_table(title: str, rows: Sequence[QuotaRow], party_columns: Sequence[tuple[str, str]]) -> TableView:
    """A quota table; ``party_columns`` picks which of receiving/inspecting/object to show."""
    columns = [Column("agreement", no_wrap=True), Column("quota"), Column("period", no_wrap=True)]
    columns += [Column(header, overflow="fold") for header, _ in party_columns]
    columns += [Column(name, justify="right") for name in ("limit", "used", "pending")]
    columns.append(Column("remaining", min_width=12))
    cells = [
        [
            Cell(r.agreement),
            Cell(rule_label(r)),
            Cell(period_label(r.period_start, r.period_end)),
            *(Cell(getattr(r, attribute) or "-", user=True) for _, attribute in party_columns),
            Cell("?" if r.limit is None else str(r.limit)),
            Cell(str(r.used)),
            Cell(str(r.pending)),
            _remaining_cell(r),
        ]
        for r in rows
    ]
    return TableView(title, columns, cells)


EVERY_PARTY = [("receiving", "receiving_state"), ("inspecting", "inspecting_state"), ("object", "object")]


def quota_sections(status: QuotaStatus, state: str | None) -> list[TableView | Line]:
    """What ``csbm quota`` prints, in order: one table, or a state's two, and the hidden rows' count."""
    if state is None:
        shown: list[TableView | Line] = [quota_table("Quota status", status.accept, EVERY_PARTY)]
    else:
        accept = [("from", "inspecting_state"), ("object", "object")]
        shown = [
            quota_table(f"What {state} must still accept", status.accept, accept),
            quota_table(f"What {state} may still conduct", status.conduct, [("in", "receiving_state")]),
        ]
    if status.hidden:
        shown.append(
            Line(f"{status.hidden} pairwise rows with nothing used or pending are hidden; --all shows them.", "dim")
        )
    return shown
