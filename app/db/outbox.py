"""Queries for the alert outbox: one row per alert, channel and recipient."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.db.base import add_once
from app.db.live_models import AlertDelivery
from app.db.models import Alert

PENDING, SENT, FAILED = "pending", "sent", "failed"


def open_alerts(session: Session) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.acknowledged_at.is_(None)).order_by(Alert.id)))


def queued(session: Session, alert_ids: list[int]) -> set[tuple[int, str, str]]:
    """(alert, channel, recipient) of every delivery already queued for these alerts."""
    if not alert_ids:
        return set()
    rows = session.execute(
        select(AlertDelivery.alert_id, AlertDelivery.channel, AlertDelivery.recipient).where(
            AlertDelivery.alert_id.in_(alert_ids)
        )
    )
    return {(a, c, r) for a, c, r in rows}


def add_delivery(session: Session, alert_id: int, target: tuple[str, str, str], at: dt.datetime) -> bool:
    """Queue an alert for one (channel, recipient, language) target, due at once; False where it already is."""
    channel, recipient, language = target
    row = AlertDelivery(alert_id=alert_id, channel=channel, recipient=recipient, language=language, status=PENDING)
    row.next_attempt_at = row.created_at = at
    return add_once(session, row)


def due(session: Session, at: dt.datetime) -> list[tuple[AlertDelivery, Alert]]:
    """Deliveries not yet made whose next attempt is due, oldest first."""
    rows = session.execute(
        select(AlertDelivery, Alert)
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .where(or_(AlertDelivery.status == PENDING, AlertDelivery.status == FAILED))
        .where(AlertDelivery.next_attempt_at <= at)
        .order_by(AlertDelivery.id)
        .with_for_update(skip_locked=True, of=AlertDelivery)
    )
    return [(d, a) for d, a in rows]


def failed(session: Session) -> list[tuple[AlertDelivery, Alert]]:
    rows = session.execute(
        select(AlertDelivery, Alert)
        .join(Alert, Alert.id == AlertDelivery.alert_id)
        .where(AlertDelivery.status == FAILED)
        .order_by(AlertDelivery.next_attempt_at)
    )
    return [(d, a) for d, a in rows]
