"""The hash chain over the ledger's and the declarations' revisions.

Each revision's hash covers its stored content and the hash of the revision
before it, so an UPDATE, a DELETE or a reordering made behind csbm's back
shows up as the first revision whose recomputed hash differs from the one
stored (or whose predecessor is missing).

The canonical form is versioned by ``CHAIN_FORMAT``, which every backup's and
every filed report's manifest records, and must never change for existing
data: every backup, every filed report and every database carries hashes
computed with it. It is the fields as text, joined by U+001E, preceded by
their lengths so no field's content can shift a boundary; an absent value is
U+0000, which no stored text can contain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from app.domain.ledger import LedgerEntry, format_guests
from app.domain.moments import day_of, format_moment

CHAIN_FORMAT = "csbm-chain-1"
GENESIS = "0" * 64
ABSENT = "\x00"
SEPARATOR = "\x1e"  # between the texts a hash covers

# The stored columns each chain covers, in order; ``seq`` is the revision's
# place in the chain and ``ref``/``key`` the identity it belongs to.
ENTRY_FIELDS: tuple[str, ...] = (
    "seq",
    "ref",
    "revision",
    "recorded_at",
    "recorded_by",
    "agreement",
    "activity",
    "inspecting_state",
    "receiving_state",
    "requested_iso",
    "replied_iso",
    "start_iso",
    "end_iso",
    "start_on",
    "end_on",
    "status",
    "team_size",
    "location",
    "object",
    "notes",
)
DECLARATION_FIELDS: tuple[str, ...] = (
    "seq",
    "state",
    "year",
    "name",
    "revision",
    "value",
    "source",
    "recorded_at",
    "recorded_by",
)

# The reconciliation records (app/db/records.py): each is one whole record, never revised.
RECORD_FIELDS: tuple[str, ...] = ("seq", "kind", "subject", "recorded_at", "recorded_by", "body")


# Columns added after the chain began. A revision's hash covers them only where
# one of them holds something, so revisions recorded before they existed (and
# every filed report's chain head) keep their hashes; any value put into them
# outside csbm still breaks the chain.
ENTRY_EXTENSION: tuple[str, ...] = ("guests", "cause")
ENTRY_COLUMNS: tuple[str, ...] = ENTRY_FIELDS + ENTRY_EXTENSION

# What an entry itself says (not who recorded it, when, or where in the chain).
ENTRY_CONTENT: tuple[str, ...] = ENTRY_COLUMNS[5:]


def hashed(texts: Sequence[str], optional: int = len(ENTRY_EXTENSION)) -> Sequence[str]:
    """The texts a hash covers: the trailing ``optional`` ones only where one is not empty."""
    if optional and not any(texts[-optional:]):
        return texts[:-optional]
    return texts


def entry_texts(entry: LedgerEntry) -> tuple[str, ...]:
    """The entry's content as stored texts, in ENTRY_CONTENT order (``hashed`` says which are chained).

    They are what is stored, so two entries store the same content exactly
    when their texts are equal: an import compares them to decide whether a
    row is a new revision.
    """
    replied = entry.replied_at
    return (
        entry.agreement,
        entry.activity.value,
        entry.inspecting_state,
        entry.receiving_state,
        format_moment(entry.requested_at),
        format_moment(replied) if replied is not None else ABSENT,
        format_moment(entry.start),
        format_moment(entry.end),
        day_of(entry.start).isoformat(),
        day_of(entry.end).isoformat(),
        entry.status.value,
        str(entry.team_size) if entry.team_size is not None else ABSENT,
        entry.location,
        entry.object,
        entry.notes,
        format_guests(entry.guests),
        entry.cause.value if entry.cause is not None else "",
    )


def canonical_text(value: object) -> str:
    """A stored value as chain text, the same whichever database it was read from."""
    if value is None:
        return ABSENT
    if isinstance(value, datetime):
        # SQLite hands back naive datetimes for what was stored as UTC.
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def payload(previous: str, texts: Sequence[str]) -> str:
    """What is hashed: distinct (previous, texts) always give distinct payloads."""
    if not texts:
        return f"{previous}{SEPARATOR}"
    # One f-string, not a join over a new list: it runs for every revision an import writes.
    return f"{previous}{SEPARATOR}{','.join(map(str, map(len, texts)))}{SEPARATOR}{SEPARATOR.join(texts)}"


def link(previous: str, texts: Sequence[str]) -> str:
    """The hash of one revision, given its predecessor's hash and its canonical texts."""
    return hashlib.sha256(payload(previous, texts).encode("utf-8")).hexdigest()


def content_hashed(content: Sequence[str]) -> tuple[str, str]:
    """What a ledger revision's hash covers of its content (entry_texts), joined as
    link_revisions joins it: the lengths of the ``hashed`` texts, and those texts."""
    texts = hashed(content)
    lengths = _LENGTHS.get(len(texts))  # one format of ints: a third faster than joining their texts
    if lengths is None:
        return ",".join(map(str, map(len, texts))), SEPARATOR.join(texts)
    return lengths % tuple(map(len, texts)), SEPARATOR.join(texts)


_LENGTHS = {n: ",".join(["%d"] * n) for n in (len(ENTRY_CONTENT) - len(ENTRY_EXTENSION), len(ENTRY_CONTENT))}


def link_revisions(
    head: ChainHead, recorded_at: str, recorded_by: str, revisions: Iterable[tuple[str, str, Sequence[str]]]
) -> list[str]:
    """The hashes of ledger revisions ``(ref, revision number, entry_texts)`` chained onto
    ``head`` in order (seq ``head.seq + 1`` on), all recorded at one time by one user.

    Exactly ``link(previous, [seq, ref, number, recorded_at, recorded_by, *hashed(content)])``
    for each (ENTRY_FIELDS order).
    """
    hashed_revisions = ((ref, number, *content_hashed(content)) for ref, number, content in revisions)
    return link_hashed_revisions(head, recorded_at, recorded_by, hashed_revisions)


def link_hashed_revisions(
    head: ChainHead, recorded_at: str, recorded_by: str, revisions: Iterable[tuple[str, str, str, str]]
) -> list[str]:
    """link_revisions for revisions ``(ref, number, *content_hashed(content))``, their
    content joined beforehand (by an import's parser); written as one loop: an import
    runs it for every row."""
    previous, seq = head.hash, head.seq
    at_by = f"{len(recorded_at)},{len(recorded_by)}"
    tail = f"{recorded_at}{SEPARATOR}{recorded_by}{SEPARATOR}"
    sha256, sep = hashlib.sha256, SEPARATOR
    hashes = []
    for ref, number, lengths, texts in revisions:
        seq += 1
        seq_text = str(seq)
        text = (
            f"{previous}{sep}{len(seq_text)},{len(ref)},{len(number)},{at_by},{lengths}"
            f"{sep}{seq_text}{sep}{ref}{sep}{number}{sep}{tail}{texts}"
        )
        previous = sha256(text.encode("utf-8")).hexdigest()
        hashes.append(previous)
    return hashes


def link_values(previous: str, values: Sequence[object]) -> str:
    """link() for values not yet canonical texts (migration 0005 chains existing rows with it)."""
    return link(previous, [canonical_text(v) for v in values])


@dataclass(frozen=True, slots=True)
class ChainHead:
    """Where a chain stands: how many revisions it holds and the last one's hash."""

    seq: int
    hash: str

    def as_json(self) -> dict[str, object]:
        return {"seq": self.seq, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class Break:
    """The first place a chain no longer holds, in words an auditor can act on."""

    chain: str
    seq: int
    identity: str
    kind: str
    detail: str

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def diff_fields(names: Sequence[str], before: Sequence[str], after: Sequence[str]) -> list[str]:
    """The names of the fields that differ between two canonical rows of the same shape."""
    return [name for name, a, b in zip(names, before, after, strict=True) if a != b]
