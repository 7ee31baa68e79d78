"""The alert outbox: every open alert is queued once for each recipient its role has (mail)
and for the webhook, and each queued delivery is tried until it goes through.

A failed delivery waits (app/domain/alerting.py backoff) and is tried again; it stays in
the outbox, shown on the admin page, and is never dropped. Running the step again sends
nothing that was sent: a delivery is queued once per alert, channel and recipient.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from app.config import Settings
from app.db import outbox as repo
from app.db.live_models import AlertDelivery
from app.db.models import Alert
from app.domain.alerting import Recipient, backoff, parse_recipients, role_of
from app.domain.messages import N_
from app.reporting.i18n import Localizer
from app.services.senders import DeliveryFailed, post_webhook, send_mail

MAIL, WEBHOOK = "email", "webhook"
HEADLINES = {
    "chain_break": N_("The recorded history was changed outside csbm."),
    "quota_filled": N_("A quota of ours is filled: a notice is to be sent."),
}
DEFAULT_HEADLINE = N_("A deadline needs attention.")


@dataclass(frozen=True, slots=True)
class Channels:
    """Where alerts go: mail (when a server and recipients are set) and a webhook."""

    smtp_url: str = ""
    sender: str = "csbm@localhost"
    recipients: dict[str, list[Recipient]] = field(default_factory=dict)
    webhook_url: str = ""
    retry_seconds: int = 60
    retry_max_seconds: int = 3600

    @classmethod
    def from_settings(cls, settings: Settings) -> Channels:
        """The channels the settings configure; DomainError naming a bad recipient setting."""
        recipients = {
            "officer": parse_recipients(settings.alert_mail_officer, field="CSBM_ALERT_MAIL_OFFICER"),
            "admin": parse_recipients(settings.alert_mail_admin, field="CSBM_ALERT_MAIL_ADMIN"),
        }
        return cls(
            settings.smtp_url,
            settings.smtp_from,
            recipients,
            settings.alert_webhook_url,
            settings.alert_retry_seconds,
            settings.alert_retry_max_seconds,
        )

    def targets(self, kind: str) -> list[tuple[str, str, str]]:
        """(channel, recipient, language) an alert of ``kind`` goes to."""
        mail = [(MAIL, r.address, r.lang) for r in self.recipients.get(role_of(kind), [])] if self.smtp_url else []
        return mail + ([(WEBHOOK, self.webhook_url, "en")] if self.webhook_url else [])


class Delivered(NamedTuple):
    """What one run of the outbox did; its ``_asdict()`` is the JSON shape."""

    queued: int
    sent: int
    failed: int


def enqueue(session: Session, channels: Channels, at: dt.datetime) -> int:
    """Queue every open alert for each of its targets not yet queued; the count queued."""
    alerts = repo.open_alerts(session)
    done = repo.queued(session, [a.id for a in alerts])
    count = 0
    for alert in alerts:
        for target in channels.targets(alert.kind):
            if (alert.id, *target[:2]) not in done:
                count += repo.add_delivery(session, alert.id, target, at)
    return count


def deliver(session: Session, channels: Channels, at: dt.datetime) -> Delivered:
    """Queue what is new, then try every delivery that is due."""
    queued, sent, failed = enqueue(session, channels, at), 0, 0
    for delivery, alert in repo.due(session, at):
        try:
            _send(channels, delivery, alert)
        except DeliveryFailed as exc:
            _failed(delivery, str(exc), channels, at)
            failed += 1
            continue
        delivery.status, delivery.sent_at, delivery.attempts = repo.SENT, at, delivery.attempts + 1
        sent += 1
    session.flush()
    return Delivered(queued, sent, failed)


def _failed(delivery: AlertDelivery, reason: str, channels: Channels, at: dt.datetime) -> None:
    delivery.attempts += 1
    delivery.status, delivery.last_error = repo.FAILED, reason[:2000]
    wait = backoff(delivery.attempts, base_seconds=channels.retry_seconds, cap_seconds=channels.retry_max_seconds)
    delivery.next_attempt_at = at + wait


def _text(alert: Alert, lang: str) -> tuple[str, str]:
    loc = Localizer(lang)
    headline = loc._(HEADLINES.get(alert.kind, DEFAULT_HEADLINE))
    message = alert.message_ru if lang == "ru" and alert.message_ru else alert.message
    return f"csbm: {headline}", f"{headline}\n\n{message}\n\n{loc._('Raised at')}: {alert.raised_at.isoformat()}\n"


def _send(channels: Channels, delivery: AlertDelivery, alert: Alert) -> None:
    if delivery.channel == WEBHOOK:
        post_webhook(delivery.recipient, payload(alert))
        return
    subject, body = _text(alert, delivery.language)
    send_mail(channels.smtp_url, sender=channels.sender, to=delivery.recipient, subject=subject, body=body)


def payload(alert: Alert) -> dict[str, Any]:
    """What the webhook is sent: the alert in both languages."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "key": alert.key,
        "raised_at": alert.raised_at.isoformat(),
        "message": {"en": alert.message, "ru": alert.message_ru or alert.message},
    }


def failed_deliveries(session: Session) -> list[dict[str, Any]]:
    """Deliveries that failed and wait for their next attempt, for the admin page."""
    return [
        {
            "id": d.id,
            "alert": a.id,
            "kind": a.kind,
            "channel": d.channel,
            "recipient": d.recipient,
            "attempts": d.attempts,
            "last_error": d.last_error,
            "next_attempt_at": d.next_attempt_at,
        }
        for d, a in repo.failed(session)
    ]
