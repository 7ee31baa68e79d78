"""Known states: the ISO 3166-1 alpha-2 codes of Babel's CLDR data.

The codes are written out here rather than read from Babel's English locale at each
start: loading that locale is a tenth of what a quick command like ``csbm quota``
costs. tests/unit/test_states.py keeps the list equal to the installed Babel's.
"""

from __future__ import annotations

from app.services.errors import InvalidInput

_CODES = (
    "AC AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH "
    "BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM "
    "CN CO CP CQ CR CU CV CW CX CY CZ DE DG DJ DK DM DO DZ EA EC EE EG EH ER "
    "ES ET EU EZ FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR "
    "GS GT GU GW GY HK HM HN HR HT HU IC ID IE IL IM IN IO IQ IR IS IT JE JM "
    "JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY "
    "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT "
    "PW PY QA QO RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR "
    "SS ST SV SX SY SZ TA TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA "
    "UG UM UN US UY UZ VA VC VE VG VI VN VU WF WS XA XB XK YE YT ZA ZM ZW"
)
KNOWN_STATES = frozenset(_CODES.split())


def known_states() -> frozenset[str]:
    return KNOWN_STATES


def unknown_state(code: str) -> str:
    return f"unknown state {code!r} (an ISO 3166-1 alpha-2 code, e.g. BY)"


def checked_state(code: str | None, field: str = "state") -> str | None:
    """A state filter: None or "" for all states, else a known code (InvalidInput otherwise)."""
    if not code:
        return None
    if code not in known_states():
        raise InvalidInput.one(field, unknown_state(code))
    return code
