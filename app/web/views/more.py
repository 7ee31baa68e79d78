"""Agreements, findings, declarations and reports pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.catalog.loader import CatalogError
from app.domain.errors import DomainError
from app.domain.ledger import Declaration
from app.domain.report import parse_period
from app.reporting.i18n import LANGUAGES, Localizer
from app.reporting.view import finding_view
from app.services import catalog, ledger, reports
from app.services.evaluation import evaluate_range, findings_of
from app.web.deps import Db, PageAdmin, PageOfficer, PageViewer, now, settings_of
from app.web.errors import ProblemError
from app.web.views.context import language, render

router = APIRouter(include_in_schema=False)


@router.get("/agreements")
def agreements_page(request: Request, db: Db, user: PageViewer) -> Response:
    return render(request, "agreements.html.j2", user, agreements=catalog.list_agreements(db))


@router.post("/agreements/load")
def load_agreements(request: Request, db: Db, user: PageAdmin) -> Response:
    try:
        catalog.load_agreements(db, None, at=now(), by=user.username)
    except CatalogError as exc:
        raise ProblemError(422, "Invalid agreement files", str(exc)) from None
    return RedirectResponse("/agreements", status_code=303)


@router.get("/agreements/{agreement_id}")
def agreement_page(request: Request, db: Db, user: PageViewer, agreement_id: str) -> Response:
    found = catalog.agreements_as_of(db).get(agreement_id)
    if found is None:
        raise ProblemError(404, "Not found", f"No agreement {agreement_id}.")
    return render(request, "agreement.html.j2", user, a=catalog.describe_agreement(found))


@router.get("/findings")
def findings_page(request: Request, db: Db, user: PageViewer) -> Response:
    q = request.query_params
    try:
        start = dt.date.fromisoformat(q["from"]) if q.get("from") else dt.date(now().year, 1, 1)
        end = dt.date.fromisoformat(q["to"]) if q.get("to") else dt.date(start.year, 12, 31)
    except ValueError:
        start, end = dt.date(now().year, 1, 1), dt.date(now().year, 12, 31)
    end = max(end, start)
    agreement = q.get("agreement") or None
    agreements = catalog.agreements_as_of(db)
    if agreement not in agreements:
        agreement = None
    state = (q.get("state") or "").upper()[:2] or None
    found = findings_of(
        evaluate_range(db, agreements, start=start, end=min(end, start + dt.timedelta(days=3660)), agreement=agreement),
        state,
    )
    loc = Localizer(language(request))
    return render(
        request,
        "findings.html.j2",
        user,
        findings=[finding_view(f, loc) for f in found],
        start=start,
        end=end,
        agreement=agreement or "",
        state=state or "",
        agreements=sorted(agreements),
    )


@router.get("/declarations")
def declarations_page(request: Request, db: Db, user: PageViewer) -> Response:
    return render(request, "declarations.html.j2", user, declarations=ledger.list_declarations(db), error=None)


@router.post("/declarations")
def declare(
    request: Request,
    db: Db,
    user: PageOfficer,
    state: Annotated[str, Form(max_length=40)],
    year: Annotated[int, Form(ge=1900, le=2200)],
    name: Annotated[str, Form(max_length=40)],
    value: Annotated[int, Form(ge=0)],
    source: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        ledger.declare(
            db,
            Declaration(state=state.strip(), year=year, name=name.strip(), value=value, source=source),
            at=now(),
            by=user.username,
        )
    except DomainError as exc:
        return render(
            request, "declarations.html.j2", user, 422, declarations=ledger.list_declarations(db), error=str(exc)
        )
    return RedirectResponse("/declarations", status_code=303)


def _reports_dir(request: Request) -> Path:
    return Path(settings_of(request).reports_dir)


@router.get("/reports")
def reports_page(request: Request, user: PageViewer) -> Response:
    return render(
        request,
        "reports.html.j2",
        user,
        filed=reports.list_reports(_reports_dir(request)),
        error=None,
        formats=reports.FORMATS,
        home_state=settings_of(request).home_state or "",
    )


@router.post("/reports")
async def generate(request: Request, db: Db, user: PageOfficer) -> Response:
    form = await request.form()
    formats = [str(f) for f in form.getlist("formats") if f in reports.FORMATS] or ["html"]
    languages = [str(lang) for lang in form.getlist("languages") if lang in LANGUAGES] or [language(request)]
    home = str(form.get("home_state", "")).strip().upper()[:2] or None
    # Rendering and the database are blocking work: off the event loop.
    return await run_in_threadpool(_generate, request, db, user, str(form.get("period", "")), formats, languages, home)


def _generate(
    request: Request,
    db: Db,
    user: PageOfficer,
    period_text: str,
    formats: list[str],
    languages: list[str],
    home: str | None,
) -> Response:
    try:
        period = parse_period(period_text)
    except DomainError as exc:
        return render(
            request,
            "reports.html.j2",
            user,
            422,
            filed=reports.list_reports(_reports_dir(request)),
            error=str(exc),
            formats=reports.FORMATS,
            home_state=home or "",
        )
    reports.generate_report(
        db,
        period,
        formats=formats,
        languages=languages,
        out=_reports_dir(request),
        generated_at=now(),
        home_state=home,
        by=user.username,
    )
    return RedirectResponse("/reports", status_code=303)
