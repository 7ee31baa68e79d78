"""Errors as application/problem+json (RFC 9457) for the API; redirects for pages."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import escape
from sqlalchemy.exc import TimeoutError as SqlTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.db.session import CommitThenFail
from app.domain.errors import DomainError

PROBLEM = "application/problem+json"


class LoginRequired(Exception):
    """A page needs a logged-in user: send the browser to the login page."""


class ProblemError(Exception):
    def __init__(self, status: int, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


class AuthFailed(ProblemError, CommitThenFail):
    """A failed authentication: the response is an error, but the attempt is recorded."""


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body |= extra
    headers = {"WWW-Authenticate": 'Bearer realm="csbm"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _page(status: int, title: str, detail: str | None) -> HTMLResponse:
    """A plain error page for browsers: what went wrong and a way back."""
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{status} {title}</title>'
        '<link rel="stylesheet" href="/static/csbm.css"></head><body><main id="main">'
        '<h1>{status} {title}</h1><p>{detail}</p><p><a href="/">csbm</a></p></main></body></html>'
    ).format(status=status, title=escape(title), detail=escape(detail or ""))
    return HTMLResponse(body, status_code=status)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        if not _is_api(request):
            return _page(exc.status, exc.title, exc.detail)
        return problem(exc.status, exc.title, exc.detail, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = str(exc.detail) if exc.detail else "Error"
        if not _is_api(request):
            return _page(exc.status_code, title, None)
        return problem(exc.status_code, title)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        errors = [{"field": _field(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))} for e in exc.errors()]
        return problem(422, "Invalid request", "Some fields are not valid.", errors=errors)

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> Response:
        return problem(
            422, "Invalid request", exc.message, errors=[{"field": exc.field or "request", "message": exc.message}]
        )

    @app.exception_handler(SqlTimeoutError)
    async def _busy(_request: Request, _exc: SqlTimeoutError) -> Response:
        response = problem(503, "Busy", "Every database connection is in use; try again shortly.")
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)
