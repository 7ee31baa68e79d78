"""The Calendar chapters of docs/operations.md and its Russian twin name commands and pages that exist."""

from __future__ import annotations

import pytest

from tests import docs_refs
from tests.builders import ROOT


@pytest.mark.parametrize("name", ["operations.md", "operations.ru.md"])
def test_the_calendar_chapter_names_only_what_exists(name: str) -> None:
    page = ROOT / "docs" / name
    text = page.read_text(encoding="utf-8")
    assert "calendar token create" in text
    assert docs_refs.problems(page) == []
