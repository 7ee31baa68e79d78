"""One ledger entry: recording it, checking it, its history, its page.

Front ends hand over the entry as text fields, exactly like a CSV row, and
get back the entry, what recording it did, or a ServiceError naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.domain.errors import DomainError
from app.domain.findings import Finding
from app.domain.ledger import LedgerEntry, Status
from app.domain.messages import N_
from app.domain.moments import Moment, start_instant
from app.domain.report import entry_json
from app.services import catalog, ledger
from app.services.errors import CONCURRENT_WRITE, Conflict, InvalidInput, NotFound, Problem
from app.services.ledger_csv import EntryContext, parse_entry
from app.services.states import known_states

NO_AGREEMENTS = "no agreements are loaded: run `csbm agreements load` first"
EXISTS = N_("this reference exists; record a new revision of it instead")


def entry_context(session: Session) -> EntryContext:
    """What an entry is checked against: the agreements loaded now, and the real states."""
    agreements = catalog.agreements_as_of(session)
    if not agreements:
        raise InvalidInput.one("agreement", NO_AGREEMENTS)
    return EntryContext(agreements=agreements, states=known_states())


def parsed(values: Mapping[str, str], context: EntryContext) -> LedgerEntry:
    """The entry the text fields describe; InvalidInput naming every bad field."""
    entry, problems = parse_entry(values, context)
    if entry is None:
        raise InvalidInput([Problem(column, message) for column, message in problems])
    return entry


def not_found(ref: str) -> NotFound:
    return NotFound(f"no entry with ref {ref!r}")


@dataclass(frozen=True, slots=True)
class Recorded:
    entry: LedgerEntry
    outcome: ledger.Outcome


def _entry(session: Session, values: Mapping[str, str], new: bool) -> tuple[EntryContext, LedgerEntry]:
    context = entry_context(session)
    entry = parsed(values, context)
    if new and ledger.latest_revision(session, entry.ref) is not None:
        raise Conflict(EXISTS, field="ref")
    return context, entry


def record(
    session: Session,
    values: Mapping[str, str],
    *,
    at: dt.datetime,
    by: str,
    within_quota: bool = False,
    new: bool = False,
) -> Recorded:
    """Record the entry, or a new revision of its ref (``new``: refuse a ref that exists).
    QuotaRefused with ``within_quota`` when it would go over a limit."""
    context, entry = _entry(session, values, new)
    try:
        outcome = ledger.record_entry(session, entry, dict(context.agreements), at=at, by=by, within_quota=within_quota)
    except IntegrityError:
        raise Conflict(f"{entry.ref}: {CONCURRENT_WRITE}", field="ref") from None
    return Recorded(entry, outcome)


def check(session: Session, values: Mapping[str, str], *, new: bool = False) -> ledger.CheckResult:
    """What recording the entry would do; nothing is written."""
    context, entry = _entry(session, values, new)
    return ledger.check_entry(session, entry, context.agreements[entry.agreement])


@dataclass(frozen=True, slots=True)
class Revision:
    """One revision of an entry, with who recorded it, when, and what it changed."""

    record: dict[str, Any]  # the entry as JSON (app/domain/report.py entry_json)
    revision: int
    recorded_at: dt.datetime
    recorded_by: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)  # (field, before, after)

    def as_json(self) -> dict[str, Any]:
        return {
            **self.record,
            "revision": self.revision,
            "recorded_at": self.recorded_at.isoformat(),
            "recorded_by": self.recorded_by,
        }


def history(session: Session, ref: str) -> list[Revision]:
    """Every revision of the entry, oldest first; NotFound when there is none."""
    stored = ledger.entry_history(session, ref)
    if not stored:
        raise not_found(ref)
    revisions: list[Revision] = []
    for r in stored:
        record = entry_json(r.entry)
        before = revisions[-1].record if revisions else record
        changes = [(k, before[k], v) for k, v in record.items() if before[k] != v]
        revisions.append(Revision(record, r.revision, r.recorded_at, r.recorded_by, changes))
    return revisions


@dataclass(frozen=True, slots=True)
class EntryDetail:
    entry: LedgerEntry
    latest: Revision
    findings: list[Finding]

    def as_json(self) -> dict[str, Any]:
        return {
            "entry": self.latest.record,
            "revision": self.latest.revision,
            "recorded_at": self.latest.recorded_at.isoformat(),
            "recorded_by": self.latest.recorded_by,
            "findings": [f.as_json() for f in self.findings],
        }


def detail(session: Session, ref: str) -> EntryDetail:
    """The entry as now recorded, with the findings about it; NotFound when there is none."""
    latest = ledger.latest_revision(session, ref)
    if latest is None:
        raise not_found(ref)
    findings = ledger.entry_findings(session, latest.entry, catalog.agreements_as_of(session))
    revision = Revision(entry_json(latest.entry), latest.revision, latest.recorded_at, latest.recorded_by)
    return EntryDetail(latest.entry, revision, findings)


AWAITS_NO_REPLY = N_("only a requested entry with no reply recorded awaits a reply")
REPLY_AHEAD = N_("the reply cannot be later than now")


def reply(session: Session, ref: str, *, accept: bool, replied_at: Moment, at: dt.datetime, by: str) -> Recorded:
    """Record the receiving state's reply to a request: one new revision of the entry, with
    the reply's moment and the status it gives (accepted or refused), audited."""
    current = existing(session, ref)
    if current.status is not Status.REQUESTED or current.replied_at is not None:
        raise Conflict(AWAITS_NO_REPLY, field="ref")
    if start_instant(replied_at) > at:
        raise InvalidInput.one("replied_at", REPLY_AHEAD)
    status = Status.ACCEPTED if accept else Status.REFUSED
    try:
        answered = replace(current, replied_at=replied_at, status=status)
    except DomainError as exc:
        raise InvalidInput.one("replied_at", exc.message) from None
    agreements = catalog.agreements_as_of(session)
    return Recorded(answered, ledger.record_entry(session, answered, agreements, at=at, by=by))


def existing(session: Session, ref: str) -> LedgerEntry:
    """The entry as now recorded (to edit it, or revise it by ref); NotFound when there is none."""
    latest = ledger.latest_revision(session, ref)
    if latest is None:
        raise not_found(ref)
    return latest.entry
