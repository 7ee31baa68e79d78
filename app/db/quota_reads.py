"""The read path quota status takes: every agreement's entries of its window in one
query, as plain tuples of only the columns an entry needs.

The general queries (app/db/repositories.py) build ORM-aware rows and domain
entries checked field by field; at a year of tens of thousands of entries that
cost more than the quota engine itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from app.db.models import EntryRevision
from app.db.repositories import _visible, ref_per_row
from app.domain.agreement import Activity
from app.domain.ledger import Cause, LedgerEntry, Status, parse_guests, stored_entry
from app.domain.moments import stored_moment

# In LEDGER_COLUMNS order.
_COLUMNS = (
    ref_per_row(),
    EntryRevision.agreement,
    EntryRevision.activity,
    EntryRevision.inspecting_state,
    EntryRevision.receiving_state,
    EntryRevision.requested_iso,
    EntryRevision.replied_iso,
    EntryRevision.start_iso,
    EntryRevision.end_iso,
    EntryRevision.status,
    EntryRevision.team_size,
    EntryRevision.location,
    EntryRevision.object,
    EntryRevision.notes,
    EntryRevision.guests,
    EntryRevision.cause,
)


def entries_in_windows(
    session: Session, windows: Mapping[str, tuple[dt.date, dt.date]], as_of: dt.datetime | None = None
) -> dict[str, list[LedgerEntry]]:
    """Each agreement's entries (as of ``as_of``) whose start falls in its window [first, last]."""
    found: dict[str, list[LedgerEntry]] = {agreement: [] for agreement in windows}
    if not windows:
        return found
    within = [
        and_(EntryRevision.agreement == agreement, EntryRevision.start_on.between(first, last))
        for agreement, (first, last) in windows.items()
    ]
    query = _visible(select(*_COLUMNS).where(or_(*within)), as_of)
    for row in session.connection().execute(query):
        found[row[1]].append(_entry(row))
    return found


# Enum members by their stored value: a dict lookup, not Enum's call machinery, per row.
_ACTIVITIES = {member.value: member for member in Activity}
_STATUSES = {member.value: member for member in Status}


def _entry(row: Any) -> LedgerEntry:
    ref, agreement, activity, inspecting, receiving, requested, replied, start, end, status, *rest = row
    team_size, location, obj, notes, guests, cause = rest
    return stored_entry(
        (
            ref,
            agreement,
            _ACTIVITIES[activity],
            inspecting,
            receiving,
            stored_moment(requested),
            stored_moment(replied) if replied else None,
            stored_moment(start),
            stored_moment(end),
            _STATUSES[status],
            team_size,
            location,
            obj,
            notes,
            parse_guests(guests) if guests else (),
            Cause(cause) if cause else None,
        )
    )
