"""Known states: the ISO 3166-1 alpha-2 codes of Babel's CLDR data."""

from __future__ import annotations

from functools import lru_cache

from babel import Locale

from app.services.errors import InvalidInput


@lru_cache(maxsize=1)
def known_states() -> frozenset[str]:
    territories = Locale("en").territories
    codes = (str(code) for code in territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code != "ZZ")


def unknown_state(code: str) -> str:
    return f"unknown state {code!r} (an ISO 3166-1 alpha-2 code, e.g. BY)"


def checked_state(code: str | None, field: str = "state") -> str | None:
    """A state filter: None or "" for all states, else a known code (InvalidInput otherwise)."""
    if not code:
        return None
    if code not in known_states():
        raise InvalidInput.one(field, unknown_state(code))
    return code
