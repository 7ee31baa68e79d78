"""API: the ledger (entries, revisions, history, check) and declarations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.domain.moments import format_moment, parse_moment
from app.domain.report import entry_json
from app.services import declarations, entries, ledger_query
from app.web.deps import Db, Officer, Viewer, now
from app.web.errors import ProblemError
from app.web.schemas import (
    CheckOut,
    DeclarationIn,
    DeclarationOut,
    EntryDetail,
    EntryIn,
    EntryPage,
    RecordedOut,
    ReplyIn,
    ReplyOut,
    RevisionOut,
)

router = APIRouter(prefix="/api/v1", tags=["ledger"])

WithinQuota = Annotated[bool, Query(description="Refuse (409) rather than go over any limit; exact under concurrency")]


@router.get("/entries", response_model=EntryPage)
def list_entries(
    db: Db,
    _user: Viewer,
    agreement: str | None = None,
    state: Annotated[str | None, Query(max_length=2)] = None,
    activity: str | None = None,
    status: str | None = None,
    date_from: Annotated[dt.date | None, Query(alias="from")] = None,
    date_to: Annotated[dt.date | None, Query(alias="to")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in ref, location, object or notes")] = None,
    guest: Annotated[str | None, Query(max_length=2, description="A state that took part as a guest")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Entries as currently recorded, newest first."""
    f = ledger_query.EntryFilter(
        agreement=agreement,
        state=state,
        activity=activity,
        status=status,
        start=date_from,
        end=date_to,
        text=q,
        guest=guest,
    )
    items, total = ledger_query.search(db, f, limit=limit, offset=offset)
    return {"items": [entry_json(e) for e in items], "total": total, "limit": limit, "offset": offset}


# OpenAPI links: what a client (or a stateful test) can do next with a recorded ref.
_REF_LINKS = {
    "GetEntry": {"operationId": "get_entry_api_v1_entries__ref__get", "parameters": {"ref": "$response.body#/ref"}},
    "GetHistory": {
        "operationId": "entry_history_api_v1_entries__ref__history_get",
        "parameters": {"ref": "$response.body#/ref"},
    },
    "ReviseEntry": {
        "operationId": "revise_entry_api_v1_entries__ref__put",
        "parameters": {"ref": "$response.body#/ref"},
    },
}


@router.post("/entries", response_model=RecordedOut, status_code=201, responses={201: {"links": _REF_LINKS}})
def create_entry(
    db: Db, user: Officer, body: EntryIn, response: Response, within_quota: WithinQuota = False
) -> dict[str, str]:
    """Record a new entry. An existing ref is a conflict: record a new revision with PUT."""
    recorded = entries.record(db, body.as_values(), at=now(), by=user.username, within_quota=within_quota, new=True)
    response.headers["Location"] = f"/api/v1/entries/{recorded.entry.ref}"
    return {"ref": recorded.entry.ref, "outcome": str(recorded.outcome)}


@router.put("/entries/{ref}", response_model=RecordedOut, responses={200: {"links": _REF_LINKS}})
def revise_entry(db: Db, user: Officer, ref: str, body: EntryIn, within_quota: WithinQuota = False) -> dict[str, str]:
    """Record a new revision of an entry (nothing is overwritten; history keeps every revision)."""
    if body.ref not in (None, "", ref):
        raise ProblemError(
            422,
            "Invalid entry",
            "The body's ref differs from the URL's.",
            errors=[{"field": "ref", "message": "differs from the URL"}],
        )
    entries.existing(db, ref)
    recorded = entries.record(db, body.as_values(ref), at=now(), by=user.username, within_quota=within_quota)
    return {"ref": ref, "outcome": str(recorded.outcome)}


@router.get("/entries/{ref}", response_model=EntryDetail)
def get_entry(db: Db, _user: Viewer, ref: str) -> dict[str, Any]:
    return entries.detail(db, ref).as_json()


@router.get("/entries/{ref}/history", response_model=list[RevisionOut])
def entry_history(db: Db, _user: Viewer, ref: str) -> list[dict[str, Any]]:
    return [r.as_json() for r in entries.history(db, ref)]


@router.post("/entries/{ref}/reply", response_model=ReplyOut)
def reply_to_request(db: Db, user: Officer, ref: str, body: ReplyIn) -> dict[str, str]:
    """Record the receiving state's reply to a requested entry: a new revision (409 when it
    is not a request awaiting its reply)."""
    recorded_at = now()
    replied_at = parse_moment(body.replied_at, field="replied_at") if body.replied_at else recorded_at
    recorded = entries.reply(db, ref, accept=body.accept, replied_at=replied_at, at=recorded_at, by=user.username)
    entry = recorded.entry
    when = format_moment(entry.replied_at) if entry.replied_at is not None else ""
    return {"ref": ref, "outcome": str(recorded.outcome), "status": str(entry.status), "replied_at": when}


@router.post("/entries/check", response_model=CheckOut)
def check_entry(db: Db, _user: Viewer, body: EntryIn) -> dict[str, Any]:
    """What the entry would do to the quotas and which findings it would raise; records nothing."""
    return entries.check(db, body.as_values(body.ref or "PROPOSED")).as_json()


@router.get("/declarations", response_model=list[DeclarationOut])
def list_declarations(
    db: Db,
    _user: Viewer,
    year: int | None = None,
    state: Annotated[str | None, Query(max_length=40, description="A state, or a group id such as BY+RU")] = None,
    as_of: Annotated[str | None, Query(max_length=40, description="Replay as recorded at this time")] = None,
) -> list[dict[str, Any]]:
    return [declarations.as_json(d) for d in declarations.listed(db, year=year, state=state, as_of=as_of)]


@router.post("/declarations", response_model=DeclarationOut)
def record_declaration(db: Db, user: Officer, body: DeclarationIn, response: Response) -> dict[str, Any]:
    """Record a declaration; 201 when it is new or changed, 200 when it was already so."""
    changed = declarations.record(db, body.as_values(), at=now(), by=user.username)
    response.status_code = 201 if changed else 200
    return body.model_dump()
