"""The installation check for admins: the checks of ``csbm doctor``, on a page."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.reporting.i18n import Localizer
from app.services import doctor
from app.web.deps import PageAdmin, settings_of
from app.web.views.context import language, render

router = APIRouter(include_in_schema=False)


@router.get("/admin/doctor")
def doctor_page(request: Request, user: PageAdmin) -> Response:
    diagnosis = doctor.diagnose(settings_of(request), request.app.state.engine, now=dt.datetime.now(dt.UTC))
    loc = Localizer(language(request))
    rows = [
        {
            "label": loc._(doctor.LABELS[c.name]),
            "status": str(c.status),
            "word": loc._(doctor.STATUS_WORDS[c.status]),
            "message": c.message(loc._),
            "action": c.todo(loc._),
        }
        for c in diagnosis.checks
    ]
    return render(request, "doctor.html.j2", user, checks=rows, ok=diagnosis.ok)
