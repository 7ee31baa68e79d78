"""Every csbm command and web page the guides and docs/deployment.md name exists (tests/docs_refs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import docs_refs
from tests.builders import ROOT

DOCS = ROOT / "docs"
GUIDES = [DOCS / "guide.en.md", DOCS / "guide.ru.md"]


@pytest.mark.parametrize("page", GUIDES, ids=lambda p: p.name)
def test_every_command_and_page_a_guide_names_exists(page: Path) -> None:
    markdown = page.read_text(encoding="utf-8")
    assert len(docs_refs.commands(markdown)) > 40, "the checker finds too few commands: has the guide's markup changed?"
    assert len(docs_refs.web_paths(markdown)) > 10, "the checker finds too few pages: has the guide's markup changed?"
    assert docs_refs.problems(page) == []


def test_every_command_and_page_the_deployment_guide_names_exists() -> None:
    page = DOCS / "deployment.md"
    assert docs_refs.commands(page.read_text(encoding="utf-8")), "the deployment guide names no csbm command?"
    assert docs_refs.problems(page) == []


class TestTheChecker:
    SAMPLE = "\n".join(
        [
            "Run `csbm quota --state BY --json` and see `/ledger` or [an entry](/entries/BY-1).",
            "```sh",
            "sudo -u csbm CSBM_USER=x /opt/csbm/bin/csbm db upgrade && csbm backup FILE [--json]",
            "install -d -o csbm /var/lib/csbm   # not a csbm command, and a file, not a page",
            "csbm ledger frobnicate",
            "csbm quota --colour",
            "```",
            "Open `/nowhere` or http://127.0.0.1:8000/api/v1/health.",
        ]
    )

    def test_it_finds_commands_in_code_spans_and_blocks_but_not_csbm_as_a_user_name(self) -> None:
        assert docs_refs.commands(self.SAMPLE) == [
            (1, ["quota", "--state", "BY", "--json"]),
            (3, ["db", "upgrade"]),
            (3, ["backup", "FILE", "[--json]"]),
            (5, ["ledger", "frobnicate"]),
            (6, ["quota", "--colour"]),
        ]

    def test_it_finds_pages_but_not_files(self) -> None:
        assert docs_refs.web_paths(self.SAMPLE) == [
            (1, "/ledger"),
            (1, "/entries/BY-1"),
            (8, "/nowhere"),
            (8, "/api/v1/health"),
        ]

    def test_it_names_what_does_not_exist(self, tmp_path: Path) -> None:
        page = tmp_path / "guide.en.md"
        page.write_text(self.SAMPLE, encoding="utf-8")
        found = docs_refs.problems(page)
        assert len(found) == 3, found
        assert found[0].startswith("guide.en.md:5: csbm ledger frobnicate: no such command (known: ")
        assert found[1].startswith("guide.en.md:6: csbm quota: no option --colour")
        assert found[2] == "guide.en.md:8: /nowhere: no such page or API path in the web app"


def test_every_page_make_docs_images_shoots_is_a_page_of_the_app() -> None:
    from tests.e2e.screenshots import PAGES

    assert [docs_refs.path_problem(path.split("?")[0]) for _, path in PAGES] == [None] * len(PAGES)
