"""Sending an alert: by mail over SMTP (the standard library's smtplib) and by an HTTP
webhook. Each raises DeliveryFailed with the reason; the outbox retries it."""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    """A delivery that did not go through; the message says why."""


def smtp_server(url: str) -> tuple[str, int, bool]:
    """(host, port, TLS from the start) of smtp://host[:port] or smtps://host[:port]."""
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    return parts.hostname or "", parts.port or (465 if secure else 25), secure


@contextmanager
def smtp_connection(url: str) -> Iterator[smtplib.SMTP]:
    """A connection to the server of ``url``, logged in when the URL carries a user."""
    host, port, secure = smtp_server(url)
    client = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with client(host, port, timeout=TIMEOUT_SECONDS) as smtp:
        parts = urlsplit(url)
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        yield smtp


def send_mail(url: str, *, sender: str, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    try:
        with smtp_connection(url) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"mail to {to}: {exc or type(exc).__name__}") from None


def post_webhook(url: str, payload: dict[str, Any]) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryFailed(f"webhook {url}: only http and https addresses are used")
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"webhook {url}: HTTP {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise DeliveryFailed(f"webhook {url}: {exc or type(exc).__name__}") from None
