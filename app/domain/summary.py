"""Which quota rows a summary shows: the CLI's table, the dashboard and the reports agree.

Every row stays in the JSON answers, the XLSX and the CSV; a summary for a
person leaves out the pairwise rows nothing has touched: the Vienna Document
alone has 3,000 ordered pairs of states. A bilateral agreement's pair row is
always shown, since the pair is the whole agreement.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.quota import QuotaRow

PAIRWISE = frozenset({"per_inspecting_state", "pair", "per_object", "per_object_per_inspecting_state"})


def shown(row: QuotaRow) -> bool:
    return row.kind not in PAIRWISE or row.kind == "pair" or row.used + row.pending > 0


def shown_rows(rows: Iterable[QuotaRow]) -> list[QuotaRow]:
    return [r for r in rows if shown(r)]
