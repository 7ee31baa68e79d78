"""The written-out state codes are the ones Babel's CLDR data knows."""

from __future__ import annotations

import pytest
from babel import Locale

from app.services.errors import InvalidInput
from app.services.states import KNOWN_STATES, checked_state


def test_the_known_states_are_babels_territory_codes() -> None:
    codes = {str(code) for code in Locale("en").territories}
    assert {c for c in codes if len(c) == 2 and c.isalpha() and c != "ZZ"} == KNOWN_STATES


def test_a_known_state_passes_and_an_unknown_one_is_refused() -> None:
    assert checked_state("BY") == "BY"
    assert checked_state("") is None
    with pytest.raises(InvalidInput, match="unknown state 'QQ'"):
        checked_state("QQ")
