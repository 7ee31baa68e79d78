"""Human and JSON output for the CLI: rich tables, and the documented JSON shapes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.domain.findings import Finding, Severity
from app.domain.quota import QuotaRow

if TYPE_CHECKING:
    from app.services.ledger import CheckResult
    from app.services.status import QuotaStatus

# Piped output (a file, a pager, CI logs) gets a wide fixed width instead of
# rich's 80-column fallback, which would fold every quota table into noise.
console = Console(width=None if sys.stdout.isatty() else 150)

_SEVERITY_STYLE = {Severity.VIOLATION: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def emit(as_json: bool, data: object, text: str) -> None:
    """The documented JSON shape with --json, else one line for a person."""
    if as_json:
        print_json(data)
    else:
        console.print(text)


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


def print_json(data: Any) -> None:
    # Indented for a person at a terminal; compact otherwise, which lets the json
    # module use its C encoder (several times faster on large quota tables).
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")


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


def _remaining_cell(row: QuotaRow) -> str:
    text = row.describe_remaining()
    if not row.binds:
        return f"[dim]{text}[/]"
    if row.limit is None:
        return f"[yellow]{text}[/]"
    if row.remaining is not None and row.remaining < 0:
        return f"[red]{text}[/]"
    return text


def quota_table(title: str, rows: Sequence[QuotaRow], party_columns: Sequence[tuple[str, str]]) -> Table:
    """A quota table; ``party_columns`` picks which of receiving/inspecting/object to show."""
    table = Table(title=title, title_justify="left")
    table.add_column("agreement", no_wrap=True)
    table.add_column("quota")
    table.add_column("period", no_wrap=True)
    for header, _ in party_columns:
        table.add_column(header, overflow="fold")
    for name in ("limit", "used", "pending"):
        table.add_column(name, justify="right")
    table.add_column("remaining", min_width=12)
    for r in rows:
        parties = [escape(getattr(r, attribute) or "-") for _, attribute in party_columns]
        table.add_row(
            r.agreement,
            rule_label(r),
            period_label(r.period_start, r.period_end),
            *parties,
            "?" if r.limit is None else str(r.limit),
            str(r.used),
            str(r.pending),
            _remaining_cell(r),
        )
    return table


def show_quota(status: QuotaStatus, state: str | None) -> None:
    if state is None:
        columns = [("receiving", "receiving_state"), ("inspecting", "inspecting_state"), ("object", "object")]
        console.print(quota_table("Quota status", status.accept, columns))
    else:
        accept = quota_table(
            f"What {state} must still accept", status.accept, [("from", "inspecting_state"), ("object", "object")]
        )
        console.print(accept)
        console.print(quota_table(f"What {state} may still conduct", status.conduct, [("in", "receiving_state")]))
    if status.hidden:
        console.print(
            f"[dim]{status.hidden} pairwise rows with nothing used or pending are hidden; --all shows them.[/]"
        )


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
    columns = [("receiving", "receiving_state"), ("inspecting", "inspecting_state"), ("object", "object")]
    table = quota_table(f"Quota impact of {result.entry.ref}", [after for _, after in result.rows], columns)
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
