"""The entry form: record an entry or a new revision, with a check step before saving."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.domain.agreement import Activity
from app.domain.ledger import LEDGER_COLUMNS, Cause, Status
from app.reporting.i18n import Localizer
from app.reporting.labels import ACTIVITY_LABELS, CAUSE_LABELS, STATUS_LABELS
from app.reporting.view import finding_view, summary_row
from app.services import catalog, entries, ledger
from app.services.accounts import Principal
from app.services.errors import Conflict, InvalidInput
from app.web.deps import Db, PageOfficer, now, settings_of
from app.web.views.context import field_errors, language, render

router = APIRouter(include_in_schema=False)


def _form_page(
    request: Request,
    db: Db,
    user: Principal,
    values: dict[str, str],
    *,
    editing: str | None,
    errors: dict[str, str] | None = None,
    check: ledger.CheckResult | None = None,
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
        causes_t=[(c.value, loc._(CAUSE_LABELS[c])) for c in Cause],
    )


@router.get("/entries/new")
def new_entry(request: Request, db: Db, user: PageOfficer) -> Response:
    return _form_page(request, db, user, {"status": "requested"}, editing=None)


@router.get("/entries/{ref}/edit")
def edit_entry(request: Request, db: Db, user: PageOfficer, ref: str) -> Response:
    # The fields as the CSV writes them: guests as STATE:N pairs, objects joined by ';'.
    return _form_page(request, db, user, entries.existing(db, ref).as_record(), editing=ref)


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
    request: Request, db: Db, user: Principal, values: dict[str, str], action: str, *, editing: str | None
) -> Response:
    """Check the entry and show what it would do; with "save", record it too."""
    fields = {k: v for k, v in values.items() if k != "within_quota"}
    try:
        result = entries.check(db, fields, new=editing is None)
        if action != "save":
            return _form_page(request, db, user, values, editing=editing, check=result)
        within = values.get("within_quota") == "1"
        home = settings_of(request).home_state
        recorded = entries.record(
            db, fields, at=now(), by=user.username, within_quota=within, new=editing is None, home_state=home
        )
    except InvalidInput as exc:
        return _form_page(request, db, user, values, editing=editing, errors=field_errors(exc), status=422)
    except ledger.QuotaRefused as exc:
        return _form_page(request, db, user, values, editing=editing, check=exc.result, status=409)
    except Conflict as exc:
        errors = {exc.field or "ref": exc.message}
        return _form_page(request, db, user, values, editing=editing, errors=errors, status=409)
    return RedirectResponse(f"/entries/{recorded.entry.ref}", status_code=303)
