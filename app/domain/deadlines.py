"""Deadlines: what falls due, derived from the agreements' timing rules and dates.

docs/semantics.md section 8. A deadline is met, open or missed, and its status agrees
with the findings: it is missed exactly when the matching finding is (or, for a reply
not yet recorded, would be) raised, so each limit itself is met and one unit past it
is missed. Like the findings, a deadline needs the time of day of the moments it is
computed from; a date-only entry has none rather than a guessed one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from app.domain.agreement import Agreement, AgreementDate, DateParties, Source, TimingKind, TimingRule
from app.domain.ledger import LedgerEntry, Status
from app.domain.moments import format_moment, has_time, start_instant

_NOT_CARRIED_OUT = (Status.CANCELLED, Status.FORCE_MAJEURE, Status.PROHIBITED)


class DeadlineKind(StrEnum):
    REPLY = "reply"
    EARLIEST_START = "earliest_start"
    ENTRY = "entry"
    LATEST_END = "latest_end"
    REPORT = "report"
    # An agreement-level date of every year (the annual exchange of information).
    ANNUAL = "annual"


class DeadlineStatus(StrEnum):
    MET = "met"
    OPEN = "open"
    MISSED = "missed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Deadline:
    """One deadline. ``ref`` is the entry's, empty for an agreement-level date, whose id
    is then the ``subject``. ``due_at`` is a UTC datetime."""

    ref: str
    agreement: str
    kind: DeadlineKind
    due_at: datetime
    responsible_state: str
    status: DeadlineStatus
    source: Source
    subject: str = ""
    # Nothing is left to do: met, or missed and done late (a late reply that came; the
    # finding then keeps the record). A settled deadline is no longer due.
    settled: bool = False

    def hours_left(self, at: datetime) -> float:
        """Hours from ``at`` to the due moment; negative once it has passed."""
        return (self.due_at - at).total_seconds() / 3600

    @property
    def outstanding(self) -> bool:
        """Open, or missed with the act still awaited: what ``csbm due`` lists."""
        return self.status is not DeadlineStatus.MET and not self.settled

    def identity(self) -> tuple[str, str, str, str, str]:
        """Stable across revisions of the entry: what an alert or a calendar UID keys on."""
        return (self.agreement, self.ref, str(self.kind), self.subject, self.responsible_state)

    def sort_key(self) -> tuple[datetime, str, str, str, str]:
        return (self.due_at, self.agreement, self.ref, str(self.kind), self.responsible_state)

    def as_json(self, at: datetime) -> dict[str, object]:
        """The documented shape of ``csbm due --json`` and ``GET /api/v1/due``; times in UTC."""
        source = self.source
        return {
            "ref": self.ref,
            "agreement": self.agreement,
            "kind": str(self.kind),
            "due_at": format_moment(self.due_at),
            "responsible_state": self.responsible_state,
            "status": str(self.status),
            "hours_left": round(self.hours_left(at), 2),
            "source": {
                "document": source.document,
                "paragraph": source.paragraph,
                "confidence": str(source.confidence),
                "note": source.note,
            },
        }


_Derive = Callable[[TimingRule, LedgerEntry, datetime], "Deadline | None"]


def entry_deadlines(agreement: Agreement, entry: LedgerEntry, *, at: datetime) -> list[Deadline]:
    """The deadlines the agreement's timing rules give the entry, as they stand at ``at``."""
    found = []
    for rule in agreement.timing(entry.activity):
        derive = _DERIVE.get(rule.kind)
        deadline = derive(rule, entry, at) if derive else None
        if deadline is not None:
            found.append(deadline)
    return sorted(found, key=Deadline.sort_key)


def _deadline(
    rule: TimingRule,
    entry: LedgerEntry,
    kind: DeadlineKind,
    due: datetime,
    who: str,
    status: DeadlineStatus,
    *,
    settled: bool | None = None,
) -> Deadline:
    """``settled`` defaults to: met, or the activity is no longer ahead."""
    if settled is None:
        settled = status is DeadlineStatus.MET or not entry.status.is_pending
    return Deadline(
        ref=entry.ref,
        agreement=entry.agreement,
        kind=kind,
        due_at=due,
        responsible_state=who,
        status=status,
        source=rule.source,
        settled=settled,
    )


def _waiting(entry: LedgerEntry, due: datetime, at: datetime) -> DeadlineStatus:
    """Not missed: open while the activity is still ahead and the moment not yet passed."""
    return DeadlineStatus.OPEN if entry.status.is_pending and at <= due else DeadlineStatus.MET


def _reply(rule: TimingRule, entry: LedgerEntry, at: datetime) -> Deadline | None:
    """Due ``value`` hours after the request, from the receiving state. A reply at exactly
    the limit is met (late_reply is raised only beyond it). An entry that went past
    ``requested`` with no reply time recorded was answered, or needs no answer."""
    requested, replied = entry.requested_at, entry.replied_at
    if not has_time(requested):
        return None
    due = start_instant(requested) + timedelta(hours=rule.value)
    if replied is not None:
        late = has_time(replied) and start_instant(replied) > due
        status = DeadlineStatus.MISSED if late else DeadlineStatus.MET
    elif entry.status is Status.REQUESTED:
        status = DeadlineStatus.MISSED if at > due else DeadlineStatus.OPEN
    else:
        status = DeadlineStatus.MET
    awaited = replied is None and entry.status is Status.REQUESTED
    return _deadline(rule, entry, DeadlineKind.REPLY, due, entry.receiving_state, status, settled=not awaited)


def _earliest_start(rule: TimingRule, entry: LedgerEntry, at: datetime) -> Deadline | None:
    """The notice period: the activity may start from ``value`` hours after the request;
    a recorded start before that is short_notice, and missed, by the inspecting state."""
    if entry.status in _NOT_CARRIED_OUT or not (has_time(entry.requested_at) and has_time(entry.start)):
        return None
    due = start_instant(entry.requested_at) + timedelta(hours=rule.value)
    status = DeadlineStatus.MISSED if start_instant(entry.start) < due else _waiting(entry, due, at)
    return _deadline(rule, entry, DeadlineKind.EARLIEST_START, due, entry.inspecting_state, status)


def _entry(rule: TimingRule, entry: LedgerEntry, at: datetime) -> Deadline | None:
    """Entry into the territory within ``value`` hours of the request: kept for reference,
    so, like the findings, never judged missed."""
    if entry.status in _NOT_CARRIED_OUT or not has_time(entry.requested_at):
        return None
    due = start_instant(entry.requested_at) + timedelta(hours=rule.value)
    return _deadline(rule, entry, DeadlineKind.ENTRY, due, entry.receiving_state, _waiting(entry, due, at))


def _latest_end(rule: TimingRule, entry: LedgerEntry, at: datetime) -> Deadline | None:
    """The maximum duration, for all the mission's objects; a recorded end after it is
    duration_exceeded, and missed, by the inspecting state."""
    if entry.status in _NOT_CARRIED_OUT or not (has_time(entry.start) and has_time(entry.end)):
        return None
    due = start_instant(entry.start) + timedelta(hours=rule.limit_for(len(entry.objects)))
    status = DeadlineStatus.MISSED if start_instant(entry.end) > due else _waiting(entry, due, at)
    return _deadline(rule, entry, DeadlineKind.LATEST_END, due, entry.inspecting_state, status)


def _report(rule: TimingRule, entry: LedgerEntry, at: datetime) -> Deadline | None:
    """The inspecting (observing) state's report ``value`` hours after the activity ends.
    The ledger records no report, so it is open until the moment passes, never missed;
    a date-only end counts from the start of its day, which errs early."""
    if entry.status in _NOT_CARRIED_OUT or entry.status.is_refusal:
        return None
    due = start_instant(entry.end) + timedelta(hours=rule.value)
    status = DeadlineStatus.OPEN if at <= due else DeadlineStatus.MET
    settled = status is DeadlineStatus.MET
    return _deadline(rule, entry, DeadlineKind.REPORT, due, entry.inspecting_state, status, settled=settled)


_DERIVE: dict[TimingKind, _Derive] = {
    TimingKind.REPLY_WITHIN_HOURS: _reply,
    TimingKind.MIN_NOTICE_HOURS: _earliest_start,
    TimingKind.ENTRY_WITHIN_HOURS: _entry,
    TimingKind.MAX_DURATION_HOURS: _latest_end,
    TimingKind.REPORT_WITHIN_HOURS: _report,
}


def agreement_deadlines(agreement: Agreement, *, at: datetime, home_state: str | None = None) -> list[Deadline]:
    """The next occurrence of each of the agreement's dates: one per party in force on it,
    or, with a home state, the home state's own (if it is a party then).

    A date is listed through the whole of its (UTC) day and is open: csbm records
    nothing that would meet it, so it is never missed either."""
    found = [
        Deadline(
            ref="",
            agreement=agreement.id,
            kind=DeadlineKind.ANNUAL,
            due_at=due,
            responsible_state=state,
            status=DeadlineStatus.OPEN,
            source=item.source,
            subject=item.id,
        )
        for item in agreement.dates
        for due in (next_occurrence(item, at),)
        for state in _parties_on(agreement, item, due.date(), home_state)
    ]
    return sorted(found, key=Deadline.sort_key)


def next_occurrence(item: AgreementDate, at: datetime) -> datetime:
    """Midnight UTC of the first day on or after ``at``'s day that is the date."""
    today = at.astimezone(UTC).date()
    for year in (today.year, today.year + 1, today.year + 2):
        day = _valid_day(year, item.month, item.day)
        if day >= today:
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
    raise AssertionError("a month and day recur within two years")  # pragma: no cover


def _valid_day(year: int, month: int, day: int) -> date:
    """29 February falls on 28 February in a common year."""
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, month, day - 1)


def _parties_on(agreement: Agreement, item: AgreementDate, day: date, home: str | None) -> Iterator[str]:
    if agreement.terminated_on is not None and day >= agreement.terminated_on:
        return
    in_force = sorted(s for s, timeline in agreement.parties.items() if timeline.is_party(day))
    if home is not None:
        yield from (s for s in in_force if s == home)
    elif item.parties is DateParties.EACH_PARTY:
        yield from in_force
