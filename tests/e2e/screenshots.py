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
    ("entry", "/entries/CX-LT-2002-INS-IN"),
    ("entry-form", "/entries/new"),
    ("findings", "/findings?from=2025-01-01&to=2026-12-31"),
    ("declarations", "/declarations"),
    ("agreements", "/agreements"),
    ("agreement", "/agreements/vd2011"),
    ("reports", "/reports"),
    ("users", "/admin/users"),
    ("audit", "/admin/audit"),
    ("doctor", "/admin/doctor"),
)
VIEWPORT = {"width": 1280, "height": 800}


def capture(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
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
            browser.close()
    return written


def _login(page: Any, base: str) -> None:
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("button.primary")
    if page.url != f"{base}/":
        raise RuntimeError(f"could not log in as admin: the browser is at {page.url}")


def _shot(page: Any, path: Path) -> Path:
    page.screenshot(path=str(path))
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
