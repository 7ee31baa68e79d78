"""The fonts the installation check asks fontconfig for are the report stylesheet's."""

from __future__ import annotations

import re

from app.reporting import fonts
from tests.builders import ROOT


def test_every_family_the_check_looks_for_is_the_one_the_report_stylesheet_names_first() -> None:
    template = (ROOT / "app" / "reporting" / "templates" / "report.html.j2").read_text(encoding="utf-8")
    first_choices = {
        re.split(r",", family)[0].strip().strip('"') for family in re.findall(r"font-family:([^;]+);", template)
    }
    assert first_choices == set(fonts.PDF_FONTS)
