"""Translations (gettext catalogues kept as .po, compiled in memory) and locale formatting.

The .po files are the source of truth; compiling them at first use avoids
shipping a generated .mo that could drift from its source.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("en", "ru")
DOMAIN = "csbm"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    if lang == "en":
        return NullTranslations()
    with po_path(lang).open("rb") as source:
        catalog = read_po(source, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)


@dataclass(frozen=True, slots=True)
class Localizer:
    """Everything language-specific a renderer needs."""

    lang: str

    def _(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)

    def date(self, value: date) -> str:
        return format_date(value, format="medium", locale=self.lang)

    def datetime(self, value: datetime) -> str:
        return format_datetime(value, format="medium", tzinfo=value.tzinfo, locale=self.lang)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.lang)

    def state(self, code: str | None) -> str:
        """A state's name in this language; group ids such as BY+RU name each member."""
        if not code:
            return "—"
        territories = _territories(self.lang)
        if "+" in code:
            return "–".join(territories.get(part, part) for part in code.split("+"))
        return territories.get(code, code)


@cache
def _territories(lang: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in Locale(lang).territories.items()}
