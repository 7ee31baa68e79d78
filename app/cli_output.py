"""Human and JSON rendering for the CLI (rich tables; documented JSON shapes)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.domain.findings import Finding, Severity
from app.domain.quota import QuotaRow
from app.services.ledger import CheckResult

console = Console()
errors = Console(stderr=True)

_SEVERITY_STYLE = {Severity.VIOLATION: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def quota_table(title: str, rows: Sequence[QuotaRow]) -> Table:
    table = Table(title=title, title_justify="left")
    for name in (
        "agreement",
        "rule",
        "period",
        "receiving",
        "inspecting",
        "object",
        "limit",
        "used",
        "pending",
        "remaining",
    ):
        table.add_column(name, justify="right" if name in ("limit", "used", "pending") else "left")
    for r in rows:
        remaining = r.describe_remaining()
        style = "red" if (r.remaining is not None and r.remaining < 0) else ("yellow" if r.limit is None else "")
        table.add_row(
            r.agreement,
            r.rule,
            f"{r.period_start}..{r.period_end}",
            r.receiving_state or "-",
            r.inspecting_state or "-",
            r.object or "-",
            "?" if r.limit is None else str(r.limit),
            str(r.used),
            str(r.pending),
            f"[{style}]{remaining}[/]" if style else remaining,
        )
    return table


def show_quota(rows: Sequence[QuotaRow], *, state: str | None, show_all: bool, concerns: Any) -> None:
    """Untouched pairwise rows are hidden unless --all: VD alone has 3,000 ordered pairs."""

    def shown(r: QuotaRow) -> bool:
        pairwise = r.kind in ("per_inspecting_state", "pair", "per_object", "per_object_per_inspecting_state")
        return show_all or not pairwise or r.used + r.pending > 0 or (state is not None and r.kind == "pair")

    visible = [r for r in rows if shown(r)]
    if state is None:
        console.print(quota_table("Quota status", visible))
    else:
        accept = [r for r in visible if concerns(r, "receiving")]
        conduct = [r for r in visible if concerns(r, "inspecting")]
        console.print(quota_table(f"What {state} must still accept (receiving)", accept))
        console.print(quota_table(f"What {state} may still conduct (inspecting)", conduct))
    hidden = len(rows) - len(visible)
    if hidden:
        console.print(f"[dim]{hidden} pairwise rows with nothing used or pending are hidden; --all shows them.[/]")


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


def check_json(result: CheckResult) -> dict[str, Any]:
    return {
        "entry": result.entry.as_record(),
        "quotas": [
            {
                **after.as_json(),
                "used_before": before.used if before else 0,
                "pending_before": before.pending if before else 0,
                "remaining_before": before.remaining if before else after.limit,
            }
            for before, after in result.rows
        ],
        "findings": [f.as_json() for f in result.findings],
        "within_quota": not result.over_limit,
    }


def show_check(result: CheckResult) -> None:
    table = quota_table(f"Quota impact of {result.entry.ref}", [after for _, after in result.rows])
    console.print(table)
    if result.findings:
        show_findings(result.findings)
    else:
        console.print("It would raise no new findings.")
    verdict = "[green]within every quota[/]" if not result.over_limit else "[red]over a limit[/]"
    console.print(f"Verdict: {verdict}")
