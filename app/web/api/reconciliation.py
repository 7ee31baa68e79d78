"""API: recorded reconciliations, as ``csbm reconciliation show --json`` prints them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.domain.errors import DomainError
from app.services import reconciliation_view as reconciliation
from app.web.deps import Db, Viewer
from app.web.errors import ProblemError

router = APIRouter(prefix="/api/v1", tags=["reconciliation"])


@router.get("/reconciliations")
def list_reconciliations(db: Db, _user: Viewer) -> list[dict[str, Any]]:
    """Every recorded reconciliation, newest first, with its counts by kind."""
    return reconciliation.list_reconciliations(db)


@router.get("/reconciliations/{number}")
def get_reconciliation(db: Db, _user: Viewer, number: int) -> dict[str, Any]:
    """One reconciliation: both statements' hashes and chain heads, every item with its latest
    resolution, the quota rows side by side, and the history of resolutions."""
    try:
        return reconciliation.load_reconciliation(db, number).as_json()
    except DomainError:
        raise ProblemError(404, "Not found", f"No reconciliation {number}.") from None
