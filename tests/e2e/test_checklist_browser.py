"""The arrival and departure checklist in a real browser, in English and in Russian."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM, demo_database, demo_server
from tests.e2e.test_browser import SERVER_LOG, login, page

__all__ = ["page"]  # the browser page fixture, over this module's server

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
)
REF = "CX-UA-2002-INS-IN"  # an inspection of Belarus in the sample data


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e-checklist")
    url = demo_database(folder, ("officer",))
    with demo_server(folder, url, folder / "server.log") as base:
        SERVER_LOG[base] = folder / "server.log"
        yield base


def mark(page: object, item: str, who: str, button: str) -> None:
    page.select_option("#f-item", item)  # type: ignore[attr-defined]
    page.fill("#f-done_by", who)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(f"form.checklist button:has-text('{button}')")  # type: ignore[attr-defined]


def row(page: object, event: str, agency: str) -> str:
    found = page.locator("#checklist + p + table tr", has_text=agency).filter(has_text=event)  # type: ignore[attr-defined]
    return str(found.inner_text())


def test_an_officer_marks_the_agencies_informed_in_english_then_in_russian(server: str, page: object) -> None:
    login(page, server, "officer")
    page.goto(f"{server}/entries/{REF}")  # type: ignore[attr-defined]
    assert page.locator("#checklist").inner_text() == "Agencies to inform"  # type: ignore[attr-defined]
    assert "not yet" in row(page, "Arrival", "State Border Committee")
    mark(page, "arrival:border", "Maj. Petrov", "Mark done")
    assert "by Maj. Petrov" in row(page, "Arrival", "State Border Committee")
    assert "not yet" in row(page, "Departure", "State Border Committee")

    page.goto(f"{server}/lang/ru?next=/entries/{REF}")  # type: ignore[attr-defined]
    assert page.locator("#checklist").inner_text() == "Органы, которые необходимо проинформировать"  # type: ignore[attr-defined]
    assert "отметил Maj. Petrov" in row(page, "Прибытие", "Государственный пограничный комитет")
    mark(page, "departure:customs", "", "Отметить выполнение")
    assert "отметил officer" in row(page, "Убытие", "Государственный таможенный комитет")
    options = page.locator("#f-item option").all_inner_texts()  # type: ignore[attr-defined]
    assert "Убытие: Государственный таможенный комитет" not in options
    assert len(options) == 6
