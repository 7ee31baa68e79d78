"""`csbm serve --workers N`: every worker listens on a socket of its own, so keep-alive
clients are spread over the workers instead of all landing on whichever one is awake."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from app.db.migrate import upgrade
from app.db.session import make_engine
from app.web.serving import spreads_connections

CSBM = str(Path(sys.executable).parent / "csbm")

pytestmark = pytest.mark.skipif(
    not spreads_connections() or shutil.which("ss") is None, reason="needs Linux SO_REUSEPORT and iproute2's ss"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def ss(*args: str) -> str:
    return subprocess.run(["ss", "-tnpH", *args], capture_output=True, text=True, check=True).stdout


def test_two_workers_listen_on_two_sockets_and_share_the_connections(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'csbm.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    port = free_port()
    server = subprocess.Popen(
        [CSBM, "serve", "--port", str(port), "--workers", "2", "--database-url", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    connections: list[http.client.HTTPConnection] = []
    try:
        deadline = time.monotonic() + 60
        while len(set(re.findall(r"pid=(\d+)", ss("-l", f"sport = :{port}")))) < 3:  # supervisor + 2 workers
            assert time.monotonic() < deadline, "the workers did not start"
            assert server.poll() is None, "csbm serve ended"
            time.sleep(0.2)
        listening = ss("-l", f"sport = :{port}").strip().splitlines()
        assert len(listening) == 2, listening  # one listening socket per worker, not one shared
        for _ in range(24):  # keep-alive clients: each stays on the worker that accepted it
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/api/v1/health")
            assert connection.getresponse().read()
            connections.append(connection)
        established = ss("state", "established", f"sport = :{port}")
        per_worker = Counter(re.findall(r"pid=(\d+)", established))
        # Spread by the kernel's hash of each connection: 24 split 12/12 on average; a
        # shared socket gave one worker all of them (or all but a few).
        assert len(per_worker) == 2, per_worker
        assert min(per_worker.values()) >= 3, per_worker
    finally:
        for connection in connections:
            connection.close()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
