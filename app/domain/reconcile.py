"""Reconciliation: our statement against the partner's, entry by entry and quota by quota.

Each side numbers its own entries, so entries are matched by content, not by
reference: the same agreement, activity and direction, start dates within a
tolerance (one day either way by default), and the same object where both
name one. A matched pair is *agreed* when every compared field is equal and
*differs* otherwise (naming the fields); what is left is *only ours* or *only
theirs*. Where several pairings are possible the closest start dates pair
first, then the pairs with the fewest differing fields, so the result does not
depend on the order either side listed its entries in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.errors import DomainError
from app.domain.moments import day_of, parse_moment
from app.domain.statement import EntryRecord, JsonValue, canonical_text

DEFAULT_TOLERANCE_DAYS = 1
# Not compared: each side numbers its own entries, and notes are each side's own remarks.
UNCOMPARED = frozenset({"ref", "notes"})
MATCH_KEY = ("agreement", "activity", "inspecting_state", "receiving_state")
QUOTA_KEY = ("agreement", "rule", "receiving_state", "inspecting_state", "object", "period_start", "period_end")
QUOTA_COUNTS = ("used", "pending")


Kind = StrEnum("Kind", "AGREED DIFFERS ONLY_OURS ONLY_THEIRS")


class Resolution(StrEnum):
    """What the officer recorded about a difference at the review."""

    AGREED_AS_OURS = "agreed-as-ours"
    AGREED_AS_THEIRS = "agreed-as-theirs"
    DISPUTED = "disputed"


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the result: a matched pair, or an entry only one side recorded."""

    kind: Kind
    ours: EntryRecord | None
    theirs: EntryRecord | None
    fields: tuple[str, ...] = ()  # the compared fields that differ

    def as_json(self) -> dict[str, JsonValue]:
        return {"kind": str(self.kind), "ours": self.ours, "theirs": self.theirs, "fields": list(self.fields)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Item:
        return cls(Kind(data["kind"]), data["ours"], data["theirs"], tuple(data["fields"]))


def start_day(entry: Mapping[str, JsonValue]) -> date:
    return day_of(parse_moment(str(entry["start"]), field="start"))


def objects(entry: Mapping[str, JsonValue]) -> frozenset[str]:
    """The objects an entry names: one text, or several in an array; none when empty."""
    value = entry.get("object")
    if isinstance(value, list):
        return frozenset(str(v) for v in value if v not in (None, ""))
    return frozenset([str(value)]) if value not in (None, "") else frozenset()


def differing(ours: Mapping[str, JsonValue], theirs: Mapping[str, JsonValue]) -> tuple[str, ...]:
    """The compared fields whose values differ, in the order the entries give them."""
    names = [*ours, *(k for k in theirs if k not in ours)]
    return tuple(n for n in names if n not in UNCOMPARED and ours.get(n) != theirs.get(n))


def _key(entry: Mapping[str, JsonValue]) -> tuple[JsonValue, ...]:
    return tuple(entry.get(name) for name in MATCH_KEY)


def _compatible(ours: Mapping[str, JsonValue], theirs: Mapping[str, JsonValue]) -> bool:
    mine, yours = objects(ours), objects(theirs)
    return not (mine and yours) or bool(mine & yours)


def match_entries(
    ours: Sequence[EntryRecord], theirs: Sequence[EntryRecord], *, tolerance_days: int = DEFAULT_TOLERANCE_DAYS
) -> list[Item]:
    """Every entry of both sides, once: in a matched pair or on its own."""
    if tolerance_days < 0:
        raise DomainError("the tolerance is a number of days, 0 or more", field="tolerance")
    candidates = []
    theirs_by_key: dict[tuple[JsonValue, ...], list[int]] = defaultdict(list)
    for j, entry in enumerate(theirs):
        theirs_by_key[_key(entry)].append(j)
    texts_ours, texts_theirs = [canonical_text(e) for e in ours], [canonical_text(e) for e in theirs]
    for i, mine in enumerate(ours):
        for j in theirs_by_key.get(_key(mine), []):
            gap = abs((start_day(mine) - start_day(theirs[j])).days)
            if gap <= tolerance_days and _compatible(mine, theirs[j]):
                ties = tuple(sorted((texts_ours[i], texts_theirs[j])))
                candidates.append((gap, len(differing(mine, theirs[j])), ties, i, j))
    items, used_ours, used_theirs = [], set(), set()
    for _gap, _count, _ties, i, j in sorted(candidates, key=lambda c: c[:3]):
        if i not in used_ours and j not in used_theirs:
            used_ours.add(i)
            used_theirs.add(j)
            fields = differing(ours[i], theirs[j])
            items.append(Item(Kind.DIFFERS if fields else Kind.AGREED, ours[i], theirs[j], fields))
    items += [Item(Kind.ONLY_OURS, e, None) for i, e in enumerate(ours) if i not in used_ours]
    items += [Item(Kind.ONLY_THEIRS, None, e) for j, e in enumerate(theirs) if j not in used_theirs]
    return sorted(items, key=_item_order)


def _item_order(item: Item) -> tuple[Any, ...]:
    """Chronological, and the same whichever side is called ours."""
    sides = [e for e in (item.ours, item.theirs) if e is not None]
    return (
        min(start_day(e) for e in sides),
        repr(_key(sides[0])),
        sorted(canonical_text(e) for e in sides),
    )


@dataclass(frozen=True, slots=True)
class QuotaPair:
    """One quota row as each side counts it; a side without the row counts nothing there."""

    key: tuple[JsonValue, ...]
    ours: Mapping[str, JsonValue] | None
    theirs: Mapping[str, JsonValue] | None

    @property
    def agrees(self) -> bool:
        return counts(self.ours) == counts(self.theirs)

    def as_json(self) -> dict[str, JsonValue]:
        return {
            **dict(zip(QUOTA_KEY, self.key, strict=True)),
            "ours": dict(self.ours) if self.ours is not None else None,
            "theirs": dict(self.theirs) if self.theirs is not None else None,
            "agrees": self.agrees,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QuotaPair:
        return cls(tuple(data[k] for k in QUOTA_KEY), data["ours"], data["theirs"])


def counts(row: Mapping[str, JsonValue] | None) -> tuple[JsonValue, ...]:
    return (0, 0) if row is None else tuple(row.get(name) for name in QUOTA_COUNTS)


def compare_quotas(
    ours: Iterable[Mapping[str, JsonValue]], theirs: Iterable[Mapping[str, JsonValue]]
) -> list[QuotaPair]:
    """Our rows and theirs side by side, matched on agreement, rule, the two parties, object and period."""
    mine = {tuple(r.get(k) for k in QUOTA_KEY): r for r in ours}
    yours = {tuple(r.get(k) for k in QUOTA_KEY): r for r in theirs}
    keys = sorted(set(mine) | set(yours), key=lambda k: tuple("" if v is None else str(v) for v in k))
    return [QuotaPair(k, mine.get(k), yours.get(k)) for k in keys]


def summary(items: Iterable[Item]) -> dict[str, int]:
    found = {str(kind): 0 for kind in Kind}
    for item in items:
        found[str(item.kind)] += 1
    return found
