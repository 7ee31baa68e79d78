"""Reading a statement file: every problem named by its place in the file.

The reader checks the shape (docs/statement.schema.json says the same in JSON
Schema) and what a statement must hold to mean anything: real dates, entries
between the two states, inside the period, under the agreements it names.
Whether those agreements are in force between the two, whether the states are
ours, and whether the signature verifies are for the service that reads it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import date
from typing import Any, NoReturn

from app.domain.errors import DomainError
from app.domain.ledger import STATE_CODE
from app.domain.moments import day_of, parse_moment
from app.domain.statement import ENTRY_REQUIRED, FORMAT, SIGNATURE_ALGORITHM, Period, Signature, Statement

MAX_BYTES = 50_000_000
AGREEMENT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TOP = {"format", "issuer", "partner", "period", "agreements", "chain", "entries", "quotas", "signature"}
_ISSUER = {"state", "made_by", "made_at", "csbm_version"}
QUOTA_FIELDS: dict[str, tuple[type, ...]] = {
    "agreement": (str,),
    "rule": (str,),
    "kind": (str,),
    "activity": (str,),
    "receiving_state": (str, type(None)),
    "inspecting_state": (str, type(None)),
    "object": (str, type(None)),
    "period_start": (str,),
    "period_end": (str,),
    "limit": (int, type(None)),
    "used": (int,),
    "pending": (int,),
    "remaining": (int, type(None)),
}
# Added to quota rows after the format began: read where present.
QUOTA_FORCE_FIELDS: dict[str, tuple[type, ...]] = {
    "force": (str,),
    "force_since": (str, type(None)),
    "force_changed": (bool,),
}


class StatementError(DomainError):
    """A statement that cannot be read; ``field`` is the place in the file (``entries[3].start``)."""


def _fail(place: str, message: str) -> NoReturn:
    raise StatementError(message, field=place or None)


def _no_float(text: str) -> NoReturn:
    _fail("", f"the number {text} is not an integer: a statement holds no floating-point numbers")


def _no_constant(text: str) -> NoReturn:
    _fail("", f"{text} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            _fail("", f"the key {key!r} appears twice in one object")
        found[key] = value
    return found


def load_json(data: bytes) -> Any:
    """The file as JSON; a truncated, non-UTF-8 or non-JSON file raises StatementError."""
    if len(data) > MAX_BYTES:
        _fail("", f"larger than {MAX_BYTES // 1_000_000} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail("", f"not UTF-8 text (byte {exc.start})")
    try:
        return json.loads(text, parse_float=_no_float, parse_constant=_no_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        ends = text.rstrip()[-1:]
        truncated = " (the file looks truncated)" if ends not in ("}", "]") or exc.pos >= len(text.rstrip()) else ""
        _fail("", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}{truncated}")
    except RecursionError:
        _fail("", "nested too deeply")


def parse_statement(data: bytes) -> Statement:
    """A csbm statement from its file's bytes, or StatementError naming the first problem."""
    return parse_document(load_json(data))


def parse_document(document: Any, *, require_chain: bool = True) -> Statement:
    """A statement from its JSON document (the CSV form, read elsewhere, names no chain head)."""
    _object(document, "", required=_TOP - {"signature"}, allowed=_TOP)
    if document["format"] != FORMAT:
        _fail("format", f"{document['format']!r} is not a format this csbm reads (it reads {FORMAT})")
    issuer = _object(document["issuer"], "issuer", required=_ISSUER, allowed=_ISSUER)
    state, partner = _state(issuer["state"], "issuer.state"), _state(document["partner"], "partner")
    if state == partner:
        _fail("partner", f"the statement is made by {state} for {state}: the partner must be another state")
    for name in ("made_by", "made_at", "csbm_version"):
        _text(issuer[name], f"issuer.{name}")
    period = _period(document["period"])
    agreements = _agreements(document["agreements"])
    statement = Statement(
        issuer=state,
        partner=partner,
        period=period,
        agreements=agreements,
        entries=tuple(_entries(document["entries"], state, partner, period, agreements)),
        quotas=tuple(_quotas(document["quotas"])),
        chain=_chain(document["chain"], required={"ledger"} if require_chain else set()),
        made_by=issuer["made_by"],
        made_at=issuer["made_at"],
        csbm_version=issuer["csbm_version"],
        signature=_signature(document["signature"]) if "signature" in document else None,
    )
    statement.canonical_bytes()  # a text UTF-8 cannot encode is refused here, not when verifying
    return statement


def _object(value: Any, place: str, *, required: set[str], allowed: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(place, f"must be an object, not {_kind(value)}")
    missing = sorted(required - set(value))
    if missing:
        _fail(place, f"{', '.join(missing)} missing")
    unknown = sorted(set(value) - allowed) if allowed is not None else []
    if unknown:
        _fail(place, f"unknown key(s) {', '.join(unknown)}")
    return value


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a text", bool: "true/false", int: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _text(value: Any, place: str, *, max_length: int = 10_000) -> str:
    if not isinstance(value, str):
        _fail(place, f"must be a text, not {_kind(value)}")
    if len(value) > max_length:
        _fail(place, f"longer than {max_length} characters")
    return value


def _state(value: Any, place: str) -> str:
    text = _text(value, place)
    if not STATE_CODE.match(text):
        _fail(place, f"{text!r} is not an ISO 3166-1 alpha-2 code")
    return text


def _date(value: Any, place: str) -> date:
    text = _text(value, place)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    _fail(place, f"{text!r} is not a date (YYYY-MM-DD)")


def _period(value: Any) -> Period:
    period = _object(value, "period", required={"start", "end", "label"}, allowed={"start", "end", "label"})
    start, end = _date(period["start"], "period.start"), _date(period["end"], "period.end")
    if end < start:
        _fail("period.end", f"{end} is before the start {start}")
    return Period(start=start, end=end, label=_text(period["label"], "period.label", max_length=40))


def _agreements(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        _fail("agreements", "must be a non-empty array of agreement ids")
    for i, item in enumerate(value):
        if not AGREEMENT_ID.match(_text(item, f"agreements[{i}]", max_length=40)):
            _fail(f"agreements[{i}]", f"{item!r} is not an agreement id")
    if len(set(value)) != len(value):
        _fail("agreements", "an agreement is named twice")
    return tuple(value)


def _entries(value: Any, state: str, partner: str, period: Period, agreements: tuple[str, ...]) -> list[Any]:
    if not isinstance(value, list):
        _fail("entries", f"must be an array, not {_kind(value)}")
    refs: set[str] = set()
    for i, item in enumerate(value):
        place = f"entries[{i}]"
        entry = _object(item, place, required=set(ENTRY_REQUIRED))
        for key, field_value in entry.items():
            _entry_value(field_value, f"{place}.{key}", depth=0)
        for key in ENTRY_REQUIRED:
            _text(entry[key], f"{place}.{key}")
        _entry_meaning(entry, place, state, partner, period, agreements)
        if entry["ref"] in refs:
            _fail(f"{place}.ref", f"{entry['ref']!r} appears twice")
        refs.add(entry["ref"])
    return value


def _entry_value(value: Any, place: str, *, depth: int) -> None:
    if depth > 4:
        _fail(place, "nested too deeply")
    if isinstance(value, list):
        for i, item in enumerate(value):
            _entry_value(item, f"{place}[{i}]", depth=depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _entry_value(item, f"{place}.{key}", depth=depth + 1)
    elif isinstance(value, str):
        _text(value, place)
    elif not (value is None or isinstance(value, int)):
        _fail(place, f"must be a text, a number, null, an array or an object, not {_kind(value)}")


def _entry_meaning(
    entry: dict[str, Any], place: str, state: str, partner: str, period: Period, agreements: tuple[str, ...]
) -> None:
    if entry["agreement"] not in agreements:
        _fail(f"{place}.agreement", f"{entry['agreement']!r} is not among the statement's agreements")
    sides = (entry["inspecting_state"], entry["receiving_state"])
    if sides not in ((state, partner), (partner, state)):
        _fail(place, f"{sides[0]} inspecting {sides[1]} is not between {state} and {partner}")
    moments = {}
    for name in ("requested_at", "start", "end"):
        try:
            moments[name] = parse_moment(entry[name], field=f"{place}.{name}")
        except DomainError as exc:
            raise StatementError(exc.message, field=exc.field) from None
    if not period.start <= day_of(moments["start"]) <= period.end:
        _fail(f"{place}.start", f"{entry['start']} is outside the period {period.start}..{period.end}")


def _quotas(value: Any) -> list[Any]:
    if not isinstance(value, list):
        _fail("quotas", f"must be an array, not {_kind(value)}")
    for i, item in enumerate(value):
        allowed = set(QUOTA_FIELDS) | set(QUOTA_FORCE_FIELDS)
        row = _object(item, f"quotas[{i}]", required=set(QUOTA_FIELDS), allowed=allowed)
        for key, types in QUOTA_FIELDS.items():
            if not isinstance(row[key], types) or isinstance(row[key], bool):
                _fail(f"quotas[{i}].{key}", f"must not be {_kind(row[key])}")
        for key, types in QUOTA_FORCE_FIELDS.items():
            if key in row and not isinstance(row[key], types):
                _fail(f"quotas[{i}].{key}", f"must not be {_kind(row[key])}")
        for key in ("period_start", "period_end"):
            _date(row[key], f"quotas[{i}].{key}")
    return value


def _chain(value: Any, *, required: set[str]) -> dict[str, Any]:
    chains = _object(value, "chain", required=required)
    for name, head in chains.items():
        place = f"chain.{name}"
        _object(head, place, required={"seq", "hash"}, allowed={"seq", "hash"})
        if not isinstance(head["seq"], int) or isinstance(head["seq"], bool) or head["seq"] < 0:
            _fail(f"{place}.seq", "must be a whole number, 0 or more")
        if not HEX64.match(_text(head["hash"], f"{place}.hash")):
            _fail(f"{place}.hash", "must be 64 lower-case hex digits")
    return chains


def _signature(value: Any) -> Signature:
    keys = {"algorithm", "key", "value"}
    block = _object(value, "signature", required=keys, allowed=keys)
    if block["algorithm"] != SIGNATURE_ALGORITHM:
        _fail("signature.algorithm", f"{block['algorithm']!r} is not {SIGNATURE_ALGORITHM}")
    if not HEX64.match(_text(block["key"], "signature.key")):
        _fail("signature.key", "must be the key's fingerprint: 64 lower-case hex digits")
    decode(block["value"], "signature.value")
    return Signature(key=block["key"], value=block["value"])


def decode(value: Any, place: str, length: int = 64) -> bytes:
    """A base64 value of ``length`` bytes (an Ed25519 signature is 64)."""
    try:
        raw = base64.b64decode(_text(value, place, max_length=200), validate=True)
    except (binascii.Error, ValueError):
        _fail(place, "is not base64")
    if len(raw) != length:
        _fail(place, f"holds {len(raw)} bytes, not {length}")
    return raw
