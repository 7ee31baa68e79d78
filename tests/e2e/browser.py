"""What the browser tests and the guides' screenshots share: a demo server and Debian's chromium.

The server is ``csbm serve`` in a subprocess, on a free port of 127.0.0.1, against a new
SQLite database with the sample data and a user of each role. The browser is the system's
/usr/bin/chromium driven by Playwright; nothing is downloaded.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.db.migrate import upgrade
from app.db.session import make_engine, transaction
from app.services import accounts, demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def demo_database(folder: Path, roles: tuple[str, ...]) -> str:
    """A new SQLite database with the sample data and a user named after each role."""
    url = f"sqlite:///{folder / 'csbm.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    with transaction(engine, write=True) as session:
        demo.load_demo(session, at=now, by="e2e")
        for role in roles:
            accounts.add_user(session, username=role, password=PASSWORD, role=accounts.Role(role), at=now, by="e2e")
    engine.dispose()
    return url


@contextmanager
def demo_server(folder: Path, url: str, log_path: Path) -> Iterator[str]:
    """``csbm serve`` on ``url``, until the block ends; yields its base URL."""
    port = free_port()
    env = {**os.environ, "CSBM_DATABASE_URL": url, "CSBM_HOME_STATE": "BY", "CSBM_REPORTS_DIR": str(folder / "reports")}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "csbm"), "serve", "--port", str(port)],
            env=env,
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/v1/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    process.kill()
                    raise RuntimeError(f"the server did not start:\n{log_path.read_text()}") from None
                time.sleep(0.2)
        try:
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
