"""Errors as application/problem+json (RFC 9457) for the API; error pages and redirects for pages.

A ServiceError gets its status here, once: bad input 422, not found 404, a
conflict or a quota refusal 409, an unavailable database 503 with
Retry-After. Pages that have a form show bad input beside its field
themselves; every other failure of a page is an error page saying what went wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.domain.errors import DomainError
from app.domain.messages import N_
from app.reporting.i18n import Localizer
from app.services.errors import Conflict, DatabaseUnavailable, FileRejected, InvalidInput, NotFound, ServiceError
from app.services.ledger import QuotaRefused
from app.web.views.context import language

PROBLEM = "application/problem+json"
log = logging.getLogger("csbm.web")


class LoginRequired(Exception):
    """A page needs a logged-in user: send the browser to the login page."""


class ProblemError(Exception):
    def __init__(self, status: int, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body |= extra
    headers = {"WWW-Authenticate": 'Bearer realm="csbm"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def as_problem(exc: ServiceError) -> ProblemError:
    """The HTTP status, title and details a ServiceError means."""
    if isinstance(exc, InvalidInput):
        detail = exc.problems[0].message if len(exc.problems) == 1 else "Some fields are not valid."
        errors = [{"field": p.field, "message": p.message} for p in exc.problems]
        return ProblemError(422, N_("Invalid request"), detail, errors=errors)
    if isinstance(exc, FileRejected):
        return ProblemError(
            422, N_("Invalid file"), exc.message, errors=[{"field": "file", "message": m} for m in exc.messages]
        )
    if isinstance(exc, QuotaRefused):
        findings = [f.as_json() for f in exc.result.over_limit]
        detail = "Recording this entry would go over a limit; nothing was recorded."
        return ProblemError(409, N_("Refused by the quota check"), detail, findings=findings)
    if isinstance(exc, NotFound):
        return ProblemError(404, N_("Not found"), exc.message)
    if isinstance(exc, Conflict):
        return ProblemError(409, N_("Conflict"), exc.message)
    if isinstance(exc, DatabaseUnavailable):
        return ProblemError(503, N_("Database unavailable"), exc.message, retry_after=exc.retry_after)
    return ProblemError(422, "Invalid request", exc.message)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page(request: Request, status: int, title: str, detail: str | None) -> HTMLResponse:
    """A plain error page for browsers: what went wrong and a way back."""
    loc = Localizer(language(request))
    body = (
        '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{status} {title}</title>'
        '<link rel="stylesheet" href="/static/csbm.css"></head><body><main id="main">'
        '<h1>{status} {title}</h1><p>{detail}</p><p><a href="/">csbm</a></p></main></body></html>'
    ).format(lang=loc.lang, status=status, title=escape(loc._(title)), detail=escape(loc._(detail) if detail else ""))
    return HTMLResponse(body, status_code=status)


def respond(request: Request, exc: ProblemError) -> Response:
    extra = dict(exc.extra)
    retry_after = extra.pop("retry_after", None)
    response: Response = (
        problem(exc.status, exc.title, exc.detail, **extra)
        if _is_api(request)
        else _page(request, exc.status, exc.title, exc.detail)
    )
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def service_error(request: Request, exc: ServiceError) -> Response:
    if isinstance(exc, DatabaseUnavailable):
        log.warning("%s %s: %s", request.method, request.url.path, exc.message)
    return respond(request, as_problem(exc))


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        return respond(request, exc)

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> Response:
        return service_error(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = str(exc.detail) if exc.detail else "Error"
        return respond(request, ProblemError(exc.status_code, title))

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))} for e in exc.errors()]
        return problem(422, "Invalid request", "Some fields are not valid.", errors=errors)

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return service_error(request, InvalidInput.one(exc.field or "request", exc.message))

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)
