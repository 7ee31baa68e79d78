"""Evaluating agreements over a date range: the one place the engine is fed.

Quota status, findings, checks and (later) reports all come from here, so a
report and a web view see exactly what the CLI sees.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.db.quota_reads import entries_in_windows
from app.domain.agreement import Agreement
from app.domain.engine import Evaluation, entry_window, evaluate
from app.domain.findings import Finding
from app.domain.ledger import LedgerEntry
from app.domain.limits import DeclarationKey
from app.domain.quota import QuotaRow
from app.services.collection import collection_paused

# A quota status's rows are read and built in app/services/quota_rows.py, which a quick
# `csbm quota` imports without SQLAlchemy (it carries @collection_paused there).
from app.services.quota_rows import key_concerns as key_concerns
from app.services.quota_rows import party_has_state as party_has_state
from app.services.quota_rows import rows_in_range as rows_in_range


@dataclass(frozen=True, slots=True)
class AgreementEvaluation:
    agreement: Agreement
    entries: list[LedgerEntry]
    result: Evaluation


def declarations_for(
    session: Session,
    first: dt.date,
    last: dt.date,
    as_of: dt.datetime | None,
    *,
    owners: Collection[str] | None = None,
) -> dict[DeclarationKey, int]:
    """The declarations limits over [first, last] can use, optionally only those of ``owners``."""
    return repo.declarations(session, years=range(first.year - 1, last.year + 1), as_of=as_of, owners=owners)


@collection_paused
def evaluate_range(
    session: Session,
    agreements: Mapping[str, Agreement],
    *,
    start: dt.date,
    end: dt.date,
    agreement: str | None = None,
    as_of: dt.datetime | None = None,
    count_until: dt.date | None = None,
    with_rows: bool = True,
    about_state: str | None = None,
) -> list[AgreementEvaluation]:
    """Each agreement's evaluation over the range; without ``with_rows``, findings only; with
    ``about_state``, no finding ``findings_of`` would drop for that state is built."""
    read = _read(session, agreements, start, end, agreement, as_of)
    day = as_of.date() if as_of is not None else None
    about = None if about_state is None else partial(entry_concerns, about_state)
    return [
        AgreementEvaluation(
            item,
            entries,
            evaluate(
                item,
                entries,
                read.declarations,
                start=start,
                end=end,
                count_until=count_until,
                as_of=day,
                with_rows=with_rows,
                about=about,
            ),
        )
        for item, entries in read.entries
    ]


@dataclass(frozen=True, slots=True)
class _Read:
    entries: list[tuple[Agreement, list[LedgerEntry]]]
    declarations: dict[DeclarationKey, int]


def _read(
    session: Session,
    agreements: Mapping[str, Agreement],
    start: dt.date,
    end: dt.date,
    agreement: str | None,
    as_of: dt.datetime | None,
) -> _Read:
    """What an evaluation reads: each chosen agreement's entries in its window, in one query,
    and every agreement's declarations in one more (a limit looks up only its own keys)."""
    chosen = sorted((a for a in agreements.values() if agreement is None or a.id == agreement), key=lambda a: a.id)
    windows = {item.id: entry_window(item, start, end) for item in chosen}
    entries = entries_in_windows(session, windows, as_of)
    decls = (
        declarations_for(session, min(f for f, _ in windows.values()), max(last for _, last in windows.values()), as_of)
        if windows
        else {}
    )
    return _Read([(item, entries[item.id]) for item in chosen], decls)


def row_concerns(agreement: Agreement, row: QuotaRow, state: str) -> bool:
    return key_concerns(agreement, state, (row.receiving_state, row.inspecting_state, row.object))


def quota_rows(evaluations: Iterable[AgreementEvaluation], state: str | None = None) -> list[QuotaRow]:
    rows = []
    for ev in evaluations:
        rows += [r for r in ev.result.rows if state is None or row_concerns(ev.agreement, r, state)]
    return rows


def findings_of(evaluations: Iterable[AgreementEvaluation], state: str | None = None) -> list[Finding]:
    found: list[Finding] = []
    for ev in evaluations:
        by_ref = {e.ref: e for e in ev.entries}
        found += [f for f in ev.result.findings if state is None or finding_concerns(state, f, by_ref)]
    return sorted(found, key=Finding.sort_key)


def finding_concerns(state: str, finding: Finding, entries: Mapping[str, LedgerEntry]) -> bool:
    """A state's finding: one it is responsible for, or about an entry it takes part in.
    An entry's finding always names one of its two states as responsible, so only findings
    about the state's own entries can concern it (``entry_concerns``)."""
    entry = entries.get(finding.entry_ref or "")
    return finding.responsible_state == state or (entry is not None and entry_concerns(state, entry))


def entry_concerns(state: str, entry: LedgerEntry) -> bool:
    return state in (entry.inspecting_state, entry.receiving_state)


# (ledger version, year, agreement, state)
_Key = tuple[int, int, str | None, str | None]


class QuotaCache:
    """Quota status per process, valid while the database's ledger version is unchanged.

    Every write bumps the version in its own transaction, and every lookup reads
    it from the database first, so a cached answer is never older than the data
    and no two processes can disagree. Replays (as_of) are not cached.

    Only the encoded answer is kept, not its rows: thousands of small row objects made
    anew after every write, each living until the next, were scattered through the
    memory the evaluation had just freed and kept it from being given back (a serving
    process grew with the ledger). One bytes object per answer pins nothing.
    """

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._json: dict[_Key, bytes] = {}
        self._computing: dict[_Key, threading.Lock] = {}
        self._lock = threading.Lock()

    def json(
        self,
        session: Session,
        agreements: Mapping[str, Agreement],
        *,
        year: int,
        agreement: str | None,
        state: str | None,
    ) -> bytes:
        """The rows as JSON bytes, serialised once per version: a dashboard polled by
        many users costs a version lookup, not an evaluation and a re-encoding."""
        key = (repo.data_version(session), year, agreement, state)
        with self._lock:
            found = self._json.get(key)
            computing = self._computing.setdefault(key, threading.Lock())
        if found is not None:
            return found
        # Single flight: when many requests miss at once, one computes and the
        # others wait for its answer instead of all computing under the GIL.
        with computing:
            with self._lock:
                found = self._json.get(key)
            if found is None:
                found = _encoded(session, agreements, key)
                self._keep(key, found)
        return found

    def json_at(self, version: int, *, year: int, agreement: str | None, state: str | None) -> bytes | None:
        """The answer cached for this ledger version, if any (the API reads the version
        together with the caller's token, in one round trip)."""
        with self._lock:
            return self._json.get((version, year, agreement, state))

    def _keep(self, key: _Key, encoded: bytes) -> None:
        with self._lock:
            # The version only grows: answers for older versions can never be asked
            # for again, so they go at once (else every write left one behind, and a
            # busy ledger filled the cache with dead answers).
            if any(k[0] > key[0] for k in self._json):
                self._forget(key)  # computed while a write landed: no one asks for it again
                return
            for stale in [k for k in self._computing | self._json if k[0] < key[0]]:
                self._forget(stale)
            if len(self._json) >= self._size:
                self._forget(next(iter(self._json)))
            self._json[key] = encoded

    def _forget(self, key: _Key) -> None:
        self._json.pop(key, None)
        self._computing.pop(key, None)


def _encoded(session: Session, agreements: Mapping[str, Agreement], key: _Key) -> bytes:
    _, year, agreement, state = key
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = rows_in_range(session, agreements, start=start, end=end, agreement=agreement, state=state)
    return json.dumps([r.as_json() for r in rows], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
