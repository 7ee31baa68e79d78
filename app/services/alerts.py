"""Alerts: what a scheduled check found wrong, kept until an admin acknowledges it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Alert
from app.services.accounts import audit


def raise_alert(session: Session, *, kind: str, message: str, at: dt.datetime) -> bool:
    """Record an alert; False when the same one is already open (a daily check repeats itself)."""
    open_same = session.scalar(
        select(Alert.id).where(Alert.kind == kind, Alert.message == message, Alert.acknowledged_at.is_(None))
    )
    if open_same is not None:
        return False
    session.add(Alert(raised_at=at, kind=kind, message=message))
    session.flush()
    return True


def open_alerts(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(Alert).where(Alert.acknowledged_at.is_(None)).order_by(Alert.raised_at.desc()))
    return [
        {"id": a.id, "kind": a.kind, "message": a.message, "raised_at": _utc(a.raised_at).isoformat()} for a in rows
    ]


def acknowledge(session: Session, alert_id: int, *, by: str, at: dt.datetime) -> bool:
    alert = session.get(Alert, alert_id)
    if alert is None or alert.acknowledged_at is not None:
        return False
    alert.acknowledged_at, alert.acknowledged_by = at, by
    audit(session, by=by, at=at, action="alert.acknowledge", target=str(alert_id), after={"kind": alert.kind})
    return True


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
