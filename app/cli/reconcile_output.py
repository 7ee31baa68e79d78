"""How a reconciliation reads at a terminal (rich tables)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from app.cli.output import console
from app.domain.proposal import record_of
from app.domain.reconcile import Kind, summary

KIND_WORDS = {
    Kind.AGREED: "agreed",
    Kind.DIFFERS: "differs",
    Kind.ONLY_OURS: "only ours",
    Kind.ONLY_THEIRS: "only theirs",
}


def show_reconciliation(view: Any) -> None:
    body = view.body
    signed = f"signed, key {body['key']}" if body["signed"] else "UNSIGNED (CSV form)"
    console.print(
        f"[bold]Reconciliation {view.number}[/]: {view.home} with {view.partner}, {body['theirs']['period']['label']} "
        f"({signed}); tolerance ±{body['tolerance_days']} day(s)",
        highlight=False,
    )
    console.print(
        f"  their statement {body['theirs_sha256']}\n  our statement   {body['ours_sha256']}", highlight=False
    )
    console.print(
        "  " + ", ".join(f"{v} {KIND_WORDS[Kind(k)]}" for k, v in summary(view.items).items()), highlight=False
    )
    console.print(_items(view))
    disagreeing = [q for q in view.quotas if not q.agrees]
    if disagreeing:
        console.print(_quotas(disagreeing))
    else:
        console.print("Every quota row agrees.")


def _items(view: Any) -> Table:
    table = Table(title="Entries", show_lines=False)
    for header in (
        "#",
        "kind",
        "agreement",
        "activity",
        "from → to",
        "start (ours / theirs)",
        "differs in",
        "resolution",
    ):
        table.add_column(header)
    resolved = view.resolutions()
    for n, item in enumerate(view.items, 1):
        record = record_of(item) or {}
        starts = " / ".join(str(e["start"]) if e else "—" for e in (item.ours, item.theirs))
        found = resolved.get(n)
        table.add_row(
            str(n),
            KIND_WORDS[item.kind],
            str(record.get("agreement")),
            str(record.get("activity")),
            f"{record.get('inspecting_state')} → {record.get('receiving_state')}",
            starts,
            ", ".join(item.fields),
            f"{found.resolution}: {found.note}" if found else ("" if item.kind is Kind.AGREED else "open"),
        )
    return table


def _quotas(rows: list[Any]) -> Table:
    table = Table(title="Quota rows that disagree (used/pending)")
    for header in ("agreement", "rule", "receiving", "inspecting", "period", "ours", "theirs"):
        table.add_column(header)
    for q in rows:
        data = q.as_json()

        def counts(side: Any) -> str:
            return "—" if side is None else f"{side['used']}/{side['pending']}"

        table.add_row(
            str(data["agreement"]),
            str(data["rule"]),
            str(data["receiving_state"]),
            str(data["inspecting_state"]),
            f"{data['period_start']}..{data['period_end']}",
            counts(q.ours),
            counts(q.theirs),
        )
    return table
