"""Server-rendered HTML pages."""

from __future__ import annotations

from fastapi import FastAPI


def register(app: FastAPI) -> None:
    from app.web.views import admin, auth, declarations, doctor, due, forms, guests, more, pages, reconciliation

    for module in (auth, forms, pages, due, guests, more, declarations, admin, doctor, reconciliation):
        app.include_router(module.router)
