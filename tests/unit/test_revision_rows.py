"""The rows a write stores: an import's prepared batches give exactly the rows of the texts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.db.revision_rows import NewEntries, Stamp, _copy_content, build, prepared
from app.domain.chain import ABSENT, ENTRY_CONTENT, GENESIS, ChainHead, hashed, link

# Plain texts, a few of them (or none) changed to hold what COPY escapes, the chain's
# separator or ABSENT; the optional values absent or not, the extension empty or not.
_PLAIN = st.text(alphabet=st.sampled_from("ab;:1 é"), max_size=6)
_SPECIAL = st.sampled_from(["\\", "a\tb", "\n", "x\r", "\x1e", "a\x1eb", "\x00", "a\x00"])
_OPTIONAL = {
    "replied_iso": st.one_of(st.just(ABSENT), _PLAIN),
    "team_size": st.one_of(st.just(ABSENT), st.integers(0, 99).map(str)),  # SQLite stores it as a number
    "guests": st.sampled_from(["", "IT:1"]),
    "cause": st.sampled_from(["", "weather"]),
}
_PLAIN_CONTENT = st.tuples(*(_OPTIONAL.get(name, _PLAIN) for name in ENTRY_CONTENT))
_CHANGES = st.lists(
    st.tuples(st.sampled_from([i for i, n in enumerate(ENTRY_CONTENT) if n != "team_size"]), _SPECIAL), max_size=2
)


def _changed(content: tuple[str, ...], changes: list[tuple[int, str]]) -> tuple[str, ...]:
    texts = list(content)
    for i, text in changes:
        texts[i] = text
    return tuple(texts)


_CONTENT = st.builds(_changed, _PLAIN_CONTENT, _CHANGES)


@settings(max_examples=500)
@given(
    st.lists(_CONTENT, max_size=6),
    st.sampled_from([ChainHead(0, GENESIS), ChainHead(41, "f" * 64)]),
    st.booleans(),
)
def test_new_entries_made_of_prepared_batches_are_the_rows_of_their_texts(
    contents: list[tuple[str, ...]], head: ChainHead, postgres: bool
) -> None:
    stamp = Stamp(postgres=postgres, at_text="2026-11-01T09:00:00.000000Z", at_stored="at", at_entry="e", by="a\tb")
    batch = [(f"R-{i}", content) for i, content in enumerate(contents)]
    rows = NewEntries(stamp, head, 7)(prepared(postgres, batch))
    assert rows == build(stamp, head, range(7, 7 + len(batch)), batch, ())
    assert NewEntries(stamp, head, 7).of_contents(batch) == rows  # as an import's parser makes them
    previous, expected = head.hash, []
    for i, (ref, content) in enumerate(batch):
        seq = head.seq + 1 + i
        previous = link(previous, [str(seq), ref, "1", stamp.at_text, stamp.by, *hashed(content)])
        expected.append(f"{7 + i}\t1\t{stamp.at_text}\ta\\tb\t{_copy_content(content)}\t{seq}\t{previous}\n")
    if postgres:
        assert rows.revisions == "".join(expected)
    assert rows.head == (ChainHead(head.seq + len(batch), previous) if batch else head)
