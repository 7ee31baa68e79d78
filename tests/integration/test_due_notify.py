"""The issue's check: `csbm due --notify` against a local SMTP server sends one message per
alert, and nothing the second time; the missed stage is one more."""

from __future__ import annotations

import pytest

from app.cli import app
from tests.integration.cli_helpers import csbm, runner
from tests.integration.test_outbox import Inbox, smtp

__all__ = ["smtp"]  # the fixture, shared


@pytest.fixture
def ledger(database_url: str, smtp: tuple[str, Inbox], monkeypatch: pytest.MonkeyPatch) -> str:
    url, _ = smtp
    for name, value in {
        "CSBM_HOME_STATE": "BY",
        "CSBM_SMTP_URL": url,
        "CSBM_ALERT_MAIL_OFFICER": "duty@centre.by/ru",
    }.items():
        monkeypatch.setenv(name, value)
    csbm(database_url, "db", "upgrade")
    csbm(database_url, "agreements", "load")
    csbm(
        database_url, "ledger", "add", "--ref", "BY-INS-9", "--agreement", "vd2011", "--activity", "inspection",
        "--inspecting-state", "DE", "--receiving-state", "BY", "--requested-at", "2026-03-02T09:00",
        "--start", "2026-03-04T08:00", "--end", "2026-03-05T08:00", "--status", "requested",
    )  # fmt: skip
    return database_url


def notify(url: str, at: str) -> str:
    result = runner.invoke(
        app,
        ["due", "--notify", "--at", at, "--json", "--database-url", url],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return result.stderr


def test_due_notify_mails_each_stage_once(ledger: str, smtp: tuple[str, Inbox]) -> None:
    _, inbox = smtp
    assert "raised 0" in notify(ledger, "2026-03-02T15:00")  # 18 h left: outside the 6 h window
    assert inbox.messages == []
    assert "raised 1" in notify(ledger, "2026-03-03T04:00")  # 5 h left
    (warning,) = inbox.messages
    assert warning["To"] == "duty@centre.by"
    assert "BY-INS-9" in warning.get_content()
    assert "ответ" in warning.get_content()
    assert "raised 0, queued 0, sent 0" in notify(ledger, "2026-03-03T05:00")
    assert len(inbox.messages) == 1
    assert "raised 1" in notify(ledger, "2026-03-03T10:00")  # 25 h after the request: missed
    assert "пропущен" in inbox.messages[1].get_content()
    notify(ledger, "2026-03-03T11:00")
    assert len(inbox.messages) == 2


def test_a_reply_recorded_in_time_raises_nothing(ledger: str, smtp: tuple[str, Inbox]) -> None:
    _, inbox = smtp
    csbm(ledger, "ledger", "reply", "BY-INS-9", "--accept", "--at", "2026-03-02T12:00")
    notify(ledger, "2026-03-03T04:00")
    notify(ledger, "2026-03-03T10:00")
    assert inbox.messages == []
