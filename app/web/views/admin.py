"""Admin pages: users and the audit trail."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.domain.errors import DomainError
from app.reporting.i18n import Localizer
from app.services import accounts, alerts, calendar_feed, outbox
from app.web.deps import Db, PageAdmin, now
from app.web.views.context import language, render

router = APIRouter(include_in_schema=False)


def _users(db: Db) -> list[dict[str, object]]:
    feeds = calendar_feed.feed_holders(db)
    return [u | {"feed": u["username"] in feeds} for u in accounts.list_users(db)]


@router.get("/admin/users")
def users_page(request: Request, db: Db, user: PageAdmin) -> Response:
    return render(request, "users.html.j2", user, users=_users(db), error=None, created=None)


@router.post("/admin/users/{username}/calendar-token/revoke")
def revoke_feed(db: Db, user: PageAdmin, username: str) -> Response:
    """A user's calendar feed address seen by others: an admin ends it."""
    calendar_feed.revoke_token(db, username=username, at=now(), by=user.username)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users")
def add_user(
    request: Request,
    db: Db,
    user: PageAdmin,
    username: Annotated[str, Form(max_length=80)],
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    password = accounts.generate_password()
    try:
        accounts.add_user(
            db, username=username.strip(), password=password, role=accounts.Role(role), at=now(), by=user.username
        )
    except (DomainError, ValueError) as exc:
        return render(request, "users.html.j2", user, 422, users=_users(db), error=str(exc), created=None)
    return render(request, "users.html.j2", user, users=_users(db), error=None, created=(username, password))


@router.post("/admin/users/{username}/disable")
def disable_user(db: Db, user: PageAdmin, username: str, enable: Annotated[str, Form(max_length=5)] = "") -> Response:
    accounts.set_disabled(db, username=username, disabled=enable != "1", at=now(), by=user.username)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/alerts/{alert_id}/acknowledge")
def acknowledge_alert(db: Db, user: PageAdmin, alert_id: int) -> Response:
    alerts.acknowledge(db, alert_id, by=user.username, at=now())
    return RedirectResponse("/", status_code=303)


@router.get("/admin/deliveries")
def deliveries_page(request: Request, db: Db, user: PageAdmin) -> Response:
    """Alert deliveries that are failing, with their last error and next attempt."""
    loc = Localizer(language(request))
    rows = [{**d, "next_attempt_at": loc.datetime(d["next_attempt_at"])} for d in outbox.failed_deliveries(db)]
    return render(request, "deliveries.html.j2", user, deliveries=rows)


@router.get("/admin/audit")
def audit_page(request: Request, db: Db, user: PageAdmin, page: int = 1) -> Response:
    page = max(1, min(page, 100_000))
    records, pages = accounts.audit_trail(db, page=page)
    loc = Localizer(language(request))

    def pretty(value: object) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False, indent=1)

    rows = [(loc.datetime(r.at), r.user, r.action, r.target, pretty(r.before), pretty(r.after)) for r in records]
    return render(request, "audit.html.j2", user, rows=rows, page=page, pages=pages)
