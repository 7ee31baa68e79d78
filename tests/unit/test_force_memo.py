"""The force memo gives what the force functions give, for any sides and days. One memo
serves every example of an agreement, and each example asks about every pair of sides on
the same days, so rows that share a memo key meet: they must truly stand alike (the CFE
Treaty's suspensions toward named states are the case to get wrong)."""

from __future__ import annotations

import datetime as dt
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain import force_memo
from app.domain.force import change_days, obligation_changed, obligation_standing
from app.domain.force_memo import ForceMemo
from tests.builders import shipped

AGREEMENTS = shipped()
# The states named in suspensions, others around them, and one that is no party.
STATES = ["BY", "PL", "CZ", "DE", "FR", "RU", "US", "ZZ"]
SIDES = [frozenset({s}) for s in STATES] + [frozenset(two) for two in combinations(["BY", "PL", "RU", "DE"], 2)]
MEMOS = {agreement_id: ForceMemo(agreement) for agreement_id, agreement in AGREEMENTS.items()}


@st.composite
def days(draw: st.DrawFn) -> tuple[str, dt.date, dt.date]:
    agreement = AGREEMENTS[draw(st.sampled_from(["cfe", "open-skies", "vd2011", "by-pl-2004"]))]
    # Near a change of force is where two rows that read alike could stand otherwise.
    start = draw(st.sampled_from(sorted(change_days(agreement, *STATES)))) + dt.timedelta(
        days=draw(st.integers(min_value=-40, max_value=40))
    )
    return agreement.id, start, start + dt.timedelta(days=draw(st.sampled_from([0, 1, 60, 400])))


@settings(max_examples=120, deadline=None)
@given(days())
def test_every_memoised_row_stands_as_the_definition_says(case: tuple[str, dt.date, dt.date]) -> None:
    agreement_id, start, day = case
    agreement, memo = AGREEMENTS[agreement_id], MEMOS[agreement_id]
    for one in SIDES:
        for other in [None, *SIDES]:
            want = (
                obligation_standing(agreement, one, other, day),
                obligation_changed(agreement, one, other, start, day),
            )
            assert memo.of_row(one, other, start, day) == want, (sorted(one), other and sorted(other))


@settings(max_examples=60, deadline=None)
@given(days())
def test_sides_of_one_class_facing_a_plain_side_stand_alike(case: tuple[str, dt.date, dt.date]) -> None:
    """What lets a year's pair rows be looked up by their sides' classes (app/domain/counted.py)."""
    agreement_id, start, day = case
    agreement, memo = AGREEMENTS[agreement_id], MEMOS[agreement_id]
    classes = {side: memo.side_class(side) for side in SIDES}
    for one, alike in combinations([side for side in SIDES if classes[side] is not None], 2):
        if classes[one] != classes[alike]:
            continue
        for other in [None, *(side for side in SIDES if classes[side] is not None)]:
            if other is not None and not (other.isdisjoint(one) and other.isdisjoint(alike)):
                continue
            want = (
                obligation_standing(agreement, one, other, day),
                obligation_changed(agreement, one, other, start, day),
            )
            assert (
                obligation_standing(agreement, alike, other, day),
                obligation_changed(agreement, alike, other, start, day),
            ) == want


def test_an_agreements_evaluations_share_one_memo_until_it_grows_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    agreement = shipped()["open-skies"]
    memo = ForceMemo.shared(agreement)
    assert ForceMemo.shared(agreement) is memo
    assert ForceMemo.shared(shipped()["cfe"]) is not memo
    day = dt.date(2025, 12, 31)
    memo.of_row(frozenset({"PL"}), frozenset({"DE"}), dt.date(2025, 1, 1), day)
    memo.of_row(frozenset({"PL"}), None, dt.date(2025, 1, 1), day)
    monkeypatch.setattr(force_memo, "MAX_ROWS", 1)
    renewed = ForceMemo.shared(agreement)
    assert renewed is not memo
    assert ForceMemo.shared(agreement) is renewed
