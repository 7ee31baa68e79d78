"""Human and JSON output for the CLI: rich tables, and the documented JSON shapes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.cli import quota_view
from app.cli.quota_view import EVERY_PARTY, Cell, Line, TableView, quota_sections
from app.cli.quota_view import print_json as print_json
from app.cli.say import emit as emit
from app.domain.findings import Finding, Severity
from app.domain.quota import QuotaRow

if TYPE_CHECKING:
    from app.services.ledger import CheckResult
    from app.services.status import QuotaStatus

# Piped output (a file, a pager, CI logs) gets a wide fixed width instead of
# rich's 80-column fallback, which would fold every quota table into noise.
console = Console(width=None if sys.stdout.isatty() else 150)

_SEVERITY_STYLE = {Severity.VIOLATION: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


Row = TypeVar("Row")


def emit_rows(as_json: bool, rows: Sequence[Row], line: Callable[[Row], str], empty: str = "") -> None:
    """The rows as JSON with --json, else one line for a person each (or ``empty``, when there are none)."""
    if as_json:
        print_json(rows)
        return
    for row in rows:
        console.print(line(row), highlight=False)
    if not rows and empty:
        console.print(empty)


def markup(cell: Cell) -> str:
    """A cell of the shared view as rich markup: user text escaped, a style around it."""
    text = escape(cell.text) if cell.user else cell.text
    return f"[{cell.style}]{text}[/]" if cell.style else text


def rich_table(view: TableView) -> Table:
    table = Table(title=view.title, title_justify="left")
    for c in view.columns:
        table.add_column(c.header, justify=c.justify, no_wrap=c.no_wrap, overflow=c.overflow, min_width=c.min_width)
    for row in view.rows:
        table.add_row(*(markup(cell) for cell in row))
    return table


def quota_table(title: str, rows: Sequence[QuotaRow], party_columns: Sequence[tuple[str, str]]) -> Table:
    """A quota table; ``party_columns`` picks which of receiving/inspecting/object to show."""
    return rich_table(quota_view.quota_table(title, rows, party_columns))


def show_quota(status: QuotaStatus, state: str | None) -> None:
    for section in quota_sections(status, state):
        if isinstance(section, Line):
            console.print(markup(Cell(section.text, section.style)))
        else:
            console.print(rich_table(section))


def show_findings(findings: Iterable[Finding]) -> None:
    table = Table(title="Findings", title_justify="left")
    for name in ("severity", "code", "entry", "agreement", "rule", "responsible", "message"):
        table.add_column(name, overflow="fold")
    count = 0
    for f in findings:
        count += 1
        style = _SEVERITY_STYLE[f.severity]
        table.add_row(
            f"[{style}]{f.severity}[/]",
            f.code,
            escape(f.entry_ref or "-"),
            f.agreement,
            f.rule,
            f.responsible_state,
            escape(f.message),
        )
    console.print(table if count else "No findings.")


def show_check(result: CheckResult) -> None:
    table = quota_table(f"Quota impact of {result.entry.ref}", [after for _, after in result.rows], EVERY_PARTY)
    console.print(table)
    if result.findings:
        show_findings(result.findings)
    else:
        console.print("It would raise no new findings.")
    verdict = "[green]within every quota[/]" if not result.over_limit else "[red]over a limit[/]"
    console.print(f"Verdict: {verdict}")


def _cite(source: dict[str, Any] | None) -> str:
    if not source:
        return ""
    where = " ".join(part for part in (source["document"], source["paragraph"]) if part)
    return f"{where} ({source['confidence']})"


def show_agreement(a: dict[str, Any]) -> None:
    ended = f", terminated {a['terminated_on']}" if a["terminated_on"] else ""
    console.print(f"[bold]{escape(a['title']['en'])}[/] ({a['id']})\n{escape(a['title']['ru'])}")
    console.print(
        f"{escape(a['legal_basis'])}\nIn force from {a['in_force_from']}{ended}. {escape(_cite(a['status_source']))}"
    )
    rules = Table(title="Quota rules", title_justify="left")
    for name in ("rule", "kind", "period", "limit", "source"):
        rules.add_column(name, overflow="fold")
    for r in a["quota_rules"]:
        limit = r["limit"].get("constant", r["limit"].get("formula"))
        extra = f" (+{len(r['party_limits'])} per party)" if r["party_limits"] else ""
        rules.add_row(r["id"], r["kind"], r["period"], f"{limit}{extra}", escape(_cite(r["source"])))
    console.print(rules)
    timing = Table(title="Timing rules", title_justify="left")
    for name in ("activity", "rule", "value", "source"):
        timing.add_column(name, overflow="fold")
    for t in a["timing_rules"]:
        timing.add_row(t["activity"], t["kind"], str(t["value"]), escape(_cite(t["source"])))
    console.print(timing)
    for d in a.get("dates", []):
        console.print(f"Every {d['day']} (MM-DD): {d['title']['en']}. {escape(_cite(d['source']))}", highlight=False)
    changes = Table(title="Parties whose status changed", title_justify="left")
    for name in ("state", "joined", "withdrew", "suspensions"):
        changes.add_column(name, overflow="fold")
    for p in a["parties"]:
        if p["joined_on"] != a["in_force_from"] or p["withdrew_on"] or p["suspensions"]:
            suspensions = "; ".join(
                f"from {s['start']}"
                + (f" to {s['end']}" if s["end"] else "")
                + (f" toward {', '.join(s['toward'])}" if s["toward"] else " toward all")
                for s in p["suspensions"]
            )
            changes.add_row(p["state"], p["joined_on"], p["withdrew_on"] or "-", suspensions or "-")
    console.print(changes)
    others = sum(
        1
        for p in a["parties"]
        if p["joined_on"] == a["in_force_from"] and not p["withdrew_on"] and not p["suspensions"]
    )
    console.print(f"{others} other parties since entry into force.")
