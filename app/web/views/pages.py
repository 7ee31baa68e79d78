"""The dashboard and the ledger pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from app.db.repositories import EntryFilter
from app.domain.agreement import Activity
from app.domain.force import status_changes
from app.domain.ledger import LEDGER_COLUMNS, Status
from app.domain.report import entry_json
from app.reporting.i18n import Localizer
from app.reporting.view import ACTIVITY_LABELS, STATUS_LABELS, entry_view, finding_view, summary_row
from app.services import catalog, ledger
from app.services.alerts import open_alerts
from app.services.evaluation import evaluate_range, findings_of, party_has_state, quota_rows
from app.web.deps import Db, PageViewer, now, settings_of
from app.web.errors import ProblemError
from app.web.views.context import language, render

router = APIRouter(include_in_schema=False)
PAGE = 50


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/")
def dashboard(
    request: Request, db: Db, user: PageViewer, state: str | None = None, year: int | None = None
) -> Response:
    home = (state or settings_of(request).home_state or "").upper()[:2] or None
    today = now().date()
    the_year = year if year and 1990 <= year <= 2100 else today.year
    agreements = catalog.agreements_as_of(db)
    loc = Localizer(language(request))
    context: dict[str, Any] = {
        "home": home,
        "year": the_year,
        "accept": [],
        "conduct": [],
        "upcoming": [],
        "findings": [],
        "changes": [],
    }
    if home:
        evaluations = evaluate_range(db, agreements, start=dt.date(the_year, 1, 1), end=dt.date(the_year, 12, 31))
        rows = [
            r for r in quota_rows(evaluations, home) if r.kind not in ("per_object", "per_object_per_inspecting_state")
        ]
        by_id = {ev.agreement.id: ev.agreement for ev in evaluations}
        visible = [r for r in rows if r.kind in ("passive", "active", "pair") or r.used + r.pending > 0]
        context["accept"] = [
            summary_row(r, r.inspecting_state, loc)
            for r in visible
            if party_has_state(by_id[r.agreement], r.receiving_state, home)
        ]
        context["conduct"] = [
            summary_row(r, r.receiving_state, loc)
            for r in visible
            if party_has_state(by_id[r.agreement], r.inspecting_state, home)
        ]
        upcoming, _total = ledger.search_entries(
            db, EntryFilter(state=home, start=today, end=today + dt.timedelta(days=120)), limit=20, offset=0
        )
        context["upcoming"] = [
            entry_view(e, loc) for e in sorted(upcoming, key=lambda e: e.start_day) if e.status.is_pending
        ]
        recent = evaluate_range(db, agreements, start=today - dt.timedelta(days=365), end=today)
        context["findings"] = [finding_view(f, loc) for f in findings_of(recent, home)[:12]]
        context["changes"] = [
            (loc.date(c.day), c.agreement, c.state, c.change, c.toward)
            for a in agreements.values()
            if home in a.parties
            for c in status_changes(a, today - dt.timedelta(days=90), today + dt.timedelta(days=365))
        ]
    return render(
        request,
        "dashboard.html.j2",
        user,
        states=sorted({s for a in agreements.values() for s in a.parties}),
        alerts=open_alerts(db),
        **context,
    )


def _filter(request: Request) -> EntryFilter:
    q = request.query_params
    return EntryFilter(
        agreement=q.get("agreement") or None,
        state=(q.get("state") or "").upper()[:2] or None,
        activity=q.get("activity") or None,
        status=q.get("status") or None,
        start=_date(q.get("from")),
        end=_date(q.get("to")),
        text=(q.get("q") or "")[:100] or None,
    )


@router.get("/ledger")
def ledger_page(request: Request, db: Db, user: PageViewer, page: int = 1) -> Response:
    f = _filter(request)
    page = max(1, min(page, 100_000))
    items, total = ledger.search_entries(db, f, limit=PAGE, offset=(page - 1) * PAGE)
    loc = Localizer(language(request))
    query = "&".join(f"{k}={v}" for k, v in request.query_params.items() if k != "page" and v)
    return render(
        request,
        "ledger.html.j2",
        user,
        entries=[entry_view(e, loc) for e in items],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        filters=request.query_params,
        query=query,
        agreements=sorted(catalog.agreements_as_of(db)),
        activities=[(a.value, ACTIVITY_LABELS[a]) for a in Activity],
        statuses=[(s.value, STATUS_LABELS[s]) for s in Status],
    )


@router.get("/ledger.csv")
def ledger_csv(request: Request, db: Db, _user: PageViewer) -> Response:
    """The filtered view as a ledger CSV, in the import format."""
    items, _total = ledger.search_entries(db, _filter(request), limit=100_000, offset=0)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(LEDGER_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for entry in items:
        writer.writerow(entry.as_record())
    return StreamingResponse(
        iter([out.getvalue()]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ledger.csv"'},
    )


@router.get("/entries/{ref}")
def entry_page(request: Request, db: Db, user: PageViewer, ref: str) -> Response:
    revisions = ledger.entry_history(db, ref)
    if not revisions:
        raise ProblemError(404, "Not found", f"No entry {ref}.")
    loc = Localizer(language(request))
    timeline: list[dict[str, Any]] = []
    previous: dict[str, Any] = {}
    for r in revisions:
        record = entry_json(r.entry)
        changes = [(k, previous[k], v) for k, v in record.items() if previous and previous[k] != v]
        timeline.append(
            {"revision": r.revision, "at": loc.datetime(_utc(r.recorded_at)), "by": r.recorded_by, "changes": changes}
        )
        previous = record
    latest = revisions[-1].entry
    findings = ledger.entry_findings(db, latest, catalog.agreements_as_of(db))
    return render(
        request,
        "entry.html.j2",
        user,
        entry=entry_view(latest, loc),
        record=entry_json(latest),
        timeline=list(reversed(timeline)),
        findings=[finding_view(f, loc) for f in findings],
    )


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


@router.get("/entries")
def entries_redirect() -> Response:
    return RedirectResponse("/ledger", status_code=303)
