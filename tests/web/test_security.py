"""The security pass: token throttling, secrets kept out of logs, no way out of reports/."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import text

from app.db.session import make_engine
from tests.web.conftest import PASSWORD, Web, entry_body


def test_unknown_tokens_are_throttled_per_address_and_the_attempts_are_recorded(web: Web) -> None:
    bad = {"Authorization": "Bearer not-a-real-token"}
    statuses = [web.client.get("/api/v1/quota?year=2025", headers=bad).status_code for _ in range(21)]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429
    assert web.client.get("/api/v1/quota?year=2025", headers=bad).json()["title"] == "Too many failed attempts"
    # A real token is still accepted: 256 random bits cannot be guessed in twenty tries.
    assert web.client.get("/api/v1/quota?year=2025", headers=web.as_("viewer")).status_code == 200


def count(url: str, table: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def test_a_write_with_an_unknown_token_records_the_attempt_and_nothing_else(web: Web) -> None:
    before = count(web.url, "ledger_entries"), count(web.url, "login_failures")
    body = {**entry_body("FORGED-1")}
    assert web.client.post("/api/v1/entries", json=body, headers={"Authorization": "Bearer forged"}).status_code == 401
    assert (count(web.url, "ledger_entries"), count(web.url, "login_failures")) == (before[0], before[1] + 1)


def test_tokens_and_passwords_never_reach_the_logs(web: Web, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = web.tokens["officer"]
    web.client.get("/api/v1/quota?year=2025", headers=web.as_("officer"))
    web.client.get("/api/v1/quota?year=2025", headers={"Authorization": "Bearer wrong-token-value"})
    csrf = web.login("officer")
    web.client.post("/logout", data={"csrf_token": csrf})
    page = web.client.get("/login")
    login_csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert login_csrf
    web.client.post(
        "/login", data={"username": "officer", "password": "a wrong secret", "csrf_token": login_csrf.group(1)}
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged  # the app and its libraries did log
    for secret in (token, "wrong-token-value", PASSWORD, "a wrong secret", csrf):
        assert secret not in logged


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/..%2F..%2Fetc/passwd",
        "/api/v1/reports/2025Q2/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/v1/reports/2025Q2/en%2F..%2F..%2Fmanifest.json",
        "/api/v1/reports/%2Fetc/passwd",
        "/reports/..%2F..%2Fetc/passwd",
    ],
)
def test_report_downloads_cannot_leave_the_reports_folder(web: Web, path: str) -> None:
    response = web.client.get(path, headers=web.as_("viewer"))
    assert response.status_code in (404, 422)
    assert "root:" not in response.text
