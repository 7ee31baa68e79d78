"""The Due page, and the deadline rows the dashboard and the entry page share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.domain.deadlines import Deadline, DeadlineStatus
from app.domain.messages import N_
from app.reporting.deadline_labels import DEADLINE_KINDS, DEADLINE_STATUSES
from app.reporting.i18n import Localizer
from app.services import catalog, deadlines
from app.services.errors import InvalidInput
from app.services.states import checked_state
from app.web.deps import Db, PageViewer, now, settings_of
from app.web.views.context import field_errors, language, render

router = APIRouter(include_in_schema=False)

# The windows the Due page offers; "" is everything due.
WINDOWS = [
    ("24h", N_("24 hours")),
    ("72h", N_("72 hours")),
    ("7d", N_("7 days")),
    ("30d", N_("30 days")),
    ("", N_("all")),
]


def zone_of(request: Request) -> dt.tzinfo:
    """The centre's time zone (CSBM_TIMEZONE); UTC when it is not a zone (csbm doctor says so)."""
    try:
        return ZoneInfo(settings_of(request).timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def deadline_rows(
    found: Iterable[Deadline], request: Request, db: Db, at: dt.datetime, loc: Localizer
) -> list[dict[str, Any]]:
    """Each deadline as a row: the due moment in the centre's zone and in UTC, what is left."""
    titles = deadlines.date_titles(catalog.agreements_as_of(db))
    zone = zone_of(request)
    return [_row(d, titles, zone, at, loc) for d in found]


def _row(
    d: Deadline, titles: dict[tuple[str, str], tuple[str, str]], zone: dt.tzinfo, at: dt.datetime, loc: Localizer
) -> dict[str, Any]:
    title = titles.get((d.agreement, d.subject))
    return {
        "deadline": d,
        "kind": loc._(DEADLINE_KINDS[d.kind]),
        "what": (title[1] if loc.lang == "ru" else title[0]) if title else "",
        "status": loc._(DEADLINE_STATUSES[d.status]),
        "missed": d.status is DeadlineStatus.MISSED,
        "local": f"{loc.datetime(d.due_at.astimezone(zone))} ({zone})",
        "utc": d.due_at.strftime("%Y-%m-%d %H:%M UTC"),
        "left": _left(d.hours_left(at), loc),
        "who": loc.state(d.responsible_state),
    }


def _left(hours: float, loc: Localizer) -> str:
    """Tenths of an hour when it is close, whole hours, then days."""
    late, span = hours < 0, abs(hours)
    text = loc.number(round(span, 1)) if span < 10 else loc.number(round(span))
    if late:
        return loc._("{hours} h overdue").format(hours=text)
    if hours < 72:
        return loc._("in {hours} h").format(hours=text)
    return loc._("in {days} days").format(days=loc.number(round(hours / 24)))


@router.get("/due")
def due_page(
    request: Request, db: Db, user: PageViewer, state: str | None = None, within: str = "7d", at: str | None = None
) -> Response:
    loc = Localizer(language(request))
    home = settings_of(request).home_state
    chosen = (state if state is not None else home or "").upper()[:2] or None
    values = {"state": chosen or "", "within": within, "at": at or ""}
    try:
        moment = deadlines.parse_at(at, now())
        window = deadlines.parse_within(within) if within else None
        found = deadlines.due(db, at=moment, within=window, state=checked_state(chosen), home=home)
    except InvalidInput as exc:
        return render(
            request, "due.html.j2", user, 422, rows=[], values=values, errors=field_errors(exc), windows=WINDOWS
        )
    rows = deadline_rows(deadlines.ours_first(found, home) if home else found, request, db, moment, loc)
    return render(request, "due.html.j2", user, rows=rows, values=values, errors={}, home=home, windows=WINDOWS)
