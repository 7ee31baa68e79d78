"""What falls due, in a real browser, in English and Russian: the Due page, the dashboard's
panel and recording a reply on the entry page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.db.session import make_engine, transaction
from app.services import catalog, ledger
from tests.builders import make_entry
from tests.e2e.browser import CHROMIUM, PASSWORD, demo_database, demo_server, launch

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)


def add_requests(url: str) -> None:
    """Two requests to inspect Belarus awaiting its reply: one due in 22 h, one 6 h overdue."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    engine = make_engine(url)
    with transaction(engine, write=True) as session:
        agreements = catalog.agreements_as_of(session)
        for ref, hours_ago in (("E2E-DUE-SOON", 2), ("E2E-DUE-LATE", 30)):
            entry = make_entry(
                ref,
                inspecting_state="DE",
                requested_at=now - dt.timedelta(hours=hours_ago),
                start=now + dt.timedelta(days=20),
                end=now + dt.timedelta(days=21),
                status="requested",
            )
            ledger.record_entry(session, entry, agreements, at=now, by="e2e")
    engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e-due")
    url = demo_database(folder, ("officer",))
    add_requests(url)
    with demo_server(folder, url, folder / "server.log") as base:
        yield base


@pytest.fixture
def page(server: str) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(90_000)
        context.set_default_navigation_timeout(90_000)
        opened = context.new_page()
        opened.goto(f"{server}/login")
        opened.fill("#username", "officer")
        opened.fill("#password", PASSWORD)
        with opened.expect_navigation():
            opened.click("button.primary")
        yield opened
        browser.close()


def test_the_due_page_and_the_dashboard_panel_put_the_overdue_reply_first(server: str, page: Page) -> None:
    page.goto(f"{server}/due?within=72h")
    overdue = page.locator("table.due tbody tr", has_text="E2E-DUE-LATE").filter(has_text="Reply due")
    assert overdue.locator("strong.overdue").inner_text().strip().lower().endswith("overdue")
    refs = page.locator("table.due tbody tr td:nth-child(5)").all_inner_texts()
    assert refs.index("E2E-DUE-LATE") < refs.index("E2E-DUE-SOON")

    page.goto(f"{server}/")
    panel = page.locator("section[aria-labelledby=due-soon]")
    assert panel.locator("h2").inner_text() == "Due in the next 72 hours"
    assert panel.locator("p.alert").inner_text() == "1 overdue"
    assert panel.locator("tr", has_text="E2E-DUE-SOON").filter(has_text="Reply due").count() == 1

    page.click("a[lang=ru]")
    panel = page.locator("section[aria-labelledby=due-soon]")
    assert panel.locator("h2").inner_text() == "Сроки в ближайшие 72 часа"
    assert panel.locator("p.alert").inner_text() == "просрочено: 1"
    page.click("nav a[href='/due']")
    page.wait_for_url(f"{server}/due")
    late = page.locator("table.due tbody tr", has_text="E2E-DUE-LATE").filter(has_text="Срок ответа")
    assert late.locator("strong.overdue").inner_text().strip().lower().endswith("просрочен")
    page.click("a[lang=en]")


@pytest.mark.parametrize(
    ("lang", "button", "accepted"), [("en", "Record reply", "Accepted"), ("ru", "Записать ответ", "Принято")]
)
def test_recording_a_reply_on_the_entry_page_removes_the_reply_deadline(
    server: str, page: Page, lang: str, button: str, accepted: str
) -> None:
    ref = "E2E-DUE-SOON" if lang == "en" else "E2E-DUE-LATE"
    page.goto(f"{server}/lang/{lang}?next=/entries/{ref}")
    page.check(f"label:has-text('{accepted}')")
    page.fill("#f-replied_at", "")
    with page.expect_navigation():
        page.click(f"form.reply button:has-text('{button}')")
    assert page.url == f"{server}/entries/{ref}"
    assert page.locator("form.reply").count() == 0
    page.goto(f"{server}/due")
    replies = page.locator("table.due tbody tr", has_text=ref).all_inner_texts()
    assert not [r for r in replies if ("Reply due" in r or "Срок ответа" in r)]
    page.goto(f"{server}/lang/en?next=/due")
