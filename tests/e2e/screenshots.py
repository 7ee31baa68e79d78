"""Screenshots of the web pages for the operators' guides: ``make docs-images``.

    python -m tests.e2e.screenshots docs/images

Builds the demo database (as the browser tests do), serves it, logs in as an admin and
saves each page of PAGES in English and in Russian as ``<name>.<lang>.png``, so the guides
show the pages as they are now. Debian's chromium, driven by Playwright; nothing is
downloaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.db.session import make_engine
from app.services.backup import backup
from tests.e2e.browser import CHROMIUM, PASSWORD, demo_database, demo_server, launch

# (file name, path): the pages a guide shows.
PAGES = (
    ("login", "/login"),
    ("dashboard", "/?year=2026"),
    ("ledger", "/ledger"),
    ("entry", "/entries/VD-2025-INS-PL-1"),
    ("entry-mission", "/entries/CFE-2019-DSI-BY-PL"),
    ("entry-form", "/entries/new"),
    ("entry-revision", "/entries/VD-2026-EV-IT-1/edit"),
    ("as-guest", "/as-guest"),
    ("findings", "/findings?from=2025-01-01&to=2026-12-31"),
    ("declarations", "/declarations"),
    ("agreements", "/agreements"),
    ("agreement", "/agreements/vd2011"),
    ("reports", "/reports"),
    ("users", "/admin/users"),
    ("audit", "/admin/audit"),
    ("doctor", "/admin/doctor"),
    ("reconciliations", "/reconciliations"),
)
# An incoming request typed into the entry form and checked, before it is saved.
CHECKED_REQUEST = {
    "#f-ref": "BY-2026-INS-DE-1",
    "#f-activity": "inspection",
    "#f-inspecting_state": "DE",
    "#f-receiving_state": "BY",
    "#f-requested_at": "2026-06-01T09:00",
    "#f-start": "2026-06-03T09:00",
    "#f-end": "2026-06-05T09:00",
    "#f-status": "requested",
    "#f-team_size": "4",
}
VIEWPORT = {"width": 1280, "height": 800}


def capture(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.en.png"), *out.glob("*.ru.png")]:
        stale.unlink()  # a page no longer shot leaves no picture behind for a guide to show
    written = []
    with tempfile.TemporaryDirectory(prefix="csbm-screens-") as tmp:
        folder = Path(tmp)
        url = demo_database(folder, ("admin",))
        (folder / "reports").mkdir()
        engine = make_engine(url)
        backup(engine, folder / "backups" / "csbm-nightly.zip", at=dt.datetime.now(dt.UTC))
        engine.dispose()
        with demo_server(folder, url, folder / "server.log") as base, sync_playwright() as playwright:
            browser = launch(playwright)
            for lang in ("en", "ru"):
                page = browser.new_context(viewport=VIEWPORT, locale=lang).new_page()
                page.goto(f"{base}/lang/{lang}?next=/login")
                written.append(_shot(page, out / f"login.{lang}.png"))
                _login(page, base)
                for name, path in PAGES[1:]:
                    page.goto(f"{base}{path}")
                    written.append(_shot(page, out / f"{name}.{lang}.png"))
                written.append(_checked_request(page, base, out / f"entry-check.{lang}.png"))
            browser.close()
    return written


def _login(page: Any, base: str) -> None:
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    if page.url != f"{base}/":
        raise RuntimeError(f"could not log in as admin: the browser is at {page.url}")


def _checked_request(page: Any, base: str, path: Path) -> Path:
    page.goto(f"{base}/entries/new")
    page.select_option("#f-agreement", "vd2011")
    for selector, value in CHECKED_REQUEST.items():
        if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    with page.expect_navigation():
        page.click("button[value=check]")
    page.locator("section.impact").scroll_into_view_if_needed()
    return _shot(page, path)


def _shot(page: Any, path: Path) -> Path:
    """A viewport-sized PNG reduced to a 256-colour palette: a tenth of the size, as legible."""
    from PIL import Image

    page.screenshot(path=str(path))
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="Screenshots of the web pages for the guides.")
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/images"))
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("make docs-images: Debian's chromium is not installed (make sysdeps installs it)")
    written = capture(args.out)
    print(f"{len(written)} screenshots in {args.out}/")


if __name__ == "__main__":
    main()
