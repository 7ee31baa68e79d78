"""Known states: ISO 3166-1 alpha-2 codes with English and Russian names, from Babel's CLDR data."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale


@lru_cache(maxsize=1)
def known_states() -> frozenset[str]:
    territories = Locale("en").territories
    codes = (str(code) for code in territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code != "ZZ")


def state_name(code: str, language: str = "en") -> str:
    return str(Locale(language).territories.get(code, code))
