"""Alerts: what a scheduled check or a recorded entry found that people must see.

Each is shown on the dashboard until acknowledged (who and when are kept), and,
where mail or a webhook is configured, delivered through the outbox
(app/services/outbox.py). An alert raised once per occasion (a deadline's stage,
a filled quota) carries that occasion's key, so running the same step again raises
nothing new.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.db import alerts as repo
from app.db.models import Alert
from app.reporting.i18n import Localizer
from app.services.accounts import audit

CHAIN_BREAK = "chain_break"


def raise_alert(session: Session, *, kind: str, message: str, at: dt.datetime) -> bool:
    """Record an alert; False when the same one is already open (a daily check repeats itself)."""
    if repo.open_alert_id(session, kind=kind, message=message) is not None:
        return False
    repo.add_alert(session, kind=kind, message=message, at=at)
    return True


def raise_once(
    session: Session,
    *,
    kind: str,
    key: str,
    message: str,
    params: Mapping[str, str],
    at: dt.datetime,
    translated: Collection[str] = (),
) -> Alert | None:
    """Raise the alert for ``key`` unless it was ever raised; ``message`` is a gettext id
    formatted with ``params`` (those named in ``translated`` are gettext ids too), kept in
    English and Russian. None when it exists."""
    if repo.alert_by_key(session, key) is not None:
        return None
    texts = {lang: _format(Localizer(lang), message, params, translated) for lang in ("en", "ru")}
    return repo.add_keyed_alert(session, kind=kind, key=key, message=texts["en"], message_ru=texts["ru"], at=at)


def _format(loc: Localizer, message: str, params: Mapping[str, str], translated: Collection[str]) -> str:
    return loc._(message).format(**{k: loc._(v) if k in translated else v for k, v in params.items()})


def open_alerts(session: Session, lang: str = "en") -> list[dict[str, Any]]:
    return [
        {
            "id": a.id,
            "kind": a.kind,
            "message": a.message_ru if lang == "ru" and a.message_ru else a.message,
            "raised_at": a.raised_at.isoformat(),
        }
        for a in repo.open_alerts(session)
    ]


def acknowledge(session: Session, alert_id: int, *, by: str, at: dt.datetime, admin: bool = True) -> bool:
    """Acknowledge an open alert; a break in the recorded history only an admin may."""
    alert = repo.alert_by_id(session, alert_id)
    if alert is None or alert.acknowledged_at is not None or (alert.kind == CHAIN_BREAK and not admin):
        return False
    alert.acknowledged_at, alert.acknowledged_by = at, by
    audit(session, by=by, at=at, action="alert.acknowledge", target=str(alert_id), after={"kind": alert.kind})
    return True
