"""Which filled quotas call for a notice: our state's, of a rule that asks for one, once full."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from app.domain.agreement import Confidence, Source
from app.domain.notices import filled_quotas, is_filled
from app.domain.quota import QuotaRow
from tests.builders import shipped

VD = shipped()["vd2011"]


def row(
    rule: str = "evaluation_visit.passive",
    receiving: str = "BY",
    limit: int | None = 2,
    used: int = 0,
    pending: int = 0,
    force: str = "in_force",
) -> QuotaRow:
    return QuotaRow(
        agreement="vd2011",
        rule=rule,
        kind="passive",
        activity="evaluation_visit",
        receiving_state=receiving,
        inspecting_state=None,
        object=None,
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        limit=limit,
        used=used,
        pending=pending,
        force=force,
    )


def test_the_vienna_document_asks_for_a_notice_when_the_evaluation_visit_quota_is_filled() -> None:
    source = VD.rule("evaluation_visit.passive").notice_when_filled
    assert source == Source(
        document="Vienna Document (nuke.fas.org text)",
        paragraph="(107.1); believed (109.1) in VD 2011",
        confidence=Confidence.TEXT,
        note="A state whose evaluation-visit quota is filled informs all participating States.",
    )
    assert VD.rule("inspection.passive").notice_when_filled is None


def test_the_entry_that_takes_the_last_slot_fills_the_quota() -> None:
    assert filled_quotas(VD, [row(used=1)], "BY") == []
    (filled,) = filled_quotas(VD, [row(used=1, pending=1)], "BY")
    assert (filled.rule, filled.party, filled.limit, filled.period_start) == (
        "evaluation_visit.passive",
        "BY",
        2,
        dt.date(2025, 1, 1),
    )


def test_only_our_own_quota_of_a_rule_that_asks_for_it() -> None:
    assert filled_quotas(VD, [row(receiving="DE", used=2)], "BY") == []
    assert filled_quotas(VD, [row(rule="inspection.passive", used=3, limit=3)], "BY") == []


def test_a_suspended_or_empty_or_unknown_quota_is_never_filled() -> None:
    assert not is_filled(row(used=2, force="suspended"))
    assert not is_filled(row(limit=0))
    assert not is_filled(row(limit=None, used=5))


@given(limit=st.integers(0, 20), used=st.integers(0, 25), pending=st.integers(0, 25))
def test_filled_exactly_when_the_slots_used_and_reserved_reach_a_positive_limit(
    limit: int, used: int, pending: int
) -> None:
    found = filled_quotas(VD, [row(limit=limit, used=used, pending=pending)], "BY")
    assert bool(found) == (limit > 0 and used + pending >= limit)
    assert all(f.limit == limit for f in found)


@given(home=st.sampled_from(["BY", "DE", "RU"]), receiving=st.sampled_from(["BY", "DE", "RU"]))
def test_a_notice_is_only_ever_for_the_home_state(home: str, receiving: str) -> None:
    found = filled_quotas(VD, [row(used=2)._replace(receiving_state=receiving)], home)
    assert [f.party for f in found] == ([home] if home == receiving else [])
