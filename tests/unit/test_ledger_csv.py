"""The ledger CSV parser: the positional fast path agrees with the documented columns,
and the texts an import stores with entry_texts."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.chain import entry_texts
from app.domain.ledger import LEDGER_COLUMNS, OBJECT_SEPARATOR
from app.services.ledger_csv import MAX_CELL, EntryContext, parse_values, row_texts
from app.services.ledger_rows import QuickRows
from app.services.states import known_states
from bench import generate
from tests.builders import shipped


def test_the_parser_s_positions_match_the_documented_column_order() -> None:
    # parse_values unpacks the first five cells by position.
    assert LEDGER_COLUMNS[:5] == ("ref", "agreement", "activity", "inspecting_state", "receiving_state")
    assert LEDGER_COLUMNS[-5:] == ("location", "object", "notes", "guests", "cause")


# What an import's rows hold, in the forms a hand-made CSV may use: dates and datetimes
# with and without zones and fractions, team sizes with leading zeros, objects spaced
# oddly, guests out of order.
_MOMENTS = [
    "2025-05-01",
    "2025-05-01T09:00:00Z",
    "2025-05-01T09:00",
    "2025-05-01T11:00:00.250+02:00",
    "2025-05-03 10:30",
]
_KINDS = [
    ("vd2011", "inspection", "conducted", ""),
    ("vd2011", "evaluation_visit", "requested", ""),
    ("open-skies", "observation_flight", "curtailed", "observing_party"),
    ("open-skies", "observation_flight", "conducted", ""),
]
_ROWS = st.fixed_dictionaries(
    {
        "ref": st.sampled_from(["E-1", "x/2:3.b_c"]),
        "kind": st.sampled_from(_KINDS),
        "inspecting_state": st.sampled_from(["DE", "FR"]),
        "receiving_state": st.sampled_from(["BY", "RU"]),
        "requested_at": st.sampled_from(_MOMENTS[:2]),
        "replied_at": st.sampled_from(["", *_MOMENTS]),
        "start": st.sampled_from(_MOMENTS),
        "end": st.sampled_from(["2025-05-04", "2025-05-04T00:30:00+01:00", *_MOMENTS]),
        "team_size": st.sampled_from(["", "4", "012", "0"]),
        "location": st.sampled_from(["", "Minsk region", "a\tb"]),
        "object": st.sampled_from(["", "unit 1", "b ;a", "x;  y ; z"]),
        "notes": st.sampled_from(["", "n\\1"]),
        "guests": st.sampled_from(["", "NL:1", "NL:1 IT:2", "IT:1 NL:1"]),
    }
)
CONTEXT = EntryContext(agreements=shipped(), states=known_states())


@settings(max_examples=400)
@given(_ROWS)
def test_an_imports_row_texts_are_the_entry_texts_of_its_entry(values: dict[str, Any]) -> None:
    values["agreement"], values["activity"], values["status"], values["cause"] = values.pop("kind")
    row = [values[name] for name in LEDGER_COLUMNS]
    entry, _ = parse_values(row, CONTEXT)
    if entry is not None:
        assert row_texts(entry, row, CONTEXT) == entry_texts(entry)


# Rows good and bad in every field QuickRows checks (a good row with a field or two
# changed, perhaps to a bad value): it must either give what parse_values and
# row_texts give, or leave the row to them.
_CHANGES = {
    "ref": ["", "-bad", "a b", "R" * 81, "E-2"],
    "agreement": ["vd2011", "open-skies", "cfe", "nope", ""],
    "activity": ["inspection", "evaluation_visit", "observation_flight", "dance", ""],
    "inspecting_state": ["DE", "BY", "XX", "de", ""],
    "receiving_state": ["BY", "DE", "ZZ", ""],
    "requested_at": ["", "soon", "2025-05-02T00:00:00Z", *_MOMENTS],
    "replied_at": ["", "2025-04-30T23:00:00Z", "2025-13-01", *_MOMENTS],
    "start": ["", "2025-02-30", "2025-05-04T00:00:00Z", *_MOMENTS],
    "end": ["", "2025-04-30", "2025-05-01T08:00:00Z", "2025-05-01", *_MOMENTS],
    "status": ["conducted", "requested", "curtailed", "prohibited", "done", ""],
    "team_size": ["", "4", "012", "0", "1", "-1", "+3", "x", "\u0663", "1_0"],
    "location": ["", "L" * 10_001],
    "object": ["", "unit 1", "a;a", "a;", "O" * 201],
    "notes": ["", "N" * 10_001],
    "guests": ["", "NL:1", "DE:1", "XX:1", "nonsense"],
    "cause": ["", "observing_party", "weather"],
}
_CHANGE = st.sampled_from(sorted(_CHANGES)).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(_CHANGES[c])))


@settings(max_examples=1500)
@given(_ROWS, st.lists(_CHANGE, max_size=2))
def test_quick_rows_give_what_parse_values_and_row_texts_give_or_leave_the_row_to_them(
    values: dict[str, Any], changes: list[tuple[str, str]]
) -> None:
    values["agreement"], values["activity"], values["status"], values["cause"] = values.pop("kind")
    values.update(changes)
    row = [values[name] for name in LEDGER_COLUMNS]
    texts = QuickRows(CONTEXT, MAX_CELL).texts(row)
    entry, errors = parse_values(row, CONTEXT)
    if texts is not None:
        assert entry is not None
        assert not errors
        assert texts == row_texts(entry, row, CONTEXT)


def test_the_plain_rows_of_an_import_take_the_quick_path() -> None:
    quick = QuickRows(CONTEXT, MAX_CELL)
    for entry in generate.entries(1, 500, seed=3):
        row = [entry.as_record()[name] for name in LEDGER_COLUMNS]
        if not entry.guests and OBJECT_SEPARATOR not in entry.object:
            assert quick.texts(row) == entry_texts(entry)
