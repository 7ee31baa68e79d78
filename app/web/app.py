"""The web application factory. Uvicorn serves it; the scheduler never runs inside it."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__
from app.config import Settings
from app.db.session import make_engine
from app.services.errors import from_database_error
from app.web import errors
from app.web.api import due as due_api
from app.web.api import ledger as ledger_api
from app.web.api import live as live_api
from app.web.api import reconciliation as reconciliation_api
from app.web.api import status as status_api
from app.web.heap import keep_heap_small

STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not set them itself.

    Plain ASGI rather than Starlette's BaseHTTPMiddleware, which runs every response
    through a stream of its own: on a 170 kB quota answer that wrapper cost more than
    the cached answer itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The interactive docs page loads its own script and styles.
        skip = "content-security-policy" if scope["path"].startswith("/api/docs") else None

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name.lower() != skip and name not in headers:
                        headers.append(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


SECRET_IN_QUERY = re.compile(r"(?i)\b(token=)[^&\s\"]*")


class HideSecrets(logging.Filter):
    """Keeps a calendar feed token (it is in the feed's query string) out of the access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(SECRET_IN_QUERY.sub(r"\1(hidden)", a) if isinstance(a, str) else a for a in record.args)
        return True


def _hide_secrets_in_logs() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideSecrets) for f in access.filters):
        access.addFilter(HideSecrets())


def _database_failures(app: FastAPI) -> None:
    """A database that is down, not set up or busy answers 503 (a page: an error page saying so),
    never a bare 500 with a traceback; the pool's pre-ping reconnects once it is back."""

    async def handle(request: Request, exc: Exception) -> Response:
        translated = from_database_error(exc)
        if translated is None:
            raise exc
        return errors.service_error(request, translated)

    app.add_exception_handler(DBAPIError, handle)
    app.add_exception_handler(PoolTimeout, handle)


def create_app(settings: Settings | None = None, *, freeze_startup_objects: bool = False) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A request holding the quota lock commits in a pool thread. With the
        # default 40 threads all blocked behind that lock or waiting for a
        # connection, the commit could not run until the pool timeout.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        if freeze_startup_objects:
            # A check request allocates tens of thousands of objects, so full collections
            # come every few dozen requests, and each walked all ~90,000 objects loaded at
            # start-up: 25-45 ms pauses, the whole of the check's p99. Frozen, they are
            # skipped; a full collection then takes about 2 ms.
            gc.freeze()
        yield
        app.state.engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="csbm",
        version=__version__,
        description="Compliance tracker for confidence- and security-building measures: "
        "ledger, quotas, findings, reports.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = make_engine(
        settings.resolved_database_url(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    errors.install(app)
    _database_failures(app)
    _hide_secrets_in_logs()
    app.add_middleware(SecurityHeaders)
    app.include_router(status_api.router)
    app.include_router(ledger_api.router)
    app.include_router(due_api.router)
    app.include_router(reconciliation_api.router)
    app.include_router(live_api.router)
    from app.web.views import register

    register(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    return app


def create_app_from_env() -> FastAPI:
    """For `uvicorn --factory app.web.app:create_app_from_env` and worker processes."""
    keep_heap_small()
    return create_app(Settings(), freeze_startup_objects=True)
