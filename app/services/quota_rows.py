"""A range's quota rows, read and evaluated without SQLAlchemy in the import chain.

What the engine is fed for a quota status: each chosen agreement's entries of its window
and the declarations its limits may use, read by app/db/quota_reads.py through either
driver. A quick ``csbm quota`` (app/cli/quick_quota.py) and the general one both come
here. app/services/evaluation.py holds the same reads for whole evaluations; the rows
are held to its ``rows_in_range`` by tests/unit/test_quota_fast_path.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from app.db.quota_reads import counted_in_windows, declarations_in
from app.domain.agreement import Agreement
from app.domain.engine import entry_window, evaluate_rows
from app.domain.quota import QuotaRow, RowKey
from app.services.collection import collection_paused

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.db.plain import PlainSession


@collection_paused
def rows_in_range(
    session: Session | PlainSession,
    agreements: Mapping[str, Agreement],
    *,
    start: dt.date,
    end: dt.date,
    agreement: str | None = None,
    as_of: dt.datetime | None = None,
    state: str | None = None,
) -> list[QuotaRow]:
    """Every chosen agreement's quota rows over the range, in agreement order; with a
    state, only the rows where it receives or inspects are built (``key_concerns``)."""
    chosen = sorted((a for a in agreements.values() if agreement is None or a.id == agreement), key=lambda a: a.id)
    windows = {item.id: entry_window(item, start, end) for item in chosen}
    entries = counted_in_windows(session, windows, as_of)
    declarations = declarations_in(session, _years(windows.values()), as_of)
    day = as_of.date() if as_of is not None else None
    rows: list[QuotaRow] = []
    for item in chosen:
        wanted = _concerning(item, state)
        rows += evaluate_rows(item, entries[item.id], declarations, start=start, end=end, as_of=day, wanted=wanted)
    return rows


def _years(windows: Iterable[tuple[dt.date, dt.date]]) -> range:
    """The years whose declarations limits over the windows may use: each year's and the one before."""
    spans = list(windows)
    if not spans:
        return range(0)
    return range(min(first for first, _ in spans).year - 1, max(last for _, last in spans).year + 1)


def _concerning(agreement: Agreement, state: str | None) -> Callable[[RowKey], bool] | None:
    return None if state is None else partial(key_concerns, agreement, state)


def key_concerns(agreement: Agreement, state: str, key: RowKey) -> bool:
    """Whether ``state`` receives or inspects in the row of this (receiving, inspecting, object)."""
    return party_has_state(agreement, key[0], state) or party_has_state(agreement, key[1], state)


def party_has_state(agreement: Agreement, party: str | None, state: str) -> bool:
    if party is None:
        return False
    if party == state:
        return True
    return any(g.id == party and state in g.states() for g in agreement.groups)
