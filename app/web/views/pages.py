"""The dashboard and the ledger pages."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from app.domain.agreement import Activity
from app.domain.checklist import EVENT_LABELS, Item
from app.domain.ledger import Status
from app.domain.messages import N_
from app.reporting.i18n import Localizer
from app.reporting.labels import ACTIVITY_LABELS, STATUS_LABELS
from app.reporting.view import entry_view, finding_view, summary_row
from app.services import catalog, checklist, dashboard, deadlines, entries, ledger_query
from app.services.accounts import Principal
from app.services.alerts import open_alerts
from app.services.errors import Conflict, InvalidInput
from app.web.deps import Db, PageOfficer, PageViewer, now, settings_of
from app.web.views.context import field_errors, language, render
from app.web.views.due import deadline_rows

router = APIRouter(include_in_schema=False)
PAGE = 50
CHOOSE_ANSWER = N_("choose whether the request is accepted or refused")


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _dashboard_context(
    found: dashboard.Dashboard, request: Request, db: Db, at: dt.datetime, loc: Localizer
) -> dict[str, Any]:
    quotas = found.quotas
    return {
        "due": deadline_rows(found.due, request, db, at, loc),
        "accept": [summary_row(r, r.inspecting_state, loc) for r in quotas.accept] if quotas else [],
        "conduct": [summary_row(r, r.receiving_state, loc) for r in quotas.conduct] if quotas else [],
        "upcoming": [entry_view(e, loc) for e in found.upcoming],
        "findings": [finding_view(f, loc) for f in found.findings],
        "changes": [(loc.date(c.day), c.agreement, c.state, c.change, c.toward) for c in found.changes],
    }


@router.get("/")
def home(request: Request, db: Db, user: PageViewer, state: str | None = None, year: int | None = None) -> Response:
    loc = Localizer(language(request))
    chosen = state or settings_of(request).home_state
    try:
        at = now()
        found = dashboard.dashboard(db, state=chosen, year=year, today=at.date(), at=at)
    except InvalidInput as exc:
        states = sorted({s for a in catalog.agreements_as_of(db).values() for s in a.parties})
        values = {"home": None, "year": year, "states": states, "accept": [], "conduct": [], "due": []}
        return render(request, "dashboard.html.j2", user, 422, errors=field_errors(exc), alerts=[], **values)
    return render(
        request,
        "dashboard.html.j2",
        user,
        home=found.home,
        year=found.year,
        states=found.states,
        alerts=open_alerts(db, loc.lang),
        errors={},
        **_dashboard_context(found, request, db, at, loc),
    )


def _filter(request: Request) -> ledger_query.EntryFilter:
    q = request.query_params
    return ledger_query.EntryFilter(
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
    page = max(1, min(page, 100_000))
    items, total = ledger_query.search(db, _filter(request), limit=PAGE, offset=(page - 1) * PAGE)
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
    out = io.StringIO()
    ledger_query.write_csv(db, _filter(request), out)
    return StreamingResponse(
        iter([out.getvalue()]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ledger.csv"'},
    )


def checklist_view(items: list[Item], lang: str) -> list[dict[str, Any]]:
    return [
        {
            "value": f"{i.event}:{i.agency.id}",
            "event": EVENT_LABELS[i.event],
            "agency": i.agency.name(lang),
            "done": i.done,
            "done_at": i.mark.done_at if i.mark else None,
            "done_by": i.mark.done_by if i.mark else None,
        }
        for i in items
    ]


@router.get("/entries/{ref}")
def entry_page(request: Request, db: Db, user: PageViewer, ref: str) -> Response:
    return render_entry(request, db, user, ref)


def render_entry(
    request: Request,
    db: Db,
    user: Principal,
    ref: str,
    *,
    reply_errors: dict[str, str] | None = None,
    status: int = 200,
    checklist_error: str | None = None,
) -> Response:
    """The entry's page: its facts, deadlines, findings, checklist of agencies to inform, revisions."""
    revisions = entries.history(db, ref)
    found = entries.detail(db, ref)
    loc = Localizer(language(request))
    timeline = [
        {"revision": r.revision, "at": loc.datetime(r.recorded_at), "by": r.recorded_by, "changes": r.changes}
        for r in reversed(revisions)
    ]
    at = now()
    awaits = found.entry.status is Status.REQUESTED and found.entry.replied_at is None
    items = checklist_view(checklist.items(db, found.entry, settings_of(request).home_state), loc.lang)
    return render(
        request,
        "entry.html.j2",
        user,
        status,
        entry=entry_view(found.entry, loc),
        record=found.latest.record,
        timeline=timeline,
        findings=[finding_view(f, loc) for f in found.findings],
        deadlines=deadline_rows(deadlines.for_entry(db, found.entry, at=at), request, db, at, loc),
        awaits_reply=awaits,
        reply_errors=reply_errors or {},
        reply_values={"replied_at": ""},
        checklist=[{**i, "done_at": loc.datetime(i["done_at"]) if i["done_at"] else None} for i in items],
        checklist_error=checklist_error,
    )


@router.post("/entries/{ref}/reply")
async def record_reply(request: Request, db: Db, user: PageOfficer, ref: str) -> Response:
    """The "Record reply" form: accepted or refused, at a moment (default now); a new revision."""
    form = await request.form()
    answer, when = str(form.get("answer", "")), str(form.get("replied_at", "")).strip()[:40]
    return await run_in_threadpool(_reply, request, db, user, ref, answer, when)


def _reply(request: Request, db: Db, user: Principal, ref: str, answer: str, when: str) -> Response:
    recorded_at = now()
    try:
        if answer not in ("accept", "refuse"):
            raise InvalidInput.one("answer", CHOOSE_ANSWER)
        replied_at = deadlines.parse_at(when, recorded_at, field="replied_at")
        entries.reply(db, ref, accept=answer == "accept", replied_at=replied_at, at=recorded_at, by=user.username)
    except InvalidInput as exc:
        return render_entry(request, db, user, ref, reply_errors=field_errors(exc), status=422)
    except Conflict as exc:
        return render_entry(request, db, user, ref, reply_errors={"answer": exc.message}, status=409)
    return RedirectResponse(f"/entries/{ref}", status_code=303)


@router.get("/entries")
def entries_redirect() -> Response:
    return RedirectResponse("/ledger", status_code=303)
