"""Alerts: what a scheduled check found wrong, kept until an admin acknowledges it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from app.db import alerts as repo
from app.services.accounts import audit


def raise_alert(session: Session, *, kind: str, message: str, at: dt.datetime) -> bool:
    """Record an alert; False when the same one is already open (a daily check repeats itself)."""
    if repo.open_alert_id(session, kind=kind, message=message) is not None:
        return False
    repo.add_alert(session, kind=kind, message=message, at=at)
    return True


def open_alerts(session: Session) -> list[dict[str, Any]]:
    return [
        {"id": a.id, "kind": a.kind, "message": a.message, "raised_at": a.raised_at.isoformat()}
        for a in repo.open_alerts(session)
    ]


def acknowledge(session: Session, alert_id: int, *, by: str, at: dt.datetime) -> bool:
    alert = repo.alert_by_id(session, alert_id)
    if alert is None or alert.acknowledged_at is not None:
        return False
    alert.acknowledged_at, alert.acknowledged_by = at, by
    audit(session, by=by, at=at, action="alert.acknowledge", target=str(alert_id), after={"kind": alert.kind})
    return True
