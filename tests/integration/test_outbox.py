"""Alerts reach people: mail through a real local SMTP server, a webhook through a real
local HTTP server, each once; a failed delivery is retried with backoff and never dropped."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine

from app.config import Settings
from app.db.session import transaction
from app.domain.alerting import backoff
from app.services import outbox
from app.services.alerts import acknowledge, open_alerts, raise_once
from app.services.notify import Notified, run
from tests.integration.cli_helpers import csbm

AT = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)


@dataclass
class Inbox:
    """Messages the local SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()


@pytest.fixture
def migrated(database_url: str, engine: Engine) -> Engine:
    csbm(database_url, "db", "upgrade")
    return engine


def quota_alert(engine: Engine, key: str = "k1") -> None:
    with transaction(engine, write=True) as session:
        raise_once(
            session,
            kind="quota_filled",
            key=key,
            message="{party}: the quota {rule} of {agreement} for {period} is filled (last entry {ref}); "
            "a notice to the other participating States is drafted for you to send",
            params={"party": "BY", "rule": "evaluation_visit.passive", "agreement": "vd2011", "period": "2026",
                    "ref": "EV-2"},
            at=AT,
        )  # fmt: skip


def step(engine: Engine, settings: Settings, at: dt.datetime = AT) -> Notified:
    with transaction(engine, write=True) as session:
        return run(session, settings, at=at)


def test_one_alert_is_one_message_in_each_recipients_language_and_a_second_run_sends_nothing(
    migrated: Engine, smtp: tuple[str, Inbox]
) -> None:
    url, inbox = smtp
    settings = Settings(
        smtp_url=url, alert_mail_officer="duty@centre.by/ru, chief@centre.by", alert_mail_admin="it@x.by"
    )
    quota_alert(migrated)
    assert step(migrated, settings).as_json() == {"raised": 0, "queued": 2, "sent": 2, "failed": 0}
    by_address = {m["To"]: m for m in inbox.messages}
    assert sorted(by_address) == ["chief@centre.by", "duty@centre.by"]  # officers only: not the admin
    russian, english = by_address["duty@centre.by"], by_address["chief@centre.by"]
    assert russian["Subject"] == "csbm: Наша квота исчерпана: необходимо направить уведомление."
    assert "подготовлен проект уведомления" in russian.get_content()
    assert english["Subject"] == "csbm: A quota of ours is filled: a notice is to be sent."
    assert "a notice to the other participating States is drafted" in english.get_content()
    assert step(migrated, settings, AT + dt.timedelta(minutes=5)).as_json() == {
        "raised": 0, "queued": 0, "sent": 0, "failed": 0
    }  # fmt: skip
    assert len(inbox.messages) == 2


def test_without_a_mail_server_nothing_is_sent_or_queued(migrated: Engine, smtp: tuple[str, Inbox]) -> None:
    _, inbox = smtp
    quota_alert(migrated)
    assert step(migrated, Settings(alert_mail_officer="duty@centre.by")).as_json()["queued"] == 0
    assert inbox.messages == []


def test_an_acknowledged_alert_is_not_mailed(migrated: Engine, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    quota_alert(migrated)
    with transaction(migrated, write=True) as session:
        (alert,) = open_alerts(session)
        assert acknowledge(session, alert["id"], by="duty", at=AT, admin=False)
    step(migrated, Settings(smtp_url=url, alert_mail_officer="duty@centre.by"))
    assert inbox.messages == []


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    status = 204

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(Hook.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    Hook.received, Hook.status = [], 204
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def test_the_webhook_gets_each_alert_once_in_both_languages(migrated: Engine, webhook: str) -> None:
    quota_alert(migrated)
    settings = Settings(alert_webhook_url=webhook)
    assert step(migrated, settings).as_json()["sent"] == 1
    step(migrated, settings, AT + dt.timedelta(minutes=5))
    (payload,) = Hook.received
    assert payload["kind"] == "quota_filled"
    assert payload["key"] == "k1"
    assert "EV-2" in payload["message"]["en"]
    assert "исчерпана" in payload["message"]["ru"]


def test_a_failed_delivery_is_retried_with_backoff_shown_and_never_dropped(migrated: Engine, webhook: str) -> None:
    quota_alert(migrated)
    Hook.status = 503
    settings = Settings(alert_webhook_url=webhook, alert_retry_seconds=60, alert_retry_max_seconds=3600)
    assert step(migrated, settings).as_json()["failed"] == 1
    with transaction(migrated) as session:
        (shown,) = outbox.failed_deliveries(session)
    assert (shown["attempts"], shown["last_error"]) == (1, f"webhook {webhook}: HTTP 503")
    assert shown["next_attempt_at"] == AT + dt.timedelta(seconds=60)
    # Not yet due: nothing is tried. Then due, failing again: the wait doubles.
    assert step(migrated, settings, AT + dt.timedelta(seconds=30)).as_json()["failed"] == 0
    assert step(migrated, settings, AT + dt.timedelta(seconds=60)).as_json()["failed"] == 1
    with transaction(migrated) as session:
        (shown,) = outbox.failed_deliveries(session)
    assert shown["attempts"] == 2
    assert shown["next_attempt_at"] == AT + dt.timedelta(seconds=60 + 120)
    Hook.status = 204
    assert step(migrated, settings, AT + dt.timedelta(seconds=180)).as_json()["sent"] == 1
    with transaction(migrated) as session:
        assert outbox.failed_deliveries(session) == []
    assert len(Hook.received) == 3


def test_an_unreachable_mail_server_fails_the_delivery_without_losing_it(migrated: Engine) -> None:
    quota_alert(migrated)
    settings = Settings(smtp_url=f"smtp://127.0.0.1:{free_port()}", alert_mail_officer="duty@centre.by")
    assert step(migrated, settings).as_json()["failed"] == 1
    with transaction(migrated) as session:
        (shown,) = outbox.failed_deliveries(session)
    assert shown["recipient"] == "duty@centre.by"
    assert shown["last_error"].startswith("mail to duty@centre.by:")


def test_backoff_doubles_up_to_its_cap() -> None:
    waits = [backoff(n, base_seconds=60, cap_seconds=600).total_seconds() for n in range(0, 7)]
    assert waits == [0, 60, 120, 240, 480, 600, 600]


def test_the_scheduler_job_runs_the_same_step(migrated: Engine, webhook: str) -> None:
    from app.scheduler import jobs
    from app.scheduler.registry import spec_by_id

    quota_alert(migrated)
    settings = Settings(alert_webhook_url=webhook)
    assert spec_by_id(settings, "alerts").cron == "*/5 * * * *"
    jobs.run_alerts(jobs.Runtime(settings, migrated), AT)
    jobs.run_alerts(jobs.Runtime(settings, migrated), AT + dt.timedelta(minutes=5))
    assert len(Hook.received) == 1
