"""Ledger revisions as the rows the driver writes: chained, hashed and formatted.

No session here: building rows needs only the chain's head and what every
revision of one write shares (when, by whom, for which database), so an import
into an empty ledger can build its rows wherever they are cheapest to build
(app/services/ledger.py).

A revision is built once, as the texts its hash covers (``entry_texts`` for its
content); what is written, a line of COPY text or a tuple for SQLite, is derived
from those texts, so stored values and hashed ones cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.chain import ABSENT, ENTRY_CONTENT, SEPARATOR, ChainHead, content_hashed, link_hashed_revisions

# A new entry ``(ref, entry_texts)``; a revision of a stored one ``(entry id, number, ref, entry_texts)``.
New = tuple[str, Sequence[str]]
Revised = tuple[int, int, str, Sequence[str]]
# A revision's content as the rows are built from it: what its hash covers of it
# (chain.content_hashed) and its stored form (COPY text, or the values SQLite takes).
Prepared = tuple[str, str, Any]
PreparedNew = tuple[str, Prepared]


@dataclass(frozen=True, slots=True)
class Stamp:
    """What every revision of one write shares."""

    postgres: bool
    at_text: str  # recorded_at as chain text
    at_stored: Any  # recorded_at as the driver takes it (SQLite keeps datetimes as text)
    at_entry: Any  # an identity's created_at as the driver takes it
    by: str


@dataclass(frozen=True, slots=True)
class Rows:
    """One batch for the driver: COPY text on PostgreSQL (one string: it crosses from a
    parser process as one object), tuples on SQLite; and the chain's head after it."""

    identities: list[tuple[Any, ...]] | str
    revisions: list[tuple[Any, ...]] | str
    created: int
    head: ChainHead


def build(stamp: Stamp, head: ChainHead, ids: Sequence[int], new: Sequence[New], revised: Sequence[Revised]) -> Rows:
    """The rows of new entries (revision 1, ids given) and of revisions, chained onto ``head`` in that order."""
    changed = [(id_, number, ref, _prepared(stamp.postgres, texts)) for id_, number, ref, texts in revised]
    return _build(stamp, head, ids, prepared(stamp.postgres, new), changed)


def prepared(postgres: bool, new: Sequence[New]) -> list[PreparedNew]:
    """New entries ``(ref, entry_texts)`` as NewEntries takes them. An import makes these in
    its parser's process, so that three texts a row cross from it instead of seventeen."""
    return [(ref, _prepared(postgres, texts)) for ref, texts in new]


def _prepared(postgres: bool, texts: Sequence[str]) -> Prepared:
    lengths, joined = content_hashed(texts)
    if not postgres:
        return lengths, joined, _sqlite_content(texts)
    # None where the COPY text is the hashed texts' join, which crosses anyway (_copy_text).
    return lengths, joined, None if _copied_as_joined(lengths, joined, texts) else _copy_content(texts)


def _copied_as_joined(lengths: str, joined: str, texts: Sequence[str]) -> bool:
    """Whether ``texts``' COPY text is their ``joined`` with tabs for separators and \\N for
    ABSENT: where no text holds what COPY escapes, the separator, or ABSENT but as a value."""
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return False
    absent = (texts[_REPLIED] == ABSENT) + (texts[_TEAM_SIZE] == ABSENT)
    return joined.count(SEPARATOR) == lengths.count(",") and joined.count(ABSENT) == absent


def _copy_text(lengths: str, joined: str, copied: str | None) -> str:
    if copied is not None:
        return copied
    # The extension's texts a hash leaves out where they are empty (chain.hashed) are stored empty.
    left_out = _CONTENT_WIDTH - 1 - lengths.count(",")
    return joined.replace(SEPARATOR, "\t").replace(ABSENT, "\\N") + "\t" * left_out


def _build(
    stamp: Stamp,
    head: ChainHead,
    ids: Sequence[int],
    new: Sequence[PreparedNew],
    revised: Sequence[tuple[int, int, str, Prepared]],
) -> Rows:
    revisions = [(id_, 1, ref, content) for id_, (ref, content) in zip(ids, new, strict=True)]
    revisions += revised
    first = head.seq + 1
    hashes = link_hashed_revisions(
        head, stamp.at_text, stamp.by, ((r[2], str(r[1]), r[3][0], r[3][1]) for r in revisions)
    )
    after = ChainHead(first + len(hashes) - 1, hashes[-1]) if hashes else head
    numbered = zip(enumerate(revisions, first), hashes, strict=True)
    if stamp.postgres:
        # Refs are codes (REF_PATTERN): nothing in them needs COPY escaping.
        prefix = f"\t{stamp.at_text}\t{_copy_value(stamp.by)}\t"
        return Rows(
            "".join(f"{id_}\t{ref}\t{stamp.at_text}\n" for id_, (ref, _) in zip(ids, new, strict=True)),
            "".join(f"{r[0]}\t{r[1]}{prefix}{_copy_text(*r[3])}\t{seq}\t{hash_}\n" for (seq, r), hash_ in numbered),
            len(new),
            after,
        )
    shared = (stamp.at_stored, stamp.by)
    return Rows(
        [(id_, ref, stamp.at_entry) for id_, (ref, _) in zip(ids, new, strict=True)],
        [(r[0], r[1], *shared, *r[3][2], seq, hash_) for (seq, r), hash_ in numbered],
        len(new),
        after,
    )


class NewEntries:
    """Rows for batches of new entries only, ids counted on from ``first_id``: for an import
    into an empty ledger, where every row is a new entry."""

    def __init__(self, stamp: Stamp, head: ChainHead, first_id: int) -> None:
        self.stamp, self.head, self.next_id = stamp, head, first_id

    def __call__(self, batch: Sequence[PreparedNew]) -> Rows:
        """The rows of a batch of new entries, made by ``prepared``."""
        ids = range(self.next_id, self.next_id + len(batch))
        self.next_id += len(batch)
        rows = _build(self.stamp, self.head, ids, batch, ())
        self.head = rows.head
        return rows

    def of_contents(self, batch: Sequence[New]) -> Rows:
        """The rows of a batch of new entries ``(ref, entry_texts)``, prepared and chained in
        one go: an import into an empty ledger does both in its parser's process."""
        return self(prepared(self.stamp.postgres, batch))


# COPY's text format: a value is escaped where it holds a backslash or a line or
# field separator, and NULL is \N. Only the free-text columns can hold those; the
# rest are codes, numbers and ISO texts.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


# Positions within entry_texts: absent optional values are NULL in the database.
_REPLIED, _TEAM_SIZE = ENTRY_CONTENT.index("replied_iso"), ENTRY_CONTENT.index("team_size")
_CONTENT_WIDTH = len(ENTRY_CONTENT)
_CONTENT_FREE_TEXT = tuple(ENTRY_CONTENT.index(c) for c in ("location", "object", "notes", "guests"))


def _sqlite_content(texts: Sequence[str]) -> tuple[Any, ...]:
    row: list[Any] = list(texts)
    if row[_REPLIED] == ABSENT:
        row[_REPLIED] = None
    row[_TEAM_SIZE] = None if row[_TEAM_SIZE] == ABSENT else int(row[_TEAM_SIZE])
    return tuple(row)


def _copy_content(texts: Sequence[str]) -> str:
    line = list(texts)
    for i in (_REPLIED, _TEAM_SIZE):
        if line[i] == ABSENT:
            line[i] = "\\N"
    for i in _CONTENT_FREE_TEXT:
        line[i] = _copy_value(line[i])
    return "\t".join(line)
