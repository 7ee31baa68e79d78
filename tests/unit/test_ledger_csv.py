"""The ledger CSV parser: the positional fast path agrees with the documented columns."""

from __future__ import annotations

from app.domain.ledger import LEDGER_COLUMNS


def test_the_parser_s_positions_match_the_documented_column_order() -> None:
    # parse_values unpacks the first five cells by position.
    assert LEDGER_COLUMNS[:5] == ("ref", "agreement", "activity", "inspecting_state", "receiving_state")
    assert LEDGER_COLUMNS[-5:] == ("location", "object", "notes", "guests", "cause")
