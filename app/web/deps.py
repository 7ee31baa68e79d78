"""Request dependencies: the database session (one transaction per request) and who is asking.

The request commits at its end and rolls back on error; services never commit.
A request is authenticated by an API token (Authorization: Bearer ...) or by
the browser's session cookie. A cookie-authenticated request that changes
anything must also carry the session's CSRF token (form field or header), so
another site cannot make a logged-in browser write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.db.session import CommitThenFail, single_read, transaction
from app.services.accounts import (
    Principal,
    Role,
    record_token_failure,
    session_principal,
    token_principal,
    token_principal_with_version,
    token_throttled,
)
from app.web.errors import LoginRequired, ProblemError


class AuthFailed(ProblemError, CommitThenFail):
    """A failed authentication: the response is an error, but the attempt is recorded."""


SESSION_COOKIE = "csbm_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    with request_transaction(request) as session:
        yield session


@contextmanager
def request_transaction(request: Request) -> Iterator[Session]:
    """The request's transaction: a write one for a method that may change something."""
    with transaction(request.app.state.engine, write=request.method not in SAFE_METHODS) as session:
        yield session


# scope="function": the transaction commits when the endpoint returns, before the
# response is sent. With the default ("request") the commit would follow the
# response, and a browser following a redirect could arrive before the write
# (a fresh login's session, a new entry) was visible.
Db = Annotated[Session, Depends(get_db, scope="function")]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _principal(request: Request, session: Session) -> Principal | None:
    # Blocking database work: callers run it in the thread pool, never on the
    # event loop, where a wait for SQLite's write lock would stall every request.
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = token_principal(session, header[7:].strip(), now=now())
        if found is None:
            client = request.client.host if request.client else "unknown"
            if token_throttled(session, client=client, now=now()):
                raise ProblemError(
                    429, "Too many failed attempts", "Too many unknown API tokens from this address; wait 15 minutes."
                )
            record_token_failure(session, client=client, now=now())
            raise AuthFailed(401, "Not authenticated", "The API token is unknown, expired or revoked.")
        return found
    cookie = request.cookies.get(SESSION_COOKIE)
    return session_principal(session, cookie, now=now()) if cookie else None


async def _form_csrf(request: Request) -> str | None:
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


def authorize(request: Request, session: Session, role: Role) -> Principal:
    """The request's principal if it may act as ``role`` (blocking: call it in a thread)."""
    principal = _principal(request, session)
    if principal is None:
        raise ProblemError(401, "Not authenticated", "Log in, or send an API token as 'Authorization: Bearer ...'.")
    if not principal.role.can(role):
        raise ProblemError(403, "Forbidden", f"This needs the {role} role; you are {principal.role}.")
    return principal


def bearer_principal_with_version(request: Request, role: Role) -> tuple[Principal, int] | None:
    """For cached answers: a bearer token allowed ``role`` and the ledger version, in one
    round trip on a bare connection. None sends the request down the full path."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    with single_read(request.app.state.engine) as connection:
        found = token_principal_with_version(connection, header[7:].strip(), now=now())
    if found is None or not found[0].role.can(role):
        return None
    return found


def api_user(role: Role) -> Callable[..., object]:
    async def dependency(request: Request, session: Db) -> Principal:
        principal = await run_in_threadpool(authorize, request, session, role)
        await _check_csrf(request, principal)
        return principal

    return dependency


def page_user(role: Role) -> Callable[..., object]:
    async def dependency(request: Request, session: Db) -> Principal:
        principal = await run_in_threadpool(_principal, request, session)
        if principal is None:
            raise LoginRequired()
        await _check_csrf(request, principal)
        if not principal.role.can(role):
            raise ProblemError(403, "Forbidden", f"This needs the {role} role; you are {principal.role}.")
        return principal

    return dependency


async def _check_csrf(request: Request, principal: Principal) -> None:
    if request.method in SAFE_METHODS or principal.csrf_token is None:
        return  # safe methods, and token-authenticated API calls, carry no CSRF risk
    given = request.headers.get(CSRF_HEADER) or await _form_csrf(request)
    if given != principal.csrf_token:
        raise ProblemError(403, "CSRF token missing or wrong", "Reload the page and submit the form again.")


Viewer = Annotated[Principal, Depends(api_user(Role.VIEWER))]
Officer = Annotated[Principal, Depends(api_user(Role.OFFICER))]
Admin = Annotated[Principal, Depends(api_user(Role.ADMIN))]
PageViewer = Annotated[Principal, Depends(page_user(Role.VIEWER))]
PageOfficer = Annotated[Principal, Depends(page_user(Role.OFFICER))]
PageAdmin = Annotated[Principal, Depends(page_user(Role.ADMIN))]
