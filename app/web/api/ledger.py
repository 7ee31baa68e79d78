"""API: the ledger (entries, revisions, history, check) and declarations."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.exc import IntegrityError

from app.db.repositories import EntryFilter
from app.domain.agreement import Agreement
from app.domain.errors import DomainError
from app.domain.ledger import Declaration, LedgerEntry
from app.domain.report import entry_json
from app.services import catalog, ledger
from app.services.ledger_csv import EntryContext, parse_entry
from app.services.states import known_states
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
    RevisionOut,
)
from app.web.serialize import utc_iso

router = APIRouter(prefix="/api/v1", tags=["ledger"])


def parse(db: Db, body: EntryIn, ref: str | None = None, agreements: dict[str, Agreement] | None = None) -> LedgerEntry:
    """The body as a domain entry, or 422 naming every bad field."""
    context = EntryContext(agreements=agreements or catalog.agreements_as_of(db), states=known_states())
    entry, problems = parse_entry(body.as_values(ref), context)
    if entry is None:
        errors = [{"field": column, "message": message} for column, message in problems]
        raise ProblemError(422, "Invalid entry", "Some fields are not valid.", errors=errors)
    return entry


def _record(db: Db, entry: LedgerEntry, who: str, within_quota: bool) -> str:
    try:
        outcome = ledger.record_entry(
            db, entry, catalog.agreements_as_of(db), at=now(), by=who, within_quota=within_quota
        )
    except ledger.QuotaRefused as exc:
        raise ProblemError(
            409,
            "Refused by the quota check",
            "Recording this entry would go over a limit; nothing was recorded.",
            findings=[f.as_json() for f in exc.result.over_limit],
        ) from None
    except IntegrityError:
        raise ProblemError(409, "Conflict", f"{entry.ref} was recorded by someone else at the same moment.") from None
    return str(outcome)


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
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> dict[str, Any]:
    """Entries as currently recorded, newest first."""
    f = EntryFilter(
        agreement=agreement, state=state, activity=activity, status=status, start=date_from, end=date_to, text=q
    )
    items, total = ledger.search_entries(db, f, limit=limit, offset=offset)
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
    entry = parse(db, body)
    if ledger.latest_revision(db, entry.ref) is not None:
        raise ProblemError(
            409, "Conflict", f"{entry.ref} exists; PUT /api/v1/entries/{entry.ref} records a new revision."
        )
    response.headers["Location"] = f"/api/v1/entries/{entry.ref}"
    return {"ref": entry.ref, "outcome": _record(db, entry, user.username, within_quota)}


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
    if ledger.latest_revision(db, ref) is None:
        raise ProblemError(404, "Not found", f"No entry {ref}.")
    return {"ref": ref, "outcome": _record(db, parse(db, body, ref), user.username, within_quota)}


@router.get("/entries/{ref}", response_model=EntryDetail)
def get_entry(db: Db, _user: Viewer, ref: str) -> dict[str, Any]:
    latest = ledger.latest_revision(db, ref)
    if latest is None:
        raise ProblemError(404, "Not found", f"No entry {ref}.")
    findings = ledger.entry_findings(db, latest.entry, catalog.agreements_as_of(db))
    return {
        "entry": entry_json(latest.entry),
        "revision": latest.revision,
        "recorded_at": utc_iso(latest.recorded_at),
        "recorded_by": latest.recorded_by,
        "findings": [f.as_json() for f in findings],
    }


@router.get("/entries/{ref}/history", response_model=list[RevisionOut])
def entry_history(db: Db, _user: Viewer, ref: str) -> list[dict[str, Any]]:
    revisions = ledger.entry_history(db, ref)
    if not revisions:
        raise ProblemError(404, "Not found", f"No entry {ref}.")
    return [
        {
            **entry_json(r.entry),
            "revision": r.revision,
            "recorded_at": utc_iso(r.recorded_at),
            "recorded_by": r.recorded_by,
        }
        for r in revisions
    ]


@router.post("/entries/check", response_model=CheckOut)
def check_entry(db: Db, _user: Viewer, body: EntryIn) -> dict[str, Any]:
    """What the entry would do to the quotas and which findings it would raise; records nothing."""
    agreements = catalog.agreements_as_of(db)
    entry = parse(db, body, body.ref or "PROPOSED", agreements)
    return ledger.check_entry(db, entry, agreements[entry.agreement]).as_json()


@router.get("/declarations", response_model=list[DeclarationOut])
def list_declarations(db: Db, _user: Viewer, year: int | None = None, state: str | None = None) -> list[dict[str, Any]]:
    return [
        {"state": d.state, "year": d.year, "name": d.name, "value": d.value, "source": d.source}
        for d in ledger.list_declarations(db)
        if (year is None or d.year == year) and (state is None or d.state == state)
    ]


@router.post("/declarations", response_model=DeclarationOut)
def record_declaration(db: Db, user: Officer, body: DeclarationIn, response: Response) -> dict[str, Any]:
    try:
        declaration = Declaration(
            state=body.state, year=body.year, name=body.name, value=body.value, source=body.source
        )
    except DomainError as exc:
        raise ProblemError(
            422, "Invalid declaration", exc.message, errors=[{"field": exc.field or "", "message": exc.message}]
        ) from None
    response.status_code = 201 if ledger.declare(db, declaration, at=now(), by=user.username) else 200
    return body.model_dump()
