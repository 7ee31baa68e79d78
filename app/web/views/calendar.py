"""The calendar: the month page, its ICS download, the private feed and the feed token control."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.domain.agreement import Agreement
from app.domain.calendar import Direction, ScheduledActivity, ScheduledDeadline, direction_of
from app.domain.messages import N_
from app.reporting import calendar_view as views
from app.reporting.deadline_labels import DEADLINE_STATUSES
from app.reporting.i18n import Localizer
from app.reporting.labels import STATUS_LABELS
from app.reporting.view import entry_view, moment_text
from app.services import calendar, calendar_feed, catalog
from app.services.accounts import record_token_failure, token_throttled
from app.services.errors import InvalidInput
from app.web.deps import AuthFailed, Db, PageViewer, now, settings_of
from app.web.errors import ProblemError
from app.web.views.context import field_errors, language, render

router = APIRouter(include_in_schema=False)
ICS = "text/calendar; charset=utf-8"
FILTERS = ("month", "agreement", "state", "direction")
DIRECTION_LABELS = {
    Direction.RECEIVED: N_("the state receives"),
    Direction.CONDUCTED: N_("the state inspects"),
    Direction.GUEST: N_("the state is a guest"),
}


def _chosen(request: Request, db: Db) -> calendar.CalendarFilter:
    q = request.query_params
    return calendar.chosen_filter(
        db,
        agreement=q.get("agreement") or None,
        state=q.get("state") or None,
        direction=q.get("direction") or None,
        home=settings_of(request).home_state,
    )


def _item(activity: ScheduledActivity, state: str | None, loc: Localizer) -> dict[str, Any]:
    entry = activity.entry
    way = direction_of(entry, state) if state else None
    return {
        "ref": entry.ref,
        "summary": views.activity_summary(entry, loc),
        "status": loc._(STATUS_LABELS[entry.status]),
        "called_off": activity.called_off,
        "direction": loc._(DIRECTION_LABELS[way]) if way else "",
        "view": entry_view(entry, loc),
    }


def _deadline(scheduled: ScheduledDeadline, agreements: Mapping[str, Agreement], loc: Localizer) -> dict[str, Any]:
    d = scheduled.deadline
    return {
        "ref": d.ref,
        "agreement": d.agreement,
        "summary": views.deadline_summary(scheduled, agreements, loc),
        "due": loc.date(d.due_at.date()) if scheduled.all_day else moment_text(d.due_at, loc),
        "time": "" if scheduled.all_day else f"{d.due_at:%H:%M} UTC",
        "status": loc._(DEADLINE_STATUSES[d.status]),
        "missed": d.status == "missed",
        "responsible": loc.state(d.responsible_state) if d.responsible_state else "",
    }


def _query(request: Request, **changed: str) -> str:
    values = {k: request.query_params.get(k, "") for k in FILTERS} | changed
    return "&".join(f"{k}={v}" for k, v in values.items() if v)


@router.get("/calendar")
def calendar_page(request: Request, db: Db, user: PageViewer) -> Response:
    loc = Localizer(language(request))
    q = request.query_params
    base: dict[str, Any] = {
        "filters": {k: q.get(k, "") for k in FILTERS},
        "agreements": sorted(catalog.agreements_as_of(db)),
        "directions": [(str(d), loc._(label)) for d, label in DIRECTION_LABELS.items()],
    }
    try:
        chosen = _chosen(request, db)
        home = settings_of(request).home_state
        found = calendar.month(db, q.get("month") or None, chosen, at=now(), home=home)
    except InvalidInput as exc:
        return render(request, "calendar.html.j2", user, 422, errors=field_errors(exc), month=None, **base)
    state = chosen.state or settings_of(request).home_state
    agreements = catalog.agreements_as_of(db)

    def deadline(d: ScheduledDeadline) -> dict[str, Any]:
        return _deadline(d, agreements, loc)

    weeks = [
        [
            None
            if cell is None
            else (cell.day, [_item(a, state, loc) for a in cell.activities], [deadline(d) for d in cell.deadlines])
            for cell in week
        ]
        for week in found.weeks
    ]
    shown = found.month
    return render(
        request,
        "calendar.html.j2",
        user,
        errors={},
        month=shown,
        title=views.month_title(shown, loc),
        weekdays=views.weekdays(loc),
        day_label=lambda day: views.day_label(day, loc),
        weeks=weeks,
        items=[_item(a, state, loc) for a in found.period.activities],
        deadlines=[deadline(d) for d in found.period.deadlines],
        previous=_query(request, month=str(shown.previous)),
        next=_query(request, month=str(shown.next)),
        this=_query(request, month=str(shown)),
        **base,
    )


@router.get("/calendar/month.ics")
def month_ics(request: Request, db: Db, _user: PageViewer) -> Response:
    """The month on the page, filters included, as an ICS file."""
    shown = calendar.month_of(request.query_params.get("month") or None, now().date())
    home = settings_of(request).home_state
    found = calendar_feed.export(
        db, shown.first, shown.last, _chosen(request, db), lang=language(request), at=now(), home=home
    )
    disposition = f'attachment; filename="csbm-{shown}.ics"'
    return Response(found.content, media_type=ICS, headers={"Content-Disposition": disposition})


def _feed_holder(request: Request, db: Db, token: str) -> None:
    """Refuse an unknown, revoked or disabled user's token, counting it like a bad API token.
    The token is never put in the answer or a log (the access log hides it: app/web/app.py)."""
    if calendar_feed.feed_principal(db, token) is not None:
        return
    client = request.client.host if request.client else "unknown"
    if token_throttled(db, client=client, now=now()):
        raise ProblemError(429, "Too many failed attempts", "Too many unknown feed tokens from this address.")
    record_token_failure(db, client=client, now=now())
    raise AuthFailed(401, "Not authenticated", "The calendar feed token is unknown or revoked.")


@router.get("/calendar.ics")
async def feed(request: Request, db: Db, token: str = "", lang: str = "en") -> Response:
    """The private feed a calendar client subscribes to; the token reads this and nothing else."""
    await run_in_threadpool(_feed_holder, request, db, token[:200])
    chosen = await run_in_threadpool(_chosen, request, db)
    home = settings_of(request).home_state
    content = await run_in_threadpool(calendar_feed.feed, db, chosen, lang=lang, at=now(), home=home)
    return Response(content, media_type=ICS, headers={"Cache-Control": "private, no-store"})


@router.get("/account")
def account_page(request: Request, db: Db, user: PageViewer) -> Response:
    since = calendar_feed.token_since(db, user.username)
    loc = Localizer(language(request))
    return render(request, "account.html.j2", user, since=loc.datetime(since) if since else None, feed_url=None)


@router.post("/account/calendar-token")
def new_feed_token(request: Request, db: Db, user: PageViewer) -> Response:
    token = calendar_feed.create_token(db, username=user.username, at=now(), by=user.username)
    feed_url = f"{request.base_url}calendar.ics?token={token}"
    loc = Localizer(language(request))
    return render(request, "account.html.j2", user, since=loc.datetime(now()), feed_url=feed_url)


@router.post("/account/calendar-token/revoke")
def revoke_feed_token(db: Db, user: PageViewer) -> Response:
    calendar_feed.revoke_token(db, username=user.username, at=now(), by=user.username)
    return RedirectResponse("/account", status_code=303)
