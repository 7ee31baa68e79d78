"""WCAG 2.1 A and AA under axe-core, on every page, in English and Russian.

axe-core comes from the npm registry at the version pinned in tests/e2e/package-lock.json
(`make axe`, which `make test` runs); this test never downloads it. Playwright injects it
into each page of the demo, served as in the other browser tests, and any violation fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import CHROMIUM, PASSWORD, demo_database, demo_server, launch

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
pytestmark = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (make test installs it)"
    ),
    pytest.mark.skipif(not AXE.exists(), reason=f"axe-core is not installed at {AXE}: run `make axe` (make test does)"),
]
# Pages reached otherwise than from the navigation: an entry, an agreement, a form in error,
# the calendar's months with deadlines and guests, the user's own page.
MORE_PAGES = [
    "/entries/VD-2025-INS-PL-1",
    "/entries/CFE-2019-DSI-BY-PL",
    "/entries/VD-2026-EV-IT-1/edit",
    "/findings?from=2025-01-01&to=2026-12-31",
    "/agreements/vd2011",
    "/calendar?month=2025-05",
    "/calendar?month=2025-12&state=BY",
    "/calendar?month=2025-13",
    "/ledger?state=ZZ",
    "/?state=ZZ",
    "/as-guest?state=ZZ",
    "/account",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("axe")
    url = demo_database(folder, ("admin",))
    with demo_server(folder, url, folder / "server.log") as base:
        yield base


def violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as loaded, one line per element."""
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}: {node.get('failureSummary', '')}"
        for v in found
        for node in v["nodes"]
    ]


def log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    assert page.url == f"{base}/", page.url


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_no_page_has_a_wcag_21_aa_violation(server: str, lang: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(90_000)
        # An init script, not a script tag: the pages' Content-Security-Policy refuses inline
        # scripts, and stays on while axe runs.
        context.add_init_script(path=str(AXE))
        context.add_cookies([{"name": "csbm_lang", "value": lang, "url": server}])
        page = context.new_page()
        page.goto(f"{server}/login")
        problems = {"/login": violations(page)}
        log_in(page, server)
        # A feed address, shown once: the account page in that state, and a revoke button on the users page.
        page.goto(f"{server}/account")
        with page.expect_navigation():
            page.click("form[action='/account/calendar-token'] button")
        problems["/account (a new feed address)"] = violations(page)
        nav = page.eval_on_selector_all("header nav a", "links => links.map(a => a.getAttribute('href'))")
        assert "/calendar" in nav
        for path in [*nav, *MORE_PAGES]:
            page.goto(f"{server}{path}")
            problems[path] = violations(page)
        # The check itself can fail: an image without a text alternative is one violation.
        page.goto(f"{server}/account")
        page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=/static/x.png>')")
        assert [line.split(" ")[0] for line in violations(page)] == ["image-alt"]
        browser.close()
    failing = {path: found for path, found in problems.items() if found}
    assert failing == {}, "\n".join(f"{path}:\n  " + "\n  ".join(found) for path, found in failing.items())
    assert len(problems) >= 12 + len(MORE_PAGES)
