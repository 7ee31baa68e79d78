"""API: the quota-filled notices, and each received activity's checklist of agencies."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from app.services import checklist, entries, notices
from app.web.deps import Db, Officer, Viewer, now, settings_of

router = APIRouter(prefix="/api/v1", tags=["notices and checklists"])


class NoticeSentIn(BaseModel):
    """What the officer records about a notice sent through the OSCE network."""

    model_config = ConfigDict(extra="forbid")

    on: str = Field(max_length=40, examples=["2025-06-02"], description="The day it was sent")
    reference: str = Field(max_length=200, examples=["BY/VD/2025/117"], description="The outgoing reference")


class ChecklistMarkIn(BaseModel):
    """An agency informed of a team's arrival or departure."""

    model_config = ConfigDict(extra="forbid")

    agency: str = Field(max_length=40, examples=["border"])
    event: str = Field(max_length=20, examples=["arrival"])
    done_at: str | None = Field(default=None, max_length=40, description="When; default now (UTC)")
    done_by: str | None = Field(default=None, max_length=200, description="By whom; default the user")


@router.get("/notices")
def list_notices(db: Db, _user: Viewer) -> list[dict[str, Any]]:
    """The notices drafted when a quota of ours was filled (the rows of `csbm notices --json`)."""
    return notices.list_notices(db)


@router.post("/notices/{notice_id}/sent")
def mark_sent(db: Db, user: Officer, notice_id: int, body: NoticeSentIn) -> dict[str, Any]:
    """Record that the notice was sent, with the day and the outgoing reference (audited)."""
    return notices.mark_sent(db, notice_id, notices.sending(body.on, body.reference), by=user.username, at=now())


@router.get("/entries/{ref}/checklist")
def get_checklist(request: Request, db: Db, _user: Viewer, ref: str) -> dict[str, Any] | None:
    """The agencies to inform of the team's arrival and departure; null where there is none."""
    return checklist.checklist_json(db, entries.existing(db, ref), settings_of(request).home_state)


@router.post("/entries/{ref}/checklist")
def mark_done(request: Request, db: Db, user: Officer, ref: str, body: ChecklistMarkIn) -> dict[str, Any]:
    """Mark one item done: when and by whom (audited)."""
    fields = {k: v for k, v in body.model_dump().items() if v is not None}
    home = settings_of(request).home_state
    item = checklist.mark_done(db, entries.existing(db, ref), home, fields, by=user.username, at=now())
    return checklist.item_json(item)
