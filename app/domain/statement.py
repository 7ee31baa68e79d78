"""A statement: what one centre recorded with one partner over a period (docs/statements.md).

At an implementation review the two centres compare what each counted. A
statement is one side's account: the ledger entries between the home state
and the partner, in both directions, the quota rows between the two, the
chain head it was made from, who made it and when. It is signed over its
canonical bytes, so what the partner reads is exactly what was made.

The canonical bytes are the statement without its signature block, as JSON
with sorted keys, no whitespace between tokens, UTF-8 (not \\u-escaped) and
no floats. They must never change for a given format: every signature ever
given covers them. ``FORMAT`` names the encoding; a change is a new format.

Entries are encoded from the ledger entry's own fields (``dataclasses.fields``),
so a field added to ``LedgerEntry`` travels in statements without a change
here: a value becomes a string, an integer, null, an array or an object.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields, is_dataclass, replace
from datetime import date
from enum import Enum
from typing import Any, TypeAlias

from app.domain.errors import DomainError
from app.domain.ledger import LedgerEntry
from app.domain.moments import format_moment

FORMAT = "csbm-statement-1"
SIGNATURE_ALGORITHM = "ed25519"

JsonValue: TypeAlias = bool | int | str | list["JsonValue"] | dict[str, "JsonValue"] | None
EntryRecord: TypeAlias = dict[str, JsonValue]

# The fields every entry carries (those LedgerEntry cannot do without), as text.
ENTRY_REQUIRED: tuple[str, ...] = tuple(
    f.name for f in fields(LedgerEntry) if f.default is MISSING and f.default_factory is MISSING
)


def json_value(value: object) -> JsonValue:
    """A field value as JSON: moments as canonical ISO text, enums as their value,
    collections as arrays (sets sorted), mappings and dataclasses as objects."""
    if value is None or (isinstance(value, bool | str) and not isinstance(value, Enum)):
        return value
    if isinstance(value, Enum):
        return json_value(value.value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise DomainError(f"{value!r}: a statement holds no floating-point numbers")
    if isinstance(value, date):
        return format_moment(value)
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: json_value(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, set | frozenset):
        return sorted((json_value(v) for v in value), key=canonical_text)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    return str(value)


def statement_entry(entry: LedgerEntry) -> EntryRecord:
    """A ledger entry as a statement entry: every field of the entry, by name."""
    return {f.name: json_value(getattr(entry, f.name)) for f in fields(entry)}


def canonical_text(value: JsonValue) -> str:
    _refuse_floats(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_bytes(value: JsonValue) -> bytes:
    """Sorted keys, fixed separators, UTF-8, no floats: the same bytes for the same content."""
    try:
        return canonical_text(value).encode("utf-8")
    except UnicodeEncodeError:
        raise DomainError("a text holds a lone surrogate, which UTF-8 cannot encode") from None


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise DomainError(f"{value!r}: a statement holds no floating-point numbers")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_floats(item)


def sha256(value: JsonValue) -> str:
    return hashlib.sha256(canonical_bytes(value)).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """An Ed25519 signature over a statement's canonical bytes, naming the key's fingerprint."""

    key: str  # sha256 of the raw public key, 64 hex digits
    value: str  # base64
    algorithm: str = SIGNATURE_ALGORITHM

    def as_json(self) -> dict[str, JsonValue]:
        return {"algorithm": self.algorithm, "key": self.key, "value": self.value}


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    start: date
    end: date
    label: str

    def as_json(self) -> dict[str, JsonValue]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    issuer: str
    partner: str
    period: Period
    agreements: tuple[str, ...]
    entries: tuple[EntryRecord, ...]
    quotas: tuple[dict[str, JsonValue], ...]
    chain: dict[str, JsonValue]
    made_by: str
    made_at: str
    csbm_version: str
    signature: Signature | None = None

    def body(self) -> dict[str, JsonValue]:
        """Everything but the signature: what the signature covers."""
        return {
            "format": FORMAT,
            "issuer": {
                "state": self.issuer,
                "made_by": self.made_by,
                "made_at": self.made_at,
                "csbm_version": self.csbm_version,
            },
            "partner": self.partner,
            "period": self.period.as_json(),
            "agreements": list(self.agreements),
            "chain": self.chain,
            "entries": list(self.entries),
            "quotas": list(self.quotas),
        }

    def canonical_bytes(self) -> bytes:
        return canonical_bytes(self.body())

    def sha256(self) -> str:
        """The statement's identity: the hash of the bytes its signatures cover."""
        return hashlib.sha256(self.canonical_bytes()).hexdigest()

    def as_json(self) -> dict[str, JsonValue]:
        body = self.body()
        if self.signature is not None:
            body["signature"] = self.signature.as_json()
        return body

    def to_bytes(self) -> bytes:
        """The statement as a file: indented for a reader; the signature does not depend on layout."""
        return (json.dumps(self.as_json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")

    def signed(self, signature: Signature) -> Statement:
        return replace(self, signature=signature)

    def unsigned(self) -> Statement:
        return replace(self, signature=None)


def same_direction(entry: Mapping[str, JsonValue], one: str, other: str) -> bool:
    """The entry is between the two states, in either direction."""
    sides = (entry.get("inspecting_state"), entry.get("receiving_state"))
    return sides in ((one, other), (other, one))
