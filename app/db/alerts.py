"""Queries for the alerts a scheduled check raises."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.base import add_once
from app.db.models import Alert


def open_alert_id(session: Session, *, kind: str, message: str) -> int | None:
    return session.scalar(
        select(Alert.id).where(Alert.kind == kind, Alert.message == message, Alert.acknowledged_at.is_(None))
    )


def add_alert(session: Session, *, kind: str, message: str, at: dt.datetime) -> None:
    session.add(Alert(raised_at=at, kind=kind, message=message))
    session.flush()


def open_alerts(session: Session) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.acknowledged_at.is_(None)).order_by(Alert.raised_at.desc())))


def alert_by_id(session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id)


def alert_by_key(session: Session, key: str) -> Alert | None:
    return session.scalar(select(Alert).where(Alert.key == key))


def add_keyed_alert(
    session: Session, *, kind: str, key: str, message: str, message_ru: str, at: dt.datetime
) -> Alert | None:
    """The new alert; None when one with this key exists (raised once, even by two processes)."""
    alert = Alert(raised_at=at, kind=kind, key=key, message=message, message_ru=message_ru)
    return alert if add_once(session, alert) else None
