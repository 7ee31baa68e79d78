"""The revision hash chain: an unambiguous encoding, and any change shows at its place."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from app.domain.chain import (
    ABSENT,
    ENTRY_CONTENT,
    GENESIS,
    ChainHead,
    canonical_text,
    hashed,
    link,
    link_revisions,
    payload,
)

texts = st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=12), min_size=1, max_size=6)


def decode(encoded: str) -> tuple[str, list[str]]:
    """The inverse of payload(): possible only because lengths come first."""
    previous, rest = encoded[:64], encoded[65:]
    lengths_text, _, body = rest.partition("\x1e")
    out, at = [], 0
    for length in map(int, lengths_text.split(",")):
        out.append(body[at : at + length])
        at += length + 1
    return previous, out


@given(texts)
def test_the_payload_decodes_back_to_exactly_its_fields(fields: list[str]) -> None:
    assert decode(payload(GENESIS, fields)) == (GENESIS, fields)


@given(texts, texts)
def test_different_fields_never_share_a_payload(a: list[str], b: list[str]) -> None:
    if a != b:
        assert payload(GENESIS, a) != payload(GENESIS, b)


def chain(rows: list[list[str]]) -> list[str]:
    hashes, previous = [], GENESIS
    for row in rows:
        previous = link(previous, row)
        hashes.append(previous)
    return hashes


def first_break(rows: list[list[str]], stored: list[str]) -> int | None:
    previous = GENESIS
    for place, (row, expected) in enumerate(zip(rows, stored, strict=True)):
        previous = link(previous, row)
        if previous != expected:
            return place
    return None


@given(st.lists(texts, min_size=1, max_size=8), st.data())
def test_changing_any_field_of_any_revision_breaks_the_chain_exactly_there(
    rows: list[list[str]], data: st.DataObject
) -> None:
    stored = chain(rows)
    place = data.draw(st.integers(0, len(rows) - 1))
    column = data.draw(st.integers(0, len(rows[place]) - 1))
    new = data.draw(st.text(max_size=12).filter(lambda t: t != rows[place][column]))
    edited = [list(r) for r in rows]
    edited[place][column] = new
    assert first_break(edited, stored) == place


@given(st.lists(texts, min_size=2, max_size=8, unique_by=tuple), st.data())
def test_swapping_two_revisions_breaks_the_chain_at_the_first(rows: list[list[str]], data: st.DataObject) -> None:
    stored = chain(rows)
    i = data.draw(st.integers(0, len(rows) - 2))
    j = data.draw(st.integers(i + 1, len(rows) - 1))
    swapped = list(rows)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    moved_hashes = list(stored)
    moved_hashes[i], moved_hashes[j] = moved_hashes[j], moved_hashes[i]
    assert first_break(swapped, moved_hashes) == i


def test_canonical_text_is_the_same_for_what_either_database_returns() -> None:
    aware = dt.datetime(2025, 3, 1, 9, 30, 0, 120000, tzinfo=dt.UTC)
    naive = aware.replace(tzinfo=None)  # what SQLite hands back
    minsk = aware.astimezone(dt.timezone(dt.timedelta(hours=3)))
    assert canonical_text(aware) == canonical_text(naive) == canonical_text(minsk) == "2025-03-01T09:30:00.120000Z"
    assert canonical_text(None) == ABSENT
    assert canonical_text(dt.date(2025, 3, 1)) == "2025-03-01"


content = st.lists(st.text(max_size=6), min_size=len(ENTRY_CONTENT), max_size=len(ENTRY_CONTENT))
revisions = st.lists(st.tuples(st.text(max_size=6), st.integers(1, 12).map(str), content), max_size=6)


@given(st.integers(0, 10**6), st.text(max_size=8), st.text(max_size=8), revisions)
def test_an_imports_batch_chaining_is_the_definition_row_by_row(
    seq: int, at: str, by: str, rows: list[tuple[str, str, list[str]]]
) -> None:
    # The one-loop chaining an import uses gives exactly link() over the ENTRY_FIELDS texts,
    # with the optional trailing columns covered only where one holds something.
    expected, previous = [], "f" * 64
    for place, (ref, number, texts) in enumerate(rows, seq + 1):
        previous = link(previous, [str(place), ref, number, at, by, *hashed(texts)])
        expected.append(previous)
    assert link_revisions(ChainHead(seq, "f" * 64), at, by, rows) == expected
