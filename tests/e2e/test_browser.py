"""End to end in a real headless browser: Debian's chromium driven by Playwright.

The server is started by the test (uvicorn in a subprocess, on a free port of
127.0.0.1) against a fresh SQLite database with the sample data. The browser
is the system's /usr/bin/chromium; nothing is downloaded.
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
from pathlib import Path

import pytest

from app.db.migrate import upgrade
from app.db.session import make_engine, transaction
from app.services import accounts, demo

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


SERVER_LOG: dict[str, Path] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'csbm.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    with transaction(engine, write=True) as session:
        demo.load_demo(session, at=now, by="e2e")
        for role in ("officer", "viewer"):
            accounts.add_user(session, username=role, password=PASSWORD, role=accounts.Role(role), at=now, by="e2e")
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "CSBM_DATABASE_URL": url, "CSBM_HOME_STATE": "BY", "CSBM_REPORTS_DIR": str(folder / "reports")}
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "csbm"), "serve", "--port", str(port)],
            env=env,
            cwd=folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        SERVER_LOG[base] = log_path
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
        yield base
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        # Generous timeouts: CI runs this beside the rest of the suite on two cores.
        context.set_default_timeout(90_000)
        context.set_default_navigation_timeout(90_000)
        yield context.new_page()
        browser.close()


def login(page: object, base: str, user: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("#username", user)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("button.primary")  # type: ignore[attr-defined]
    if page.url != f"{base}/":  # type: ignore[attr-defined]
        alert = page.locator("[role=alert]").all_inner_texts()  # type: ignore[attr-defined]
        server = SERVER_LOG[base].read_text()[-3000:]
        raise AssertionError(f"login as {user} ended at {page.url} {alert}\nserver log:\n{server}")  # type: ignore[attr-defined]


def remaining(page: object) -> str:
    row = page.locator("table.quota tr", has_text="inspections: quota").filter(has_text="vd2011").first  # type: ignore[attr-defined]
    return str(row.locator("td").nth(7).inner_text()).strip()


def test_an_officer_records_an_inspection_sees_the_quota_change_and_files_a_report(
    server: str, page: object, tmp_path: Path
) -> None:
    login(page, server, "officer")
    page.goto(f"{server}/?year=2026")  # type: ignore[attr-defined]
    assert remaining(page) == "3 of 3 left"

    page.click("text=Record an entry")  # type: ignore[attr-defined]
    page.fill("#f-ref", "E2E-INS-1")  # type: ignore[attr-defined]
    page.select_option("#f-agreement", "vd2011")  # type: ignore[attr-defined]
    page.select_option("#f-activity", "inspection")  # type: ignore[attr-defined]
    for field, value in (
        ("inspecting_state", "NL"),
        ("receiving_state", "BY"),
        ("requested_at", "2026-11-01"),
        ("start", "2026-11-10"),
        ("end", "2026-11-11"),
        ("team_size", "4"),
    ):
        page.fill(f"#f-{field}", value)  # type: ignore[attr-defined]
    page.click("button[value=check]")  # type: ignore[attr-defined]
    assert page.locator("text=Within every quota.").is_visible()  # type: ignore[attr-defined]
    page.click("button[value=save]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{server}/entries/E2E-INS-1")  # type: ignore[attr-defined]
    assert page.locator("text=Revision 1").is_visible()  # type: ignore[attr-defined]

    page.goto(f"{server}/?year=2026")  # type: ignore[attr-defined]
    assert remaining(page) == "2 of 3 left"

    page.goto(f"{server}/reports")  # type: ignore[attr-defined]
    page.fill("#period", "2026")  # type: ignore[attr-defined]
    page.click("button.primary")  # type: ignore[attr-defined]
    page.wait_for_url(f"{server}/reports")  # type: ignore[attr-defined]
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("a[href$='en/report.pdf']")  # type: ignore[attr-defined]
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes()[:5] == b"%PDF-"

    page.click("a[lang=ru]")  # type: ignore[attr-defined]
    assert page.locator("h1", has_text="Отчёты").is_visible()  # type: ignore[attr-defined]
    page.screenshot(path=str(tmp_path / "reports-ru.png"))  # type: ignore[attr-defined]


def test_a_viewer_is_refused_when_trying_to_record(server: str, page: object) -> None:
    login(page, server, "viewer")
    assert page.locator("text=Record an entry").count() == 0  # type: ignore[attr-defined]
    response = page.goto(f"{server}/entries/new")  # type: ignore[attr-defined]
    assert response.status == 403
    assert page.locator("h1", has_text="403").is_visible()  # type: ignore[attr-defined]
