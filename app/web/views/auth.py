"""Logging in and out, and the language switch."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.services import accounts
from app.web.deps import SESSION_COOKIE, Db, now
from app.web.views.context import LANG_COOKIE, render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF = "csbm_login_csrf"


def _local(target: str | None) -> str:
    """Only redirect within csbm: a path, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\\\" not in target:
        return target
    return "/"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html.j2", None, next=_local(next), csrf=token, error=None)
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="lax", secure=_secure(request))
    return response


@router.post("/login")
def login(
    request: Request,
    db: Db,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF)
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return render(request, "login.html.j2", None, 403, next=_local(next), csrf=expected or "", error="csrf")
    client = request.client.host if request.client else "unknown"
    try:
        user = accounts.authenticate(db, username=username, password=password, client=client, now=now())
    except accounts.LoginThrottled:
        return render(request, "login.html.j2", None, 429, next=_local(next), csrf=expected, error="throttled")
    if user is None:
        return render(request, "login.html.j2", None, 401, next=_local(next), csrf=expected, error="wrong")
    session_id, _csrf = accounts.start_session(db, user, now=now())
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF)
    return response


@router.post("/logout")
def logout(request: Request, db: Db, csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        principal = accounts.session_principal(db, cookie, now=now())
        if principal is not None and principal.csrf_token == csrf_token:
            accounts.end_session(db, cookie, now=now())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    response = RedirectResponse(_local(next), status_code=303)
    if code in ("en", "ru"):
        response.set_cookie(LANG_COOKIE, code, samesite="lax", secure=_secure(request), max_age=365 * 86400)
    return response
