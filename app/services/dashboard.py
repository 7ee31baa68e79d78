"""The dashboard: one state's year at a glance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.domain.agreement import StatusChange
from app.domain.deadlines import Deadline
from app.domain.findings import Finding
from app.domain.force import status_changes
from app.domain.ledger import LedgerEntry
from app.services import deadlines, ledger_query, status
from app.services.evaluation import evaluate_range, findings_of

RECENT_DAYS = 365
RECENT_FINDINGS = 12
CHANGES_BEHIND, CHANGES_AHEAD = 90, 365


@dataclass(frozen=True, slots=True)
class Dashboard:
    home: str | None
    year: int
    states: list[str]  # every party of a loaded agreement, to choose from
    quotas: status.QuotaStatus | None = None
    upcoming: list[LedgerEntry] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)
    due: list[Deadline] = field(default_factory=list)  # the next 72 hours', ours first


def dashboard(
    session: Session, *, state: str | None, year: int | None, today: dt.date, at: dt.datetime | None = None
) -> Dashboard:
    """The quotas ``state`` must still accept and may still conduct in ``year``, its upcoming
    activities and deadlines (as at ``at``, default the start of ``today``), the last year's
    findings about it, and changes in its agreements' force."""
    query = status.quota_query(session, year=year, agreement=None, state=state, as_of=None, today=today)
    states = sorted({s for a in query.agreements.values() for s in a.parties})
    home = query.state
    if home is None:
        return Dashboard(home=None, year=query.year, states=states)
    since = today - dt.timedelta(days=RECENT_DAYS)
    recent = evaluate_range(session, query.agreements, start=since, end=today, with_rows=False, about_state=home)
    changes = [
        c
        for a in query.agreements.values()
        if home in a.parties
        for c in status_changes(a, today - dt.timedelta(days=CHANGES_BEHIND), today + dt.timedelta(days=CHANGES_AHEAD))
    ]
    return Dashboard(
        home=home,
        year=query.year,
        states=states,
        quotas=status.quota_status(session, query),
        upcoming=ledger_query.upcoming(session, home, today),
        findings=findings_of(recent, home)[:RECENT_FINDINGS],
        changes=changes,
        due=_due_soon(session, home, at or dt.datetime.combine(today, dt.time(), dt.UTC)),
    )


def _due_soon(session: Session, home: str, at: dt.datetime) -> list[Deadline]:
    found = deadlines.due(session, at=at, within=deadlines.DASHBOARD_WITHIN, state=home, home=home)
    return deadlines.ours_first(found, home)
