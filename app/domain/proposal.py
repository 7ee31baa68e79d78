"""What "agreed as theirs" proposes: a new revision for the officer to record, never an edit.

Resolving a difference in the partner's favour changes nothing by itself. It
proposes the entry our ledger would need: for a differing pair, our entry with
the partner's values in the differing fields; for an entry only the partner
recorded, a new entry with its values under a reference of ours; for an entry
only we recorded, a revision marking ours cancelled. The officer records it
as usual (``csbm ledger add`` or the entry form), with every check that runs.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

from app.domain.reconcile import Item, Kind
from app.domain.statement import EntryRecord, JsonValue

_NOT_IN_REF = re.compile(r"[^A-Za-z0-9._/:-]")


def field_text(value: JsonValue) -> str:
    """A statement value as the text a ledger field takes (an array's items joined by ';')."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(field_text(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{k}:{field_text(v)}" for k, v in value.items())
    return str(value)


def entry_texts(record: Mapping[str, JsonValue]) -> dict[str, str]:
    return {name: field_text(value) for name, value in record.items()}


def proposed_ref(partner: str, their_ref: str) -> str:
    """A reference of ours for an entry the partner recorded: theirs, marked with their state."""
    return f"{partner}-{_NOT_IN_REF.sub('-', their_ref)}"[:80]


def proposal(item: Item, *, partner: str, reconciliation: int) -> dict[str, str] | None:
    """The entry (as ledger fields) that recording the partner's version would take; None when agreed."""
    if item.kind is Kind.DIFFERS and item.ours is not None and item.theirs is not None:
        values = entry_texts(item.ours)
        theirs = entry_texts(item.theirs)
        return values | {name: theirs.get(name, "") for name in item.fields}
    if item.kind is Kind.ONLY_THEIRS and item.theirs is not None:
        values = entry_texts(item.theirs)
        return values | {"ref": proposed_ref(partner, values["ref"])}
    if item.kind is Kind.ONLY_OURS and item.ours is not None:
        values = entry_texts(item.ours)
        remark = f"Not in {partner}'s statement; agreed at reconciliation {reconciliation}."
        return values | {"status": "cancelled", "notes": f"{values.get('notes', '')} {remark}".strip()}
    return None


def ledger_add_command(values: Mapping[str, str]) -> str:
    """The ``csbm ledger add`` command that records the proposal (empty fields left out)."""
    options = [f"--{name.replace('_', '-')} {shlex.quote(text)}" for name, text in values.items() if text != ""]
    return "csbm ledger add " + " ".join(options)


def record_of(item: Item) -> EntryRecord | None:
    return item.ours if item.ours is not None else item.theirs
