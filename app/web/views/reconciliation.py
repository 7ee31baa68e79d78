"""Reconciliation pages: upload a partner's statement, read the result, resolve the differences.

Everything goes through the same services as ``csbm reconcile``; a refused
statement is shown with its message, and nothing is recorded.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.domain.errors import DomainError
from app.domain.proposal import record_of
from app.domain.reconcile import DEFAULT_TOLERANCE_DAYS, Kind, Resolution
from app.domain.statement_reader import MAX_BYTES
from app.reporting.i18n import LANGUAGES, Localizer
from app.reporting.reconciliation import KINDS, RESOLUTIONS
from app.services import ledger, reconciliation, reconciliation_view
from app.services.reconciliation_report import FORMATS, MEDIA_TYPES, render_report
from app.web.deps import Db, PageOfficer, PageViewer, now, settings_of
from app.web.errors import ProblemError
from app.web.views.context import language, render
from app.web.views.forms import _form_page

router = APIRouter(include_in_schema=False)


def _list_page(request: Request, db: Db, user: Any, *, error: str | None = None, status: int = 200) -> Response:
    return render(
        request,
        "reconciliations.html.j2",
        user,
        status,
        reconciliations=reconciliation_view.list_reconciliations(db),
        error=error,
        home_state=settings_of(request).home_state or "",
        tolerance=DEFAULT_TOLERANCE_DAYS,
    )


@router.get("/reconciliations")
def reconciliations_page(request: Request, db: Db, user: PageViewer) -> Response:
    return _list_page(request, db, user)


@router.post("/reconciliations")
async def upload_statement(
    request: Request,
    db: Db,
    user: PageOfficer,
    statement: Annotated[UploadFile, File(description="The partner's statement: csbm JSON, or the CSV form")],
    tolerance_days: Annotated[int, Form(ge=0, le=31)] = DEFAULT_TOLERANCE_DAYS,
) -> Response:
    # Declared as File/Form parameters so that FastAPI parses the body before the
    # role and CSRF checks, and closes the uploaded file whatever the outcome.
    data = await statement.read(MAX_BYTES + 1)
    name = statement.filename or "statement"
    return await run_in_threadpool(_reconcile, request, db, user, data, name, tolerance_days)


def _reconcile(request: Request, db: Db, user: Any, data: bytes, name: str, tolerance: int) -> Response:
    home = settings_of(request).home_state
    if not home:
        message = Localizer(language(request))._(
            "The home state is not configured (CSBM_HOME_STATE); nothing was recorded."
        )
        return _list_page(request, db, user, error=message, status=422)
    try:
        number = reconciliation.reconcile(
            db, data, name, home=home.upper(), tolerance_days=tolerance, at=now(), by=user.username
        )
    except DomainError as exc:
        return _list_page(request, db, user, error=str(exc), status=422)
    return RedirectResponse(f"/reconciliations/{number}", status_code=303)


def _view(db: Db, number: int) -> reconciliation_view.ReconciliationView:
    try:
        return reconciliation_view.load_reconciliation(db, number)
    except DomainError:
        raise ProblemError(404, "Not found", f"No reconciliation {number}.") from None


@router.get("/reconciliations/{number}")
def reconciliation_page(request: Request, db: Db, user: PageViewer, number: int) -> Response:
    return _result_page(request, db, user, number)


def _result_page(
    request: Request, db: Db, user: Any, number: int, *, errors: dict[int, str] | None = None, status: int = 200
) -> Response:
    view = _view(db, number)
    loc = Localizer(language(request))
    resolved = view.resolutions()
    items = []
    for n, item in enumerate(view.items, 1):
        found = resolved.get(n)
        items.append(
            {
                "number": n,
                "kind": item.kind.value,
                "kind_label": loc._(KINDS[item.kind.value]),
                "record": record_of(item) or {},
                "ours": item.ours,
                "theirs": item.theirs,
                "fields": ", ".join(item.fields),
                "resolution": loc._(RESOLUTIONS[found.resolution.value]) if found else "",
                "resolved": found,
                "proposal": found is not None and found.resolution is Resolution.AGREED_AS_THEIRS,
                "open": item.kind is not Kind.AGREED,
            }
        )
    return render(
        request,
        "reconciliation.html.j2",
        user,
        status,
        r=view.as_json(),
        items=items,
        quotas=[q.as_json() for q in view.quotas],
        resolutions=[(r.value, loc._(RESOLUTIONS[r.value])) for r in Resolution],
        errors=errors or {},
        languages=LANGUAGES,
        formats=FORMATS,
    )


@router.post("/reconciliations/{number}/items/{item}")
async def resolve_item(request: Request, db: Db, user: PageOfficer, number: int, item: int) -> Response:
    form = await request.form()
    chosen, note = str(form.get("resolution", "")), str(form.get("note", ""))[:5_000]
    return await run_in_threadpool(_resolve, request, db, user, number, item, chosen, note)


def _resolve(request: Request, db: Db, user: Any, number: int, item: int, chosen: str, note: str) -> Response:
    try:
        reconciliation.resolve(db, number, item, Resolution(chosen), note, at=now(), by=user.username)
    except ValueError as exc:  # DomainError is a ValueError, and so is an unknown resolution
        message = str(exc) if isinstance(exc, DomainError) else Localizer(language(request))._("Choose a resolution.")
        return _result_page(request, db, user, number, errors={item: message}, status=422)
    return RedirectResponse(f"/reconciliations/{number}#item-{item}", status_code=303)


@router.get("/reconciliations/{number}/items/{item}/proposal")
def proposal_form(request: Request, db: Db, user: PageOfficer, number: int, item: int) -> Response:
    """The entry form filled with the partner's version: the officer checks it and saves it as usual."""
    view = _view(db, number)
    if not 1 <= item <= len(view.items):
        raise ProblemError(404, "Not found", f"Reconciliation {number} has no item {item}.")
    proposed = view.proposal(item)
    if proposed is None:
        raise ProblemError(404, "Not found", f"Item {item} is agreed: there is nothing to propose.")
    existing = ledger.latest_revision(db, proposed["ref"]) is not None
    return _form_page(request, db, user, proposed, editing=proposed["ref"] if existing else None)


@router.get("/reconciliations/{number}/report.{fmt}")
def report_download(request: Request, db: Db, user: PageViewer, number: int, fmt: str, lang: str = "") -> Response:
    if fmt not in FORMATS:
        raise ProblemError(404, "Not found", f"No report format {fmt}.")
    chosen = lang if lang in LANGUAGES else language(request)
    data = render_report(_view(db, number), fmt, chosen)
    filename = f"reconciliation-{number}.{chosen}.{fmt}"
    return Response(
        data, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
