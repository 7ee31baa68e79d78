"""A web app per test on a migrated database of each kind, with a user of every role."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db.session import make_engine, transaction
from app.services import accounts
from app.web.app import create_app
from tests.integration.cli_helpers import csbm

PASSWORD = "correct horse battery"


@dataclass
class Web:
    client: TestClient
    tokens: dict[str, str]
    url: str
    reports: Path

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def login(self, username: str, password: str = PASSWORD) -> str:
        """Log the client in through the form; return the session's CSRF token."""
        page = self.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        response = self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token.group(1), "next": "/"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        home = self.client.get("/")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
        assert csrf
        return csrf.group(1)


@pytest.fixture
def web(database_url: str, tmp_path: Path) -> Iterator[Web]:
    csbm(database_url, "demo")
    engine = make_engine(database_url)
    now = dt.datetime.now(dt.UTC)
    tokens = {}
    with transaction(engine, write=True) as session:
        for role in accounts.Role:
            accounts.add_user(session, username=role.value, password=PASSWORD, role=role, at=now, by="test")
            tokens[role.value] = accounts.create_token(
                session, username=role.value, name="test", days=1, at=now, by="test"
            )
    engine.dispose()
    settings = Settings(database_url=database_url, home_state="BY", reports_dir=str(tmp_path / "reports"))
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield Web(client, tokens, database_url, tmp_path / "reports")


def entry_body(ref: str, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "ref": ref,
        "agreement": "vd2011",
        "activity": "inspection",
        "inspecting_state": "NL",
        "receiving_state": "BY",
        "requested_at": "2026-10-01",
        "start": "2026-10-12",
        "end": "2026-10-13",
        "status": "accepted",
        "team_size": 4,
    }
    body.update(overrides)
    return body
