"""The ledger CSV parser: the positional fast path agrees with the documented columns,
and the texts an import stores with entry_texts."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.chain import entry_texts
from app.domain.ledger import LEDGER_COLUMNS, OBJECT_SEPARATOR
from app.services.ledger_csv import (
    MAX_CELL,
    Contents,
    EntryContext,
    LedgerFileError,
    batches_of,
    content_batches,
    parse_values,
    plain_rows,
    row_texts,
)
from app.services.ledger_rows import QuickRows
from app.services.states import known_states
from bench import generate
from tests.builders import CSV_HEADER, csv_row, shipped


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


def _changed_row(values: dict[str, Any], changes: list[tuple[str, str]]) -> list[str]:
    values["agreement"], values["activity"], values["status"], values["cause"] = values.pop("kind")
    values.update(changes)
    return [values[name] for name in LEDGER_COLUMNS]


@settings(max_examples=1500)
@given(_ROWS, st.lists(_CHANGE, max_size=2))
def test_quick_rows_give_what_parse_values_and_row_texts_give_or_leave_the_row_to_them(
    values: dict[str, Any], changes: list[tuple[str, str]]
) -> None:
    row = _changed_row(values, changes)
    texts = QuickRows(CONTEXT, MAX_CELL).texts(row)
    entry, errors = parse_values(row, CONTEXT)
    if texts is not None:
        assert entry is not None
        assert not errors
        assert texts == row_texts(entry, row, CONTEXT)
    # The context an import's parsing process is given instead (no agreements) checks alike.
    for_rows = pickle.loads(pickle.dumps(CONTEXT.for_rows()))
    assert parse_values(row, for_rows) == (entry, errors)
    assert QuickRows(for_rows, MAX_CELL).texts(row) == texts


def test_the_plain_rows_of_an_import_take_the_quick_path() -> None:
    quick = QuickRows(CONTEXT, MAX_CELL)
    for entry in generate.entries(1, 500, seed=3):
        row = [entry.as_record()[name] for name in LEDGER_COLUMNS]
        if not entry.guests and OBJECT_SEPARATOR not in entry.object:
            assert quick.texts(row) == entry_texts(entry)


def _ledger_file(path: Path) -> Path:
    lines = [csv_row(f"R-{i}", inspecting_state=("DE", "FR", "PL")[i % 3]) for i in range(1200)]
    lines[7] = csv_row("R-7", receiving_state="QQ")
    lines[900] = csv_row("R-1", status="cancelled")  # R-1 again, with other values
    lines[901] = csv_row("R-2")  # R-2 again, the same
    lines[950] = "R-950,vd2011"
    path.write_text("\n".join([CSV_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _outcome(batches: Iterator[Contents]) -> tuple[list[Contents], list[str]]:
    got: list[Contents] = []
    try:
        got.extend(batches)
    except LedgerFileError as exc:
        return got, exc.messages
    return got, []


def test_rows_read_ahead_against_any_states_give_the_batches_of_content_batches(tmp_path: Path) -> None:
    bad, good = _ledger_file(tmp_path / "bad.csv"), tmp_path / "good.csv"
    good.write_text("\n".join([CSV_HEADER, *(csv_row(f"G-{i}") for i in range(2500))]) + "\n", encoding="utf-8")
    for path in (bad, good):
        expected = _outcome(content_batches(path, CONTEXT))
        assert expected[0] or expected[1]
        for states in (known_states(), known_states() - {"FR"}, frozenset({"DE"})):
            rows = plain_rows(path, states)
            assert _outcome(batches_of(path, rows, states, CONTEXT.for_rows())) == expected
