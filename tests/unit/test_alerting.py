"""When a deadline's alert is due, who is told, in which language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.alerting import MISSED, WARNING, Recipient, deadline_key, deadline_stage, parse_recipients, role_of
from app.domain.errors import DomainError

DUE = dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class FakeDeadline:
    ref: str = "BY-INS-1"
    agreement: str = "vd2011"
    kind: str = "reply"
    due_at: dt.datetime = DUE
    responsible_state: str = "BY"
    status: str = "open"


def test_a_reply_warns_six_hours_before_by_default_then_is_missed() -> None:
    deadline = FakeDeadline()
    assert deadline_stage(deadline, DUE - dt.timedelta(hours=7), {}) is None
    assert deadline_stage(deadline, DUE - dt.timedelta(hours=6), {}) == WARNING
    assert deadline_stage(deadline, DUE, {}) == MISSED
    assert deadline_stage(FakeDeadline(status="missed"), DUE - dt.timedelta(hours=1), {}) == MISSED
    assert deadline_stage(FakeDeadline(status="met"), DUE + dt.timedelta(hours=1), {}) is None


def test_the_warning_window_is_configured_per_kind() -> None:
    report = FakeDeadline(kind="report")
    assert deadline_stage(report, DUE - dt.timedelta(hours=40), {"report": 48}) == WARNING
    assert deadline_stage(FakeDeadline(), DUE - dt.timedelta(hours=40), {"report": 48}) is None


@given(hours=st.integers(-100, 100), window=st.integers(0, 72))
def test_the_stage_only_moves_forward_as_time_passes(hours: int, window: int) -> None:
    at = DUE - dt.timedelta(hours=hours)
    stage = deadline_stage(FakeDeadline(), at, {"reply": window})
    expected = MISSED if hours <= 0 else (WARNING if hours <= window else None)
    assert stage == expected


def test_each_stage_has_its_own_key_per_entry_and_kind() -> None:
    keys = {
        deadline_key(FakeDeadline(ref=r, kind=k), s)
        for r in "AB"
        for k in ("reply", "report")
        for s in (WARNING, MISSED)
    }
    assert len(keys) == 8


def test_recipients_carry_their_language_and_bad_ones_are_named() -> None:
    assert parse_recipients(" duty@centre.by/ru, chief@centre.by ,", field="F") == [
        Recipient("duty@centre.by", "ru"),
        Recipient("chief@centre.by", "en"),
    ]
    with pytest.raises(DomainError, match="F: 'duty' is not a mail address"):
        parse_recipients("duty", field="F")
    with pytest.raises(DomainError, match="'de' is not a language"):
        parse_recipients("duty@centre.by/de", field="F")


def test_history_breaks_go_to_admins_everything_else_to_officers() -> None:
    assert (role_of("chain_break"), role_of("deadline"), role_of("quota_filled")) == ("admin", "officer", "officer")
