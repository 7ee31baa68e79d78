"""``csbm audit verify``: recompute the hash chains and name the first break.

The chains (app/domain/chain.py) are recomputed from the rows as stored, in
``seq`` order. A direct ``UPDATE`` shows as a revision whose content no
longer hashes to its stored hash; a ``DELETE`` as a gap in ``seq`` (or, at
the end, as a head in ``ledger_state`` past the last row); a reordering as a
revision whose content hashes correctly at another place in the chain. Filed
reports are tied in too: each manifest names the chain heads it was built
from, and those must still be in the chains.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.db.chain_reader import chain_rows, earlier_revision, hash_at, hashes_between
from app.db.chain_writer import chain_heads
from app.domain.chain import (
    DECLARATION_FIELDS,
    ENTRY_COLUMNS,
    ENTRY_EXTENSION,
    GENESIS,
    RECORD_FIELDS,
    Break,
    ChainHead,
    canonical_text,
    diff_fields,
    hashed,
    link,
)
from app.domain.moments import day_of, parse_moment
from app.reporting.output import MANIFEST
from app.services.countersign import verify_countersigned


@dataclass(frozen=True, slots=True)
class _Chain:
    name: str
    fields: tuple[str, ...]
    identity: tuple[str, ...]  # the fields naming the revision in a message
    optional: int = 0  # trailing fields hashed only where one is not empty

    def texts(self, row: Any, seq: int | None = None) -> list[str]:
        values = [getattr(row, name) for name in self.fields]
        if seq is not None:
            values[0] = seq
        return [canonical_text(v) for v in values]

    def hashed(self, row: Any, seq: int | None = None) -> Sequence[str]:
        return hashed(self.texts(row, seq), self.optional)

    def describe(self, row: Any) -> str:
        parts = [f"{name} {getattr(row, name)}" for name in self.identity]
        return f"{', '.join(parts)} (recorded {canonical_text(row.recorded_at)} by {row.recorded_by})"


LEDGER = _Chain("ledger", ENTRY_COLUMNS, ("ref", "revision"), len(ENTRY_EXTENSION))
DECLARATIONS = _Chain("declarations", DECLARATION_FIELDS, ("state", "year", "name", "revision"))
RECORDS = _Chain("reconciliations", RECORD_FIELDS, ("kind", "subject"))


@dataclass(slots=True)
class Verification:
    checked: dict[str, int] = field(default_factory=dict)
    heads: dict[str, ChainHead] = field(default_factory=dict)
    breaks: list[Break] = field(default_factory=list)
    reports_checked: int = 0
    statements_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.breaks

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "heads": {name: head.as_json() for name, head in self.heads.items()},
            "reports_checked": self.reports_checked,
            "statements_checked": self.statements_checked,
            "breaks": [b.as_json() for b in self.breaks],
        }


def verify(session: Session, *, reports_dir: Path | None = None) -> Verification:
    """Recompute the chains, check the countersigned statements against the ledger, and tie in the
    filed reports; the first break of each chain is named."""
    result = Verification()
    stored_heads = chain_heads(session)
    for chain in (LEDGER, DECLARATIONS, RECORDS):
        checked, head, problem = _verify_chain(session, chain, stored_heads[chain.name])
        result.checked[chain.name] = checked
        result.heads[chain.name] = head
        if problem is not None:
            result.breaks.append(problem)
    result.statements_checked, problems = verify_countersigned(session)
    result.breaks += problems
    if reports_dir is not None and reports_dir.is_dir():
        result.reports_checked = _verify_reports(session, reports_dir, result)
    return result


def _verify_chain(session: Session, chain: _Chain, stored: ChainHead) -> tuple[int, ChainHead, Break | None]:
    previous, expected_seq, checked = GENESIS, 1, 0
    for row in chain_rows(session, chain.name):
        checked += 1
        seq = int(row.seq)
        if seq != expected_seq:
            kind = "deleted" if seq > expected_seq else "duplicated"
            detail = (
                f"revision(s) {expected_seq}..{seq - 1} of the {chain.name} chain are missing: deleted outside csbm; "
                f"the next one present is {chain.describe(row)}"
                if seq > expected_seq
                else f"seq {seq} appears twice: {chain.describe(row)}"
            )
            return (
                checked,
                ChainHead(expected_seq - 1, previous),
                Break(chain.name, seq, _identity(chain, row), kind, detail),
            )
        derived = _derived_problem(chain, row)
        if derived:
            return (
                checked,
                ChainHead(seq - 1, previous),
                Break(chain.name, seq, _identity(chain, row), "edited", derived),
            )
        recomputed = link(previous, chain.hashed(row))
        if recomputed != row.chain_hash:
            return checked, ChainHead(seq - 1, previous), _explain(session, chain, row, previous)
        previous, expected_seq = recomputed, seq + 1
    head = ChainHead(expected_seq - 1, previous)
    if head != stored:
        if stored.seq > head.seq:
            detail = (
                f"the {chain.name} chain ends at revision {head.seq}, but csbm recorded {stored.seq}: "
                f"the last {stored.seq - head.seq} revision(s) were deleted outside csbm"
            )
            return checked, head, Break(chain.name, head.seq + 1, "", "deleted", detail)
        detail = (
            f"the {chain.name} chain holds revisions up to {head.seq} (hash {head.hash[:12]}…), but csbm's own record "
            f"of its head is revision {stored.seq} (hash {stored.hash[:12]}…): rows were added or the head was "
            "changed outside csbm"
        )
        return checked, head, Break(chain.name, stored.seq + 1, "", "inserted", detail)
    return checked, head, None


def _identity(chain: _Chain, row: Any) -> str:
    return " ".join(str(getattr(row, name)) for name in chain.identity)


def _derived_problem(chain: _Chain, row: Any) -> str | None:
    """start_on/end_on are what period queries use; they must agree with the hashed moments."""
    if chain.name != "ledger":
        return None
    for moment, day in (("start_iso", "start_on"), ("end_iso", "end_on")):
        try:
            expected = day_of(parse_moment(getattr(row, moment), field=moment))
        except ValueError:
            return f"{chain.describe(row)}: {moment} {getattr(row, moment)!r} is not a moment"
        stored = getattr(row, day)
        if canonical_text(stored) != expected.isoformat():
            return (
                f"{chain.describe(row)}: {day} was changed to {canonical_text(stored)}, "
                f"but {moment} is {getattr(row, moment)}"
            )
    return None


def _explain(session: Session, chain: _Chain, row: Any, previous: str) -> Break:
    """Why a revision's hash fails: moved from elsewhere in the chain, or edited (and how)."""
    seq, texts = int(row.seq), chain.texts(row)
    original = _original_place(session, chain, row)
    if original is not None and original != seq:
        detail = (
            f"{chain.describe(row)} now sits at place {seq} of the {chain.name} chain but was recorded at place "
            f"{original}: the revisions were reordered outside csbm"
        )
        return Break(chain.name, seq, _identity(chain, row), "reordered", detail)
    earlier = earlier_revision(session, chain.name, row)
    changed = ""
    if earlier is not None:
        differing = diff_fields(chain.fields[3:], chain.texts(earlier)[3:], texts[3:])
        differing = [name for name in differing if name not in ("recorded_at", "recorded_by")]
        if differing:
            values = ", ".join(f"{name}={getattr(row, name)!r}" for name in differing)
            changed = f"; it now differs from revision {earlier.revision} in {values}"
    detail = (
        f"{chain.describe(row)}: its stored content no longer matches the hash recorded with it "
        f"(place {seq} of the {chain.name} chain): it was edited outside csbm{changed}"
    )
    return Break(chain.name, seq, _identity(chain, row), "edited", detail)


def _original_place(session: Session, chain: _Chain, moved: Any, window: int = 50) -> int | None:
    """The place near its current one at which ``moved``'s content hashes to its stored hash.

    The predecessor it was chained onto may have moved as well (a swap), so
    every stored hash near it is tried as the predecessor at every place.
    """
    seq = int(moved.seq)
    nearby = hashes_between(session, chain.name, seq - window, seq + window)
    if seq - window <= 1:
        nearby.append(GENESIS)
    for place in range(max(1, seq - window), seq + window + 1):
        texts = chain.hashed(moved, seq=place)
        if any(link(previous, texts) == moved.chain_hash for previous in nearby):
            return place
    return None


def _verify_reports(session: Session, reports_dir: Path, result: Verification) -> int:
    """Each filed manifest's chain heads must still be places in the chains, with the same hashes."""
    checked = 0
    for manifest_path in sorted(reports_dir.rglob(MANIFEST)):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        heads = manifest.get("chain_heads")
        if not isinstance(heads, dict):
            continue
        checked += 1
        for name, head in heads.items():
            problem = _report_head_problem(session, name, head)
            if problem:
                where = manifest_path.relative_to(reports_dir).parent
                result.breaks.append(Break(name, int(head.get("seq", 0)), str(where), "report", f"{where}: {problem}"))
    return checked


def _report_head_problem(session: Session, chain: str, head: dict[str, Any]) -> str | None:
    seq, expected = int(head.get("seq", 0)), str(head.get("hash", ""))
    if seq == 0:
        return None if expected == GENESIS else "the report names an empty chain with a non-empty hash"
    stored = hash_at(session, chain, seq)
    if stored is None:
        return f"it was generated from {chain} revision {seq}, which is no longer in the database"
    if stored != expected:
        return f"it was generated from a {chain} history whose revision {seq} had another hash: the history changed"
    return None


def describe_breaks(breaks: Sequence[Break]) -> list[str]:
    return [f"{b.chain}: {b.kind}: {b.detail}" for b in breaks]
