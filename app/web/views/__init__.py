"""Server-rendered HTML pages."""

from __future__ import annotations

from fastapi import FastAPI


def register(app: FastAPI) -> None:
    from app.web.views import (
        admin,
        auth,
        calendar,
        declarations,
        doctor,
        due,
        forms,
        guests,
        live,
        more,
        pages,
        reconciliation,
    )

    modules = (auth, forms, pages, due, guests, more, declarations, admin, doctor, reconciliation, calendar, live)
    for module in modules:
        app.include_router(module.router)
