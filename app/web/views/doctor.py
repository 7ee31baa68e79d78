"""The installation check for admins: the checks of ``csbm doctor``, on a page."""

from __future__ import annotations

import datetime as dt
import re

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from app.reporting.i18n import Localizer
from app.services import doctor
from app.web.deps import PageAdmin, settings_of
from app.web.views.context import language, render

router = APIRouter(include_in_schema=False)
_COMMAND = re.compile(r"`([^`]+)`")


def _commands_as_code(text: str) -> Markup:
    """What to do names commands in backticks, as the command line prints them; the page sets them as code."""
    return Markup(_COMMAND.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


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
            "action": _commands_as_code(c.todo(loc._)),
        }
        for c in diagnosis.checks
    ]
    return render(request, "doctor.html.j2", user, checks=rows, ok=diagnosis.ok)
