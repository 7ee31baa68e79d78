"""API: agreements, quota status, findings, reports, and the health and readiness checks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from app.catalog.loader import CatalogError
from app.domain.errors import DomainError
from app.domain.report import parse_period
from app.reporting.i18n import LANGUAGES
from app.services import catalog, reports, status
from app.services.accounts import Role
from app.services.evaluation import QuotaCache
from app.services.health import readiness
from app.web.deps import (
    Admin,
    Db,
    Officer,
    Viewer,
    authorize,
    bearer_principal_with_version,
    now,
    request_transaction,
    settings_of,
)
from app.web.errors import ProblemError
from app.web.schemas import FindingOut, QuotaRowOut, ReportIn, ReportOut, WrittenOut

router = APIRouter(prefix="/api/v1", tags=["status"])
QUOTA_CACHE = QuotaCache()
StateQuery = Annotated[str | None, Query(max_length=40, description="Only rows where this state receives or inspects")]
AsOf = Annotated[str | None, Query(max_length=40, description="Replay as recorded at this time (a date: its end)")]


@router.get("/health", tags=["health"])
def health() -> dict[str, str]:
    """Liveness only; it reveals nothing and needs no login."""
    return {"status": "ok"}


@router.get("/ready", tags=["health"])
def ready(request: Request) -> Any:
    """Readiness, for a load balancer: 200 when the database answers and is at the newest
    migration, else 503 problem+json. It needs no login and names no internals."""
    found = readiness(request.app.state.engine)
    if not found.ready:
        raise ProblemError(503, "Not ready", found.detail, retry_after=5)
    return {"status": "ready"}


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
    return [r.as_json() for r in results]


@router.get("/agreements/{agreement_id}")
def get_agreement(db: Db, _user: Viewer, agreement_id: str) -> dict[str, Any]:
    """The agreement's rules with their sources and confidence, and the parties' status timelines."""
    found = catalog.agreements_as_of(db).get(agreement_id)
    if found is None:
        raise ProblemError(404, "Not found", f"No agreement {agreement_id}.")
    return catalog.describe_agreement(found)


@router.get("/quota", response_model=list[QuotaRowOut])
async def quota(
    request: Request,
    year: int | None = None,
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
    if not as_of:
        hit = await run_in_threadpool(_cached_quota, request, year, agreement, state)
        if hit is not None:
            return Response(content=hit, media_type="application/json")
    return await run_in_threadpool(_quota, request, year, agreement, state, as_of)


def _cached_quota(request: Request, year: int | None, agreement: str | None, state: str | None) -> bytes | None:
    found = bearer_principal_with_version(request, Role.VIEWER)
    if found is None:
        return None
    the_year = year if year is not None else status.default_year(None, now().date())
    return QUOTA_CACHE.json_at(found[1], year=the_year, agreement=agreement or None, state=state or None)


def _quota(request: Request, year: int | None, agreement: str | None, state: str | None, as_of: str | None) -> Any:
    with request_transaction(request) as db:
        authorize(request, db, Role.VIEWER)
        query = status.quota_query(db, year=year, agreement=agreement, state=state, as_of=as_of, today=now().date())
        if query.as_of is None:
            # Returned as ready bytes: FastAPI then skips re-validating hundreds of rows
            # against QuotaRowOut (the schema stays documented; the rows are built to it).
            body = QUOTA_CACHE.json(db, query.agreements, year=query.year, agreement=query.agreement, state=query.state)
            return Response(content=body, media_type="application/json")
        return [r.as_json() for r in status.rows_of(db, query)]


@router.get("/findings", response_model=list[FindingOut])
def findings(
    db: Db,
    _user: Viewer,
    date_from: Annotated[str | None, Query(alias="from", max_length=40, description="An ISO date (YYYY-MM-DD)")] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=40, description="An ISO date (YYYY-MM-DD)")] = None,
    agreement: str | None = None,
    state: StateQuery = None,
    as_of: AsOf = None,
) -> list[dict[str, Any]]:
    """The same findings as `csbm findings --json`."""
    query = status.findings_query(
        db, date_from=date_from, date_to=date_to, agreement=agreement, state=state, as_of=as_of, today=now().date()
    )
    return [f.as_json() for f in status.findings(db, query)]


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
