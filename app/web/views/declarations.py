"""The declarations page: the figures listed by year and state, recorded one at a time or a file at a time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.services import declarations
from app.services.accounts import Principal
from app.services.declarations_csv import MAX_BYTES
from app.services.errors import FileRejected, InvalidInput
from app.web.deps import Db, PageOfficer, PageViewer, now
from app.web.views.context import field_errors, render
from app.web.views.fields import Declared

router = APIRouter(include_in_schema=False)


def _page(request: Request, db: Db, user: Principal, status_code: int = 200, **values: Any) -> Response:
    """The page, listing the declarations of the filters asked for; bad filters are shown beside their field."""
    filters = {"year": request.query_params.get("year") or "", "state": request.query_params.get("state") or ""}
    try:
        year = declarations.whole_year(filters["year"])
        found = declarations.listed(db, year=year, state=filters["state"])
        errors: dict[str, str] = {}
    except InvalidInput as exc:
        found, errors = [], field_errors(exc)
        status_code = 422 if status_code == 200 else status_code
    return render(
        request, "declarations.html.j2", user, status_code, declarations=found, filters=filters, errors=errors, **values
    )


@router.get("/declarations")
def declarations_page(request: Request, db: Db, user: PageViewer) -> Response:
    return _page(request, db, user)


@router.post("/declarations")
def declare(request: Request, db: Db, user: PageOfficer, form: Annotated[Declared, Form()]) -> Response:
    fields = form.model_dump()
    try:
        declarations.record(db, fields, at=now(), by=user.username)
    except InvalidInput as exc:
        return _page(request, db, user, 422, record_errors=field_errors(exc), record=fields)
    return RedirectResponse("/declarations", status_code=303)


@router.post("/declarations/import")
async def import_file(request: Request, db: Db, user: PageOfficer, file: UploadFile | None = None) -> Response:
    """A declarations CSV, as `csbm declarations import` takes it: all or nothing."""
    name = (file.filename if file is not None else None) or "declarations.csv"
    data = await file.read(MAX_BYTES + 1) if file is not None else b""
    return await run_in_threadpool(_import, request, db, user, name, data)


def _import(request: Request, db: Db, user: Principal, name: str, data: bytes) -> Response:
    try:
        summary = declarations.import_declarations(db, name, data, at=now(), by=user.username)
    except FileRejected as exc:
        return _page(request, db, user, 422, import_errors=[*exc.messages, exc.message])
    return _page(request, db, user, imported=(name, summary))
