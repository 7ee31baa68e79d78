"""End to end in a real headless browser: Debian's chromium driven by Playwright.

The server is started by the test (uvicorn in a subprocess, on a free port of
127.0.0.1) against a fresh SQLite database with the sample data. The browser
is the system's /usr/bin/chromium; nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM, PASSWORD, demo_database, demo_server, launch

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)
SERVER_LOG: dict[str, Path] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e")
    url = demo_database(folder, ("officer", "viewer"))
    with demo_server(folder, url, folder / "server.log") as base:
        SERVER_LOG[base] = folder / "server.log"
        yield base


@pytest.fixture
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
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
