"""API: agreements, quota status, findings, reports, and a trivial health check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from app.catalog.loader import CatalogError
from app.db.session import transaction
from app.domain.errors import DomainError
from app.domain.report import parse_period
from app.reporting.i18n import LANGUAGES
from app.services import catalog, reports
from app.services.accounts import Role
from app.services.evaluation import QuotaCache, evaluate_range, findings_of, quota_rows
from app.web.deps import Admin, Db, Officer, Viewer, authorize, bearer_principal_with_version, now, settings_of
from app.web.errors import ProblemError
from app.web.schemas import FindingOut, QuotaRowOut, ReportIn, ReportOut, WrittenOut

router = APIRouter(prefix="/api/v1", tags=["status"])
QUOTA_CACHE = QuotaCache()
StateQuery = Annotated[str | None, Query(max_length=2, description="Only rows where this state receives or inspects")]
AsOf = Annotated[dt.datetime | None, Query(description="Replay as recorded at this time")]


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@router.get("/health", tags=["health"])
def health() -> dict[str, str]:
    """Liveness only; it reveals nothing and needs no login."""
    return {"status": "ok"}


@router.get("/agreements")
def list_agreements(db: Db, _user: Viewer) -> list[dict[str, Any]]:
    return catalog.list_agreements(db)


@router.post("/agreements/load")
def load_agreements(db: Db, user: Admin) -> list[dict[str, Any]]:
    """Load the shipped agreement files; each changed file becomes a new version (admin)."""
    try:
        results = catalog.load_agreements(db, None, at=now(), by=user.username)
    except CatalogError as exc:
        raise ProblemError(
            422, "Invalid agreement files", str(exc), errors=[{"field": i.path, "message": str(i)} for i in exc.issues]
        ) from None
    return [
        {"agreement": r.agreement_id, "version": r.version, "changed": r.changed, "sha256": r.sha256} for r in results
    ]


@router.get("/agreements/{agreement_id}")
def get_agreement(db: Db, _user: Viewer, agreement_id: str) -> dict[str, Any]:
    """The agreement's rules with their sources and confidence, and the parties' status timelines."""
    found = catalog.agreements_as_of(db).get(agreement_id)
    if found is None:
        raise ProblemError(404, "Not found", f"No agreement {agreement_id}.")
    return catalog.describe_agreement(found)


def _known(db: Db, agreement: str | None, as_of: dt.datetime | None) -> dict[str, Any]:
    agreements = catalog.agreements_as_of(db, as_of)
    if agreement is not None and agreement not in agreements:
        raise ProblemError(404, "Not found", f"No agreement {agreement}.")
    return agreements


@router.get("/quota", response_model=list[QuotaRowOut])
async def quota(
    request: Request,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    agreement: str | None = None,
    state: StateQuery = None,
    as_of: AsOf = None,
) -> Any:
    """The same rows as `csbm quota --json`. Viewer role.

    Dashboards poll this. When the answer for the current ledger version is
    cached, the token and the version are read in one round trip and the cached
    bytes returned; anything else (no cache, a session cookie, a bad token, a
    replay) takes the full path with its own transaction.
    """
    when = _utc(as_of)
    the_year = year or (when or now()).year
    if when is None:
        hit = await run_in_threadpool(_cached_quota, request, the_year, agreement, state)
        if hit is not None:
            return Response(content=hit, media_type="application/json")
    return await run_in_threadpool(_quota, request, the_year, agreement, state, when)


def _cached_quota(request: Request, year: int, agreement: str | None, state: str | None) -> bytes | None:
    found = bearer_principal_with_version(request, Role.VIEWER)
    if found is None:
        return None
    return QUOTA_CACHE.json_at(found[1], year=year, agreement=agreement, state=state)


def _quota(request: Request, year: int, agreement: str | None, state: str | None, when: dt.datetime | None) -> Any:
    with transaction(request.app.state.engine) as db:
        authorize(request, db, Role.VIEWER)
        agreements = _known(db, agreement, when)
        if when is None:
            # Returned as ready bytes: FastAPI then skips re-validating hundreds of rows
            # against QuotaRowOut (the schema stays documented; the rows are built to it).
            body = QUOTA_CACHE.json(db, agreements, year=year, agreement=agreement, state=state)
            return Response(content=body, media_type="application/json")
        evaluations = evaluate_range(
            db, agreements, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31), agreement=agreement, as_of=when
        )
        return [r.as_json() for r in quota_rows(evaluations, state)]


@router.get("/findings", response_model=list[FindingOut])
def findings(
    db: Db,
    _user: Viewer,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    agreement: str | None = None,
    state: StateQuery = None,
    as_of: AsOf = None,
) -> list[dict[str, Any]]:
    """The same findings as `csbm findings --json`."""
    when = _utc(as_of)
    start = date_from or dt.date((when or now()).year, 1, 1)
    end = date_to or dt.date(start.year, 12, 31)
    if end < start:
        raise ProblemError(
            422, "Invalid request", "'to' is before 'from'.", errors=[{"field": "to", "message": "before from"}]
        )
    if (end - start).days > 366 * 40:
        raise ProblemError(
            422,
            "Invalid request",
            "Ask for at most 40 years at a time.",
            errors=[{"field": "to", "message": "range too long"}],
        )
    agreements = _known(db, agreement, when)
    evaluations = evaluate_range(db, agreements, start=start, end=end, agreement=agreement, as_of=when)
    return [f.as_json() for f in findings_of(evaluations, state)]


def _reports_dir(request: Request) -> Path:
    return Path(settings_of(request).reports_dir)


@router.get("/reports", response_model=list[ReportOut])
def list_reports(request: Request, _user: Viewer) -> list[dict[str, Any]]:
    return reports.list_reports(_reports_dir(request))


@router.post("/reports", response_model=WrittenOut, status_code=201)
def generate_report(request: Request, db: Db, user: Officer, body: ReportIn) -> dict[str, Any]:
    """Generate (file) a report; unchanged inputs write nothing, changed ones a new revision."""
    try:
        period = parse_period(body.period)
    except DomainError as exc:
        raise ProblemError(
            422, "Invalid request", exc.message, errors=[{"field": "period", "message": exc.message}]
        ) from None
    bad = [f for f in body.formats if f not in reports.FORMATS] + [
        lang for lang in body.languages if lang not in LANGUAGES
    ]
    if bad:
        raise ProblemError(
            422,
            "Invalid request",
            f"Unknown format or language: {', '.join(bad)}.",
            errors=[{"field": "formats", "message": f"use {', '.join(reports.FORMATS)} and {', '.join(LANGUAGES)}"}],
        )
    written = reports.generate_report(
        db,
        period,
        formats=list(dict.fromkeys(body.formats)),
        languages=list(dict.fromkeys(body.languages)),
        out=_reports_dir(request),
        generated_at=now(),
        home_state=body.home_state or settings_of(request).home_state,
        by=user.username,
    )
    return {"folder": written.folder.name, "written": written.written, "unchanged": written.unchanged}


@router.get("/reports/{folder}/{lang}/{name}", response_class=FileResponse)
def download_report(request: Request, _user: Viewer, folder: str, lang: str, name: str) -> FileResponse:
    """One file of a filed report. Nothing outside the reports folder can be reached."""
    path = reports.report_file(_reports_dir(request), folder, f"{lang}/{name}")
    if path is None:
        raise ProblemError(404, "Not found", "No such report file.")
    return FileResponse(path, media_type=reports.MEDIA_TYPES[path.suffix], filename=f"{folder}-{lang}-{name}")
