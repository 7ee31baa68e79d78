"""The web application factory. Uvicorn serves it; the scheduler never runs inside it."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from app import __version__
from app.config import Settings
from app.db.session import make_engine
from app.web import errors
from app.web.api import ledger as ledger_api
from app.web.api import status as status_api

STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            if name == "Content-Security-Policy" and request.url.path.startswith("/api/docs"):
                continue  # the interactive docs page loads its own script and styles
            response.headers.setdefault(name, value)
        return response


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
    app.add_middleware(SecurityHeaders)
    app.include_router(status_api.router)
    app.include_router(ledger_api.router)
    from app.web.views import register

    register(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    return app


def create_app_from_env() -> FastAPI:
    """For `uvicorn --factory app.web.app:create_app_from_env` and worker processes."""
    return create_app(Settings(), freeze_startup_objects=True)
