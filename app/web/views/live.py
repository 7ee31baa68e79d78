"""Pages of live operations: the quota-filled notices, an entry's checklist, acknowledging alerts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.services import alerts, checklist, entries, notices
from app.services.accounts import Principal, Role
from app.services.errors import Conflict, InvalidInput, NotFound
from app.web.deps import Db, PageOfficer, PageViewer, now, settings_of
from app.web.views.context import field_errors, render
from app.web.views.fields import ChecklistDone, NoticeSent
from app.web.views.pages import render_entry

router = APIRouter(include_in_schema=False)


def _notices_page(request: Request, db: Db, user: Principal, status_code: int = 200, **values: Any) -> Response:
    return render(request, "notices.html.j2", user, status_code, notices=notices.list_notices(db), **values)


@router.get("/notices")
def notices_page(request: Request, db: Db, user: PageViewer) -> Response:
    return _notices_page(request, db, user)


@router.post("/notices/{notice_id}/sent")
def notice_sent(
    request: Request,
    db: Db,
    user: PageOfficer,
    notice_id: int,
    form: Annotated[NoticeSent, Form()],
) -> Response:
    try:
        notices.mark_sent(db, notice_id, notices.sending(form.on, form.reference), by=user.username, at=now())
    except InvalidInput as exc:
        sent = form.model_dump()
        return _notices_page(request, db, user, 422, failed=notice_id, errors=field_errors(exc), sent=sent)
    except (Conflict, NotFound) as exc:
        return _notices_page(request, db, user, 409, failed=notice_id, errors={"reference": exc.message}, sent={})
    return RedirectResponse("/notices", status_code=303)


@router.post("/entries/{ref}/checklist")
def checklist_done(
    request: Request,
    db: Db,
    user: PageOfficer,
    ref: str,
    form: Annotated[ChecklistDone, Form()],
) -> Response:
    event, _, agency = form.item.partition(":")
    fields = {"agency": agency, "event": event, "done_at": form.done_at, "done_by": form.done_by}
    home = settings_of(request).home_state
    try:
        checklist.mark_done(db, entries.existing(db, ref), home, fields, by=user.username, at=now())
    except (InvalidInput, Conflict) as exc:
        return render_entry(request, db, user, ref, status=422, checklist_error=exc.message)
    return RedirectResponse(f"/entries/{ref}#checklist", status_code=303)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(db: Db, user: PageOfficer, alert_id: int) -> Response:
    alerts.acknowledge(db, alert_id, by=user.username, at=now(), admin=user.role == Role.ADMIN)
    return RedirectResponse("/", status_code=303)
