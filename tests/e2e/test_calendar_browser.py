"""The calendar in a real browser, in English and Russian: the month page, its filters and
links (no script needed), and the private feed made on the account page, whose token the
server's log never shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import CHROMIUM, PASSWORD, demo_database, demo_server, launch

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("calendar")
    url = demo_database(folder, ("viewer",))
    log = folder / "server.log"
    with demo_server(folder, url, log) as base:
        yield base, log


@pytest.fixture
def page(served: tuple[str, Path]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    base, _log = served
    with sync_playwright() as p:
        browser = launch(p)
        # No JavaScript at all: the calendar is links and a plain form.
        context = browser.new_context(viewport={"width": 1366, "height": 900}, java_script_enabled=False)
        context.set_default_timeout(90_000)
        context.set_default_navigation_timeout(90_000)
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("#username", "viewer")
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("button.primary")
        yield page
        browser.close()


def test_the_month_page_in_english_filters_and_moves_between_months(served: tuple[str, Path], page: Any) -> None:
    page.click("header nav >> text=Calendar")
    page.fill("#c-month", "2025-06")
    page.select_option("#c-direction", "conducted")
    with page.expect_navigation():
        page.click("form.filters button")
    assert page.locator("table.calendar caption").inner_text() == "June 2025"
    cell = page.locator("table.calendar td", has_text="Evaluation visit: Belarus → Serbia (VD-2025-EV-BY-RS)")
    assert "20" in cell.locator(".day").inner_text()
    assert page.locator("text=CX-LT-2025-EV-IN").count() == 0  # received, not conducted
    with page.expect_navigation():
        page.click("text=Previous month")
    assert page.locator("table.calendar caption").inner_text() == "May 2025"
    assert "direction=conducted" in page.url
    assert page.locator("table.calendar thead abbr[title=Monday]").inner_text() == "Mon"


def test_the_month_page_in_russian_shows_guests_and_deadlines(served: tuple[str, Path], page: Any) -> None:
    base, _log = served
    page.click("a[lang=ru]")
    page.goto(f"{base}/calendar?month=2025-05")
    assert page.locator("h1").inner_text() == "Календарь"
    assert page.locator("table.calendar caption").inner_text() == "Май 2025"
    assert page.locator("text=Инспекция: Польша → Беларусь (VD-2025-INS-PL-1)").count() == 3
    assert page.locator("table.calendar", has_text="Гости: Литва 1").count() == 1
    assert page.locator("table.calendar li.deadline", has_text="Срок ответа: VD-2025-INS-PL-1").count() == 1
    with page.expect_navigation():
        page.click("text=Следующий месяц")
    assert page.locator("table.calendar caption").inner_text() == "Июнь 2025"


def test_a_feed_made_on_the_account_page_subscribes_and_its_token_stays_out_of_the_log(
    served: tuple[str, Path], page: Any
) -> None:
    _base, log = served
    page.click("header .who")
    with page.expect_navigation():
        page.click("text=Make a new feed address")
    address = page.input_value("#feed-url")
    token = re.search(r"token=(csbmcal_[\w-]+)", address)
    assert token, address
    answer = page.request.get(address)
    assert answer.status == 200
    assert answer.text().startswith("BEGIN:VCALENDAR")
    with page.expect_navigation():
        page.click("text=Revoke the feed address")
    assert page.request.get(address).status == 401
    logged = log.read_text()
    assert "GET /calendar.ics?token=(hidden)" in logged
    assert token.group(1) not in logged
