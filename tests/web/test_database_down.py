"""A database that stops answering: 503 problem+json (never a bare 500), /ready fails, and both recover.

PostgreSQL is reached through a TCP relay the test can stop and start again
on the same port, which is what a database restart looks like to csbm; the
shared server itself is never stopped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import select
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db.session import make_engine, transaction
from app.services import accounts
from app.web.app import create_app
from tests.integration.cli_helpers import csbm

PROBLEM = "application/problem+json"


class Relay:
    """Forwards a local port to a server; ``stop`` closes the port and every relayed connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = int(probe.getsockname()[1])
        probe.close()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            # shutdown first: a bare close would not wake the thread blocked in accept()
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.sockets = []

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError, ValueError):
            while True:
                ready, _, _ = select.select([a, b], [], [], 1.0)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)


@pytest.fixture
def relayed(database_url: str) -> Iterator[tuple[str, Relay]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("the relay stands in for a PostgreSQL server")
    url = make_url(database_url)
    relay = Relay((url.host or "127.0.0.1", url.port or 5432))
    relay.start()
    try:
        yield url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False), relay
    finally:
        relay.stop()


def _token(url: str) -> str:
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    try:
        with transaction(engine, write=True) as session:
            accounts.add_user(
                session, username="probe", password="a long password", role=accounts.Role.VIEWER, at=now, by="t"
            )
            return accounts.create_token(session, username="probe", name="t", days=1, at=now, by="t")
    finally:
        engine.dispose()


def test_a_stopped_database_answers_503_and_both_recover_when_it_returns(
    relayed: tuple[str, Relay], tmp_path: Path
) -> None:
    url, relay = relayed
    csbm(url, "agreements", "load")
    headers = {"Authorization": f"Bearer {_token(url)}"}
    with TestClient(
        create_app(Settings(database_url=url, reports_dir=str(tmp_path))), follow_redirects=False
    ) as client:
        assert client.get("/api/v1/ready").json() == {"status": "ready"}
        assert client.get("/api/v1/findings?from=2025-01-01", headers=headers).status_code == 200
        relay.stop()
        for path in ("/api/v1/findings?from=2025-01-01", "/api/v1/quota?year=2025", "/api/v1/entries"):
            down = client.get(path, headers=headers)
            assert down.status_code == 503, down.text
            assert down.headers["content-type"] == PROBLEM
            assert down.headers["retry-after"]
            assert down.json()["title"] == "Database unavailable"
        not_ready = client.get("/api/v1/ready")
        assert (not_ready.status_code, not_ready.json()["detail"]) == (503, "the database does not answer")
        client.cookies.set("csbm_session", "any")
        page = client.get("/findings")
        client.cookies.clear()
        assert page.status_code == 503
        assert "Database unavailable" in page.text
        relay.start()
        assert client.get("/api/v1/ready").json() == {"status": "ready"}
        assert client.get("/api/v1/findings?from=2025-01-01", headers=headers).status_code == 200


def test_the_cli_says_the_same_for_every_command_when_the_database_does_not_answer(
    relayed: tuple[str, Relay],
) -> None:
    url, relay = relayed
    relay.stop()
    messages = {
        csbm(url, *command, expect=1).stderr.splitlines()[-1].split(":")[0]
        for command in (("quota",), ("findings",), ("ledger", "history", "X"), ("declarations",), ("users", "list"))
    }
    assert messages == {"the database is unavailable"}


def test_a_database_never_set_up_is_named_and_ready_fails(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    stderr = csbm(url, "quota", expect=1).stderr
    assert stderr.startswith("the database is not set up: run `csbm db upgrade` first")
    with TestClient(create_app(Settings(database_url=url, reports_dir=str(tmp_path)))) as client:
        ready = client.get("/api/v1/ready")
        assert (ready.status_code, ready.json()["detail"]) == (503, "the database is not set up: run `csbm db upgrade`")
        answer = client.get("/api/v1/quota", headers={"Authorization": "Bearer x"})
        assert (answer.status_code, answer.headers["content-type"]) == (503, PROBLEM)
        assert answer.json()["detail"].startswith("the database is not set up")
