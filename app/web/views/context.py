"""What every page template gets: the language, the user, the CSRF token, formatting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from app.reporting.html import bar
from app.reporting.i18n import LANGUAGES, Localizer
from app.services.accounts import Principal
from app.services.errors import InvalidInput

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
TEMPLATES.env.globals["bar"] = bar
LANG_COOKIE = "csbm_lang"


def language(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "")
    return "ru" if accept.lower().startswith("ru") else "en"


def field_errors(exc: InvalidInput) -> dict[str, str]:
    """Bad input by field, for a form to show each message beside its field."""
    return {p.field: p.message for p in exc.problems}


def render(
    request: Request, template: str, principal: Principal | None, status_code: int = 200, **values: Any
) -> Response:
    loc = Localizer(language(request))
    context = {
        "request": request,
        "_": loc._,
        "loc": loc,
        "lang": loc.lang,
        "user": principal,
        "csrf": principal.csrf_token if principal else values.pop("csrf", ""),
        "path": request.url.path,
        **values,
    }
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
