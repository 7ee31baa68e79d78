"""The Russian catalogue covers every message the code marks for translation."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app.reporting.i18n import Localizer, po_path
from tests.builders import ROOT

KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "app"), method_map=[("**.py", "python"), ("**/templates/**.j2", "jinja2")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue() -> dict[str, str]:
    with po_path("ru").open("rb") as source:
        messages = [m for m in read_po(source) if m.id and not m.fuzzy]
    # A plural's id and translation are tuples: the singular stands for both, as in extracted().
    return {
        m.id if isinstance(m.id, str) else m.id[0]: m.string if isinstance(m.string, str) else (m.string or [""])[0]
        for m in messages
    }


class TestTheRussianCatalogue:
    def test_every_marked_message_has_a_russian_translation(self) -> None:
        translations = catalogue()
        missing = sorted(m for m in extracted() if not translations.get(m))
        assert missing == []

    def test_the_catalogue_holds_no_messages_the_code_no_longer_uses(self) -> None:
        assert sorted(set(catalogue()) - extracted()) == []

    def test_translations_keep_every_placeholder(self) -> None:
        for msgid, msgstr in catalogue().items():
            assert set(re.findall(r"\{\w+\}", msgid)) == set(re.findall(r"\{\w+\}", msgstr)), msgid

    def test_translations_are_in_cyrillic(self) -> None:
        for msgid, msgstr in catalogue().items():
            assert re.search("[а-яА-ЯёЁ]", msgstr), msgid


class TestLocaleFormatting:
    def test_dates_numbers_and_state_names_follow_the_language(self) -> None:
        import datetime as dt

        en, ru = Localizer("en"), Localizer("ru")
        assert en.date(dt.date(2025, 3, 16)) == "Mar 16, 2025"
        assert ru.date(dt.date(2025, 3, 16)).startswith("16 мар")
        assert en.number(12345) == "12,345"
        assert ru.number(12345).replace("\xa0", " ") == "12 345"
        assert (en.state("BY"), ru.state("BY")) == ("Belarus", "Беларусь")
        assert ru.state("BY+RU") == "Беларусь–Россия"
