"""API: what falls due."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.services import deadlines
from app.services.states import checked_state
from app.web.deps import Db, Viewer, now, settings_of
from app.web.schemas import DeadlineOut

router = APIRouter(prefix="/api/v1", tags=["status"])


@router.get("/due", response_model=list[DeadlineOut])
def due(
    db: Db,
    _user: Viewer,
    request: Request,
    within: Annotated[
        str | None, Query(max_length=12, description="Only what falls due this soon: 72h, 3d, 90m")
    ] = None,
    state: Annotated[str | None, Query(max_length=2, description="Only this state's entries and dates")] = None,
    at: Annotated[str | None, Query(max_length=40, description="Answer as at this moment (ISO 8601)")] = None,
) -> list[dict[str, Any]]:
    """Open and missed deadlines, soonest first; times in UTC."""
    moment = deadlines.parse_at(at, now())
    window = deadlines.parse_within(within) if within else None
    home = settings_of(request).home_state
    found = deadlines.due(db, at=moment, within=window, state=checked_state(state), home=home)
    return [d.as_json(moment) for d in found]
