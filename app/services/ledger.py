"""Recording, importing, exporting and replaying the ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO, TypeVar

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.db.chain_writer import LedgerWriter, lock_writers
from app.db.deferred_indexes import indexes_made_at_end
from app.domain.agreement import Agreement
from app.domain.chain import entry_texts
from app.domain.findings import Code, Finding
from app.domain.ledger import LedgerEntry
from app.domain.quota import QuotaRow
from app.domain.report import entry_json
from app.services.accounts import audit
from app.services.errors import ServiceError
from app.services.ledger_csv import Contents, EntryContext, content_batches, write_ledger
from app.services.ledger_reading import PARALLEL_FROM_BYTES, LedgerReading, as_read
from app.services.prefetch import fork_available, from_child, read_ahead

# What recording one entry did: a re-import of the same file is all UNCHANGED.
Outcome = StrEnum("Outcome", "CREATED REVISED UNCHANGED")


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """The counts an import reports, and nothing about the rows: the ledger holds those."""

    created: int
    revised: int
    unchanged: int

    def as_json(self) -> dict[str, int]:
        return {"created": self.created, "revised": self.revised, "unchanged": self.unchanged}

    def __add__(self, other: ImportSummary) -> ImportSummary:
        return ImportSummary(
            self.created + other.created, self.revised + other.revised, self.unchanged + other.unchanged
        )


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What a proposed entry would do: its quota rows before and after, and new findings."""

    entry: LedgerEntry
    rows: list[tuple[QuotaRow | None, QuotaRow]]
    findings: list[Finding]
    over_limit: list[Finding] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The check as JSON: each affected quota row after, with its counts before."""
        return {
            "entry": self.entry.as_record(),
            "quotas": [
                {
                    **after.as_json(),
                    "used_before": before.used if before else 0,
                    "pending_before": before.pending if before else 0,
                    "remaining_before": before.remaining if before else (after.limit if after.binds else None),
                }
                for before, after in self.rows
            ],
            "findings": [f.as_json() for f in self.findings],
            "within_quota": not self.over_limit,
        }


class QuotaRefused(ServiceError):
    """``--within-quota``: recording would raise a new over-limit finding."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        super().__init__(f"{result.entry.ref}: refused by the quota check; nothing was recorded")


T = TypeVar("T")

BULK_ROWS = 10_000  # an import this large refreshes the planner's statistics


def import_ledger(
    session: Session,
    path: Path,
    context: EntryContext,
    *,
    at: dt.datetime,
    by: str,
    parallel_from_bytes: int = PARALLEL_FROM_BYTES,
    reading: LedgerReading | None = None,
) -> ImportSummary:
    """All-or-nothing, streamed: batches are written as the file is read, inside the caller's
    transaction; a bad row anywhere raises LedgerFileError and the transaction rolls back.
    ``reading``, if given, is that file already being read (ledger_reading.reading_ahead)."""
    writer = LedgerWriter(session, at=at, by=by)
    source = _Source(path, context, parallel_from_bytes, reading)
    if repo.has_entries(session):
        summary = ImportSummary(created=0, revised=0, unchanged=0)
        for batch in source.batches(as_read):
            summary = summary + _store(session, batch, lambda: writer)
    else:
        summary = _into_empty(writer, source)
    if summary.created + summary.revised >= BULK_ROWS:
        repo.refresh_statistics(session)
    audit(
        session,
        by=by,
        at=at,
        action="ledger.import",
        target=path.name,
        after=summary.as_json(),
    )
    return summary


def _into_empty(writer: LedgerWriter, source: _Source) -> ImportSummary:
    """Into an empty ledger every row is a new entry (refs are distinct within a file): no
    ref is looked up, and the database makes the ledger's indexes once at the end rather
    than row by row. The rows' ids and places in the chain follow on from the writer's, so
    the parser's process builds the rows whole, chained and hashed (NewEntries.of_contents):
    this process, which waits on the database, only writes them. Where the keys wait for the
    end too (on PostgreSQL), the revisions stream through one COPY, which the database takes
    in as it comes instead of this process waiting on it batch by batch."""
    rows = source.batches(writer.new_entries().of_contents)  # a parser reads on meanwhile
    with indexes_made_at_end(writer.session) as keys_at_end:
        created = writer.stream(rows) if keys_at_end else writer.write_all(rows)
        writer.end_new_entries(created)
    return ImportSummary(created=created, revised=0, unchanged=0)


@dataclass(frozen=True, slots=True)
class _Source:
    """The file an import reads, and where it is parsed."""

    path: Path
    context: EntryContext
    from_bytes: int
    reading: LedgerReading | None

    def batches(self, shape: Callable[[Contents], T]) -> Iterator[T]:
        """``shape`` of each batch, made where the batch is parsed."""
        if self.reading is not None:
            return self.reading.batches(self.context, shape)
        return _parsed(lambda: map(shape, content_batches(self.path, self.context)), self.path, self.from_bytes)


def _parsed(produce: Callable[[], Iterator[T]], path: Path, from_bytes: int) -> Iterator[T]:
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # the reader reports why the file cannot be read
    if size >= from_bytes and fork_available():
        return from_child(produce)
    return read_ahead(produce())


def import_entries(session: Session, entries: list[LedgerEntry], *, at: dt.datetime, by: str) -> ImportSummary:
    """Store entries: new refs as new entries, changed ones as new revisions, the rest untouched."""
    return _store(session, [(e.ref, entry_texts(e)) for e in entries], lambda: LedgerWriter(session, at=at, by=by))


def _store(session: Session, batch: Contents, writer: Callable[[], LedgerWriter]) -> ImportSummary:
    current = repo.current_revisions(session, (ref for ref, _ in batch))
    new = [(ref, texts) for ref, texts in batch if ref not in current]
    changed = [
        (found[0], found[1] + 1, ref, texts)
        for ref, texts in batch
        if (found := current.get(ref)) is not None and entry_texts(found[2]) != texts
    ]
    if new or changed:  # the writer takes the writers' lock and bumps the ledger version
        writer().add_texts(new, changed)
    return ImportSummary(created=len(new), revised=len(changed), unchanged=len(batch) - len(new) - len(changed))


def record_entry(
    session: Session,
    entry: LedgerEntry,
    agreements: dict[str, Agreement],
    *,
    at: dt.datetime,
    by: str,
    within_quota: bool = False,
) -> Outcome:
    """Record one entry, as a new entry or a new revision of its ref.

    With ``within_quota`` the agreement's quota lock is taken first, so the
    check and the write see the same ledger: on PostgreSQL a row lock held
    FOR UPDATE until commit; on SQLite the write transaction began with
    BEGIN IMMEDIATE. Either way, with N slots left, exactly N of many
    concurrent writers get in.
    """
    lock_writers(session)
    if within_quota:
        repo.lock_agreement(session, entry.agreement)
    current = repo.current_revisions(session, [entry.ref]).get(entry.ref)
    if current is not None and current[2] == entry:
        return Outcome.UNCHANGED
    if within_quota:
        result = check_entry(session, entry, agreements[entry.agreement])
        if result.over_limit:
            raise QuotaRefused(result)
    if current is None:
        repo.add_entries(session, [entry], at=at, by=by)
        audit(session, by=by, at=at, action="entry.create", target=entry.ref, after=entry_json(entry))
        return Outcome.CREATED
    repo.add_revisions(session, [(current[0], current[1] + 1, entry)], at=at, by=by)
    audit(
        session,
        by=by,
        at=at,
        action="entry.revise",
        target=entry.ref,
        before=entry_json(current[2]),
        after=entry_json(entry),
    )
    return Outcome.REVISED


def check_entry(session: Session, entry: LedgerEntry, agreement: Agreement) -> CheckResult:
    """What recording the entry would do to its quotas, and the findings it would
    raise; nothing is written. Only the entries it can interact with are read (its
    scope), in the periods it falls in, with the declarations its limits can need.
    An entry of the same ref is the one being revised, and is left out."""
    # Here, not at the top: an import, which checks no single entry, need not load the engine.
    from app.domain.addition import addition_scope, evaluate_addition
    from app.domain.engine import entry_window
    from app.services.evaluation import declarations_for

    first, last = entry_window(agreement, entry.start_day, entry.start_day)
    scope = addition_scope(agreement, entry)
    pool = [
        e
        for e in repo.entries_between(
            session,
            start=first,
            end=last,
            agreement=agreement.id,
            activities=scope.activities,
            receiving=scope.receiving,
            inspecting=scope.inspecting,
        )
        if e.ref != entry.ref
    ]
    decls = declarations_for(session, first, last, None, owners=scope.owners)
    addition = evaluate_addition(agreement, pool, decls, entry, start=first, end=last)
    return CheckResult(
        entry=entry,
        rows=addition.rows,
        findings=addition.findings,
        # A suspended or withdrawn obligation is no obligation: no quota to be within.
        over_limit=[f for f in addition.findings if f.code.over_limit or f.code is Code.NOT_IN_FORCE],
    )


def export_ledger(session: Session, stream: TextIO, *, as_of: dt.datetime | None = None) -> int:
    return write_ledger(list(repo.all_entries(session, as_of)), stream)


def entry_history(session: Session, ref: str) -> list[repo.StoredRevision]:
    return repo.history(session, ref)


def entry_findings(session: Session, entry: LedgerEntry, agreements: dict[str, Agreement]) -> list[Finding]:
    """The findings about one entry, from an evaluation of the periods it falls in."""
    agreement = agreements.get(entry.agreement)
    if agreement is None:
        return []
    from app.services.evaluation import evaluate_range, findings_of

    evaluations = evaluate_range(session, {agreement.id: agreement}, start=entry.start_day, end=entry.start_day)
    return [f for f in findings_of(evaluations) if f.entry_ref == entry.ref]


def latest_revision(session: Session, ref: str) -> repo.StoredRevision | None:
    found = repo.history(session, ref)
    return found[-1] if found else None
