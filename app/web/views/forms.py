"""The entry form: record an entry or a new revision, with a check step before saving."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from app.domain.agreement import Activity
from app.domain.ledger import LEDGER_COLUMNS, Status
from app.domain.report import entry_json
from app.reporting.i18n import Localizer
from app.reporting.view import ACTIVITY_LABELS, STATUS_LABELS, finding_view, summary_row
from app.services import catalog, ledger
from app.services.ledger_csv import EntryContext, parse_entry
from app.services.states import known_states
from app.web.deps import Db, PageOfficer, now
from app.web.errors import ProblemError
from app.web.views.context import language, render

router = APIRouter(include_in_schema=False)


def _form_page(
    request: Request,
    db: Db,
    user: Any,
    values: dict[str, str],
    *,
    editing: str | None,
    errors: dict[str, str] | None = None,
    check: Any = None,
    status: int = 200,
) -> Response:
    loc = Localizer(language(request))
    impact = []
    if check is not None:
        impact = [
            (summary_row(before, None, loc) if before else None, summary_row(after, None, loc))
            for before, after in check.rows
        ]
    return render(
        request,
        "entry_form.html.j2",
        user,
        status,
        values=values,
        editing=editing,
        errors=errors or {},
        impact=impact,
        new_findings=[finding_view(f, loc) for f in check.findings] if check else [],
        within_quota=check is not None and not check.over_limit,
        checked=check is not None,
        agreements=sorted(catalog.agreements_as_of(db)),
        activities_t=[(a.value, loc._(ACTIVITY_LABELS[a])) for a in Activity],
        statuses_t=[(s.value, loc._(STATUS_LABELS[s])) for s in Status],
    )


@router.get("/entries/new")
def new_entry(request: Request, db: Db, user: PageOfficer) -> Response:
    return _form_page(request, db, user, {"status": "requested"}, editing=None)


@router.get("/entries/{ref}/edit")
def edit_entry(request: Request, db: Db, user: PageOfficer, ref: str) -> Response:
    latest = ledger.latest_revision(db, ref)
    if latest is None:
        raise ProblemError(404, "Not found", f"No entry {ref}.")
    values = {k: "" if v is None else str(v) for k, v in entry_json(latest.entry).items()}
    return _form_page(request, db, user, values, editing=ref)


async def _submitted(request: Request) -> tuple[dict[str, str], str]:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip()[:10_000] for name in (*LEDGER_COLUMNS, "within_quota")}
    return values, str(form.get("action", "check"))


@router.post("/entries/new")
async def submit_new(request: Request, db: Db, user: PageOfficer) -> Response:
    values, action = await _submitted(request)
    return await run_in_threadpool(_submit, request, db, user, values, action, editing=None)


@router.post("/entries/{ref}/edit")
async def submit_edit(request: Request, db: Db, user: PageOfficer, ref: str) -> Response:
    values, action = await _submitted(request)
    values["ref"] = ref
    return await run_in_threadpool(_submit, request, db, user, values, action, editing=ref)


def _submit(
    request: Request, db: Db, user: Any, values: dict[str, str], action: str, *, editing: str | None
) -> Response:
    agreements = catalog.agreements_as_of(db)
    fields = {k: v for k, v in values.items() if k != "within_quota"}
    entry, problems = parse_entry(fields, EntryContext(agreements=agreements, states=known_states()))
    if entry is None:
        return _form_page(request, db, user, values, editing=editing, errors=dict(problems), status=422)
    if editing is None and ledger.latest_revision(db, entry.ref) is not None:
        errors = {
            "ref": Localizer(language(request))._("this reference exists; open the entry to record a new revision")
        }
        return _form_page(request, db, user, values, editing=editing, errors=errors, status=409)
    result = ledger.check_entry(db, entry, agreements[entry.agreement])
    if action != "save":
        return _form_page(request, db, user, values, editing=editing, check=result)
    try:
        ledger.record_entry(
            db, entry, agreements, at=now(), by=user.username, within_quota=values.get("within_quota") == "1"
        )
    except ledger.QuotaRefused as exc:
        return _form_page(request, db, user, values, editing=editing, check=exc.result, status=409)
    except IntegrityError:
        return _form_page(request, db, user, values, editing=editing, errors={"ref": "conflict"}, status=409)
    return RedirectResponse(f"/entries/{entry.ref}", status_code=303)
