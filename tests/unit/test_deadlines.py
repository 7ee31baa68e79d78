"""Deadlines derived from the agreements' timing rules and dates, and their agreement with findings."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.agreement import Activity, Confidence
from app.domain.deadlines import (
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    agreement_deadlines,
    entry_deadlines,
    next_occurrence,
)
from app.domain.findings import Code
from app.domain.ledger import LedgerEntry, Status
from app.domain.rules import timing_findings
from tests.builders import make_entry, shipped, t

H = dt.timedelta(hours=1)
REQUESTED = t(2025, 5, 1, 9)


def requested_inspection(**overrides: object) -> LedgerEntry:
    values: dict[str, object] = {
        "requested_at": REQUESTED,
        "start": REQUESTED + 30 * H,
        "end": REQUESTED + 70 * H,
        "status": Status.REQUESTED,
    }
    return make_entry("VD-1", **(values | overrides))


def of_kind(entry: LedgerEntry, kind: DeadlineKind, at: dt.datetime, agreement: str = "vd2011") -> Deadline:
    found = [d for d in entry_deadlines(shipped()[agreement], entry, at=at) if d.kind is kind]
    assert len(found) == 1, found
    return found[0]


def codes(entry: LedgerEntry, agreement: str = "vd2011") -> set[Code]:
    return {f.code for f in timing_findings(shipped()[agreement], entry)}


class TestReply:
    def test_a_requested_inspection_must_be_answered_by_the_receiving_state_within_24_hours(self) -> None:
        reply = of_kind(requested_inspection(), DeadlineKind.REPLY, REQUESTED + 6 * H)
        assert reply.due_at == REQUESTED + 24 * H
        assert reply.responsible_state == "BY"
        assert reply.status is DeadlineStatus.OPEN
        assert reply.hours_left(REQUESTED + 6 * H) == 18
        assert reply.source.confidence is Confidence.BELIEVED

    def test_it_is_open_at_exactly_24_hours_and_missed_one_second_later(self) -> None:
        entry = requested_inspection()
        assert of_kind(entry, DeadlineKind.REPLY, REQUESTED + 24 * H).status is DeadlineStatus.OPEN
        late = REQUESTED + 24 * H + dt.timedelta(seconds=1)
        assert of_kind(entry, DeadlineKind.REPLY, late).status is DeadlineStatus.MISSED

    def test_a_reply_at_exactly_24_hours_is_met_and_one_minute_later_is_missed(self) -> None:
        on_time = requested_inspection(replied_at=REQUESTED + 24 * H, status=Status.ACCEPTED)
        assert of_kind(on_time, DeadlineKind.REPLY, REQUESTED + 99 * H).status is DeadlineStatus.MET
        assert Code.LATE_REPLY not in codes(on_time)
        late = requested_inspection(replied_at=REQUESTED + 24 * H + dt.timedelta(minutes=1), status=Status.ACCEPTED)
        missed = of_kind(late, DeadlineKind.REPLY, REQUESTED + 99 * H)
        assert missed.status is DeadlineStatus.MISSED
        assert Code.LATE_REPLY in codes(late)
        assert not missed.outstanding  # the reply came, late: the finding keeps the record

    def test_a_reply_still_awaited_after_its_moment_is_missed_and_outstanding(self) -> None:
        assert of_kind(requested_inspection(), DeadlineKind.REPLY, REQUESTED + 25 * H).outstanding

    def test_an_entry_past_requested_without_a_reply_time_was_answered(self) -> None:
        accepted = requested_inspection(status=Status.ACCEPTED)
        assert of_kind(accepted, DeadlineKind.REPLY, REQUESTED + 99 * H).status is DeadlineStatus.MET

    def test_a_date_only_request_has_no_reply_deadline(self) -> None:
        entry = make_entry(requested_at=dt.date(2025, 5, 1), start=dt.date(2025, 5, 5), status=Status.REQUESTED)
        found = entry_deadlines(shipped()["vd2011"], entry, at=REQUESTED)
        assert [d.kind for d in found] == []


class TestTheOtherKinds:
    def test_entry_into_the_territory_is_kept_for_reference_and_never_missed(self) -> None:
        entry = requested_inspection()
        assert of_kind(entry, DeadlineKind.ENTRY, REQUESTED).due_at == REQUESTED + 36 * H
        assert of_kind(entry, DeadlineKind.ENTRY, REQUESTED + 37 * H).status is DeadlineStatus.MET

    def test_the_latest_end_is_48_hours_after_the_start_and_an_end_one_second_past_is_missed(self) -> None:
        start = REQUESTED + 30 * H
        at_limit = requested_inspection(end=start + 48 * H)
        deadline = of_kind(at_limit, DeadlineKind.LATEST_END, REQUESTED)
        assert (deadline.due_at, deadline.responsible_state, deadline.status) == (
            start + 48 * H,
            "DE",
            DeadlineStatus.OPEN,
        )
        past = requested_inspection(end=start + 48 * H + dt.timedelta(seconds=1))
        assert of_kind(past, DeadlineKind.LATEST_END, REQUESTED).status is DeadlineStatus.MISSED
        assert Code.DURATION_EXCEEDED in codes(past)

    def test_an_evaluation_visit_may_start_120_hours_after_the_request_and_not_a_second_before(self) -> None:
        visit = {"activity": Activity.EVALUATION_VISIT, "end": REQUESTED + 130 * H}
        on_time = requested_inspection(start=REQUESTED + 120 * H, **visit)
        deadline = of_kind(on_time, DeadlineKind.EARLIEST_START, REQUESTED)
        assert (deadline.due_at, deadline.status) == (REQUESTED + 120 * H, DeadlineStatus.OPEN)
        early = requested_inspection(start=REQUESTED + 120 * H - dt.timedelta(seconds=1), **visit)
        assert of_kind(early, DeadlineKind.EARLIEST_START, REQUESTED).status is DeadlineStatus.MISSED
        assert Code.SHORT_NOTICE in codes(early)

    def test_the_open_skies_mission_report_is_due_7_days_after_the_flight_from_the_observing_party(self) -> None:
        flight = make_entry(
            "OS-1",
            agreement="open-skies",
            activity=Activity.OBSERVATION_FLIGHT,
            inspecting_state="BY",
            receiving_state="SE",
            requested_at=REQUESTED,
            start=REQUESTED + 80 * H,
            end=REQUESTED + 150 * H,
            status=Status.CONDUCTED,
        )
        report = of_kind(flight, DeadlineKind.REPORT, REQUESTED + 160 * H, "open-skies")
        assert (report.due_at, report.responsible_state, report.status) == (
            REQUESTED + 318 * H,
            "BY",
            DeadlineStatus.OPEN,
        )
        assert report.source.paragraph == "Article VI section I para 21"
        assert report.outstanding
        assert of_kind(flight, DeadlineKind.REPORT, REQUESTED + 319 * H, "open-skies").status is DeadlineStatus.MET

    def test_a_cancelled_activity_has_only_its_reply_deadline(self) -> None:
        cancelled = requested_inspection(status=Status.CANCELLED)
        kinds = [d.kind for d in entry_deadlines(shipped()["vd2011"], cancelled, at=REQUESTED)]
        assert kinds == [DeadlineKind.REPLY]


class TestAgreementDates:
    def test_the_vienna_document_exchange_falls_on_15_december_for_every_participating_state(self) -> None:
        found = agreement_deadlines(shipped()["vd2011"], at=t(2026, 12, 1))
        assert {d.due_at for d in found} == {dt.datetime(2026, 12, 15, tzinfo=dt.UTC)}
        assert len(found) == 57
        assert {d.ref for d in found} == {""}
        assert {d.subject for d in found} == {"annual_exchange"}

    def test_with_a_home_state_only_its_own_date_is_listed_through_its_day_then_next_years(self) -> None:
        vd = shipped()["vd2011"]
        late_on_the_day = agreement_deadlines(vd, at=t(2026, 12, 15, 23), home_state="BY")
        assert [(d.responsible_state, d.due_at.year) for d in late_on_the_day] == [("BY", 2026)]
        assert [d.due_at.year for d in agreement_deadlines(vd, at=t(2026, 12, 16, 0), home_state="BY")] == [2027]

    def test_the_cfe_treaty_year_starts_on_16_march_and_not_for_a_state_that_withdrew(self) -> None:
        found = agreement_deadlines(shipped()["cfe"], at=t(2026, 1, 10))
        assert {d.due_at for d in found} == {dt.datetime(2026, 3, 16, tzinfo=dt.UTC)}
        assert "RU" not in {d.responsible_state for d in found}
        assert "BY" in {d.responsible_state for d in found}

    def test_the_open_skies_distribution_has_its_source_and_confidence(self) -> None:
        [found] = agreement_deadlines(shipped()["open-skies"], at=t(2026, 6, 1), home_state="BY")
        assert found.due_at == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
        assert (found.source.paragraph, found.source.confidence) == (
            "Article III section I para 7",
            Confidence.BELIEVED,
        )


# Property: the reply deadline is missed exactly when a late_reply finding is (or, had the
# reply been recorded at ``at``, would be) raised. Minutes keep the boundary reachable.
minutes = st.integers(min_value=0, max_value=3 * 24 * 60)


@given(reply_after=st.one_of(st.none(), minutes), at_after=minutes)
def test_a_reply_deadline_is_missed_exactly_when_late_reply_is_raised(reply_after: int | None, at_after: int) -> None:
    at = REQUESTED + dt.timedelta(minutes=at_after)
    replied = None if reply_after is None else REQUESTED + dt.timedelta(minutes=reply_after)
    entry = requested_inspection(replied_at=replied, status=Status.REQUESTED if replied is None else Status.ACCEPTED)
    as_if_replied_now = entry if replied is not None else requested_inspection(replied_at=at, status=Status.ACCEPTED)
    missed = of_kind(entry, DeadlineKind.REPLY, at).status is DeadlineStatus.MISSED
    assert missed == (Code.LATE_REPLY in codes(as_if_replied_now))


@given(start_after=minutes, length=minutes, at_after=minutes)
def test_notice_and_duration_deadlines_are_missed_exactly_when_their_findings_are_raised(
    start_after: int, length: int, at_after: int
) -> None:
    start = REQUESTED + dt.timedelta(minutes=start_after)
    visit = requested_inspection(
        activity=Activity.EVALUATION_VISIT, start=start, end=start + dt.timedelta(minutes=length)
    )
    at = REQUESTED + dt.timedelta(minutes=at_after)
    found = codes(visit)
    notice = of_kind(visit, DeadlineKind.EARLIEST_START, at).status is DeadlineStatus.MISSED
    duration = of_kind(visit, DeadlineKind.LATEST_END, at).status is DeadlineStatus.MISSED
    assert (notice, duration) == (Code.SHORT_NOTICE in found, Code.DURATION_EXCEEDED in found)


@given(at_after=minutes)
def test_an_open_deadline_is_never_past_and_hours_left_is_the_distance_to_it(at_after: int) -> None:
    at = REQUESTED + dt.timedelta(minutes=at_after)
    for deadline in entry_deadlines(shipped()["vd2011"], requested_inspection(), at=at):
        assert deadline.hours_left(at) == pytest.approx((deadline.due_at - at).total_seconds() / 3600)
        if deadline.status is DeadlineStatus.OPEN:
            assert deadline.due_at >= at


@given(
    at=st.datetimes(min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2090, 12, 31), timezones=st.just(dt.UTC))
)
def test_an_agreement_date_falls_on_its_day_from_today_to_a_year_ahead(at: dt.datetime) -> None:
    for agreement in shipped().values():
        for item in agreement.dates:
            due = next_occurrence(item, at)
            assert (due.month, due.day) == (item.month, item.day)
            assert at.date() <= due.date() <= at.date() + dt.timedelta(days=366)
            assert (due.hour, due.minute, due.tzinfo) == (0, 0, dt.UTC)
