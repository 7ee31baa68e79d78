"""Agreements, findings and reports pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.catalog.loader import CatalogError
from app.domain.errors import DomainError
from app.domain.report import parse_period
from app.reporting.i18n import LANGUAGES, Localizer
from app.reporting.view import finding_view
from app.services import catalog, reports, status
from app.services.errors import InvalidInput
from app.web.deps import Db, PageAdmin, PageOfficer, PageViewer, now, settings_of
from app.web.errors import ProblemError
from app.web.views.context import field_errors, language, render

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
    asked = {name: q.get(name) or "" for name in ("from", "to", "agreement", "state")}
    agreements = [(a, a) for a in sorted(catalog.agreements_as_of(db))]
    try:
        query = status.findings_query(
            db,
            date_from=asked["from"],
            date_to=asked["to"],
            agreement=asked["agreement"],
            state=asked["state"],
            as_of=None,
            today=now().date(),
        )
    except InvalidInput as exc:
        return render(
            request,
            "findings.html.j2",
            user,
            422,
            findings=[],
            asked=asked,
            errors=field_errors(exc),
            agreements=agreements,
        )
    loc = Localizer(language(request))
    shown = asked | {"from": query.start.isoformat(), "to": query.end.isoformat()}
    found = [finding_view(f, loc) for f in status.findings(db, query)]
    return render(request, "findings.html.j2", user, findings=found, asked=shown, errors={}, agreements=agreements)


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
