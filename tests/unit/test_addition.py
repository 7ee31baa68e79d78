"""evaluate_addition: what one more entry would change, from the groups it joins alone.

It must give exactly what evaluating the window with and without the entry and
comparing gives (the check's definition), for every agreement, rule kind and
finding code; and reading only the entries and declarations of its scope must
change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.addition import Addition, addition_scope, evaluate_addition
from app.domain.agreement import Agreement, RuleKind
from app.domain.engine import entry_window, evaluate
from app.domain.findings import Code
from app.domain.groups import group_keys
from app.domain.ledger import LedgerEntry, Status
from app.domain.limits import DeclarationKey
from app.domain.quota import QuotaRow
from tests.builders import make_entry, shipped, t

# Few states per agreement, so that groups fill up; years where force changed:
# the CFE suspensions and the Russian withdrawal (2023), the US and Russian
# withdrawals from Open Skies (2020, 2021), the end of the Belarus-Ukraine agreement.
CASES: dict[str, tuple[list[str], int]] = {
    "vd2011": (["BY", "DE", "FR", "PL", "RU"], 2025),
    # Czechia and Estonia have no quota in the treaty's table: theirs is declared.
    "open-skies": (["BY", "RU", "DE", "US", "NL", "CZ", "EE"], 2021),
    "cfe": (["BY", "PL", "DE", "RU", "HU"], 2023),
    "by-ua-2001": (["BY", "UA"], 2022),
}
DECLARED = ("units", "oov", "passive_quota")


def activities_of(agreement: Agreement) -> list[str]:
    return sorted({str(a) for rule in agreement.quota_rules for a in rule.counts})


def around(year: int) -> st.SearchStrategy[dt.date]:
    return st.dates(min_value=dt.date(year - 1, 12, 1), max_value=dt.date(year + 1, 1, 20))


@st.composite
def entry_in(
    draw: st.DrawFn,
    agreement: Agreement,
    states: list[str],
    days: st.SearchStrategy[dt.date],
    ref: str,
    receivers: st.SearchStrategy[str] | None = None,
) -> LedgerEntry:
    receiving = draw(st.sampled_from(states) if receivers is None else receivers)
    inspecting = draw(st.sampled_from([s for s in states if s != receiving]))
    day = draw(days)
    start = t(day.year, day.month, day.day, draw(st.integers(min_value=0, max_value=23)))
    activity = draw(st.sampled_from(activities_of(agreement)))
    return make_entry(
        ref,
        agreement=agreement.id,
        activity=activity,
        inspecting_state=inspecting,
        receiving_state=receiving,
        requested_at=start - dt.timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 40))),
        start=start,
        end=start + dt.timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 4))),
        status=draw(st.sampled_from(list(Status))),
        object=draw(st.sampled_from(["", "u1", "u2"])),
    )


@st.composite
def additions(draw: st.DrawFn) -> tuple[Agreement, list[LedgerEntry], dict[DeclarationKey, int], LedgerEntry]:
    agreement = shipped()[draw(st.sampled_from(sorted(CASES)))]
    states, year = CASES[agreement.id]
    proposed = draw(entry_in(agreement, states, around(year), draw(st.sampled_from(["ZZ-new", "P-00"]))))
    # Many ledgers crowd the days around the proposed entry, so that activities overlap.
    spread = draw(st.sampled_from([None, 0, 1, 3, 10]))
    days = (
        around(year)
        if spread is None
        else st.dates(
            min_value=proposed.start_day - dt.timedelta(days=spread),
            max_value=proposed.start_day + dt.timedelta(days=spread),
        )
    )
    count = draw(st.integers(min_value=0, max_value=24))
    # ... and on the same territory.
    receivers = st.sampled_from(states) if spread is None else st.sampled_from([proposed.receiving_state, *states])
    ledger = [draw(entry_in(agreement, states, days, f"P-{i:02d}", receivers)) for i in range(count)]
    owners = [*states, *(g.id for g in agreement.groups)]
    # Half the ledgers have every declaration, so that limits are known and reached.
    maybe = st.integers(min_value=0, max_value=30) | (st.none() if draw(st.booleans()) else st.nothing())
    declarations = {
        (owner, y, name): value
        for owner in owners
        for y in (year - 1, year, year + 1)
        for name in DECLARED
        if (value := draw(maybe)) is not None
    }
    return agreement, ledger, declarations, proposed


def window_of(agreement: Agreement, entry: LedgerEntry) -> tuple[dt.date, dt.date]:
    return entry_window(agreement, entry.start_day, entry.start_day)


def read(agreement: Agreement, ledger: list[LedgerEntry], entry: LedgerEntry) -> list[LedgerEntry]:
    """What the check reads: the window's entries, without the entry being revised."""
    first, last = window_of(agreement, entry)
    return [e for e in ledger if first <= e.start_day <= last and e.ref != entry.ref]


def by_comparison(
    agreement: Agreement, pool: list[LedgerEntry], declarations: dict[DeclarationKey, int], entry: LedgerEntry
) -> tuple[list[tuple[QuotaRow | None, QuotaRow]], list[Any]]:
    """The definition: evaluate the window without and with the entry; keep the rows of
    its groups and the findings that are new; and the declarations missing for the entry
    itself, which evaluating it alone names."""
    first, last = window_of(agreement, entry)
    before = evaluate(agreement, pool, declarations, start=first, end=last)
    after = evaluate(agreement, [*pool, entry], declarations, start=first, end=last)

    def key(row: QuotaRow) -> tuple[object, ...]:
        return (row.rule, row.receiving_state, row.inspecting_state, row.object, row.period_start)

    wanted = set()
    for rule in agreement.quota_rules:
        if entry.activity in rule.counts and rule.kind is not RuleKind.CONCURRENCY:
            for group in group_keys(agreement, rule, entry):
                wanted.add((rule.id, *group, rule.period.containing(entry.start_day).start))
    # A group with nothing counted in it has no "before" (and, after, no row at all).
    old = {key(r): r for r in before.rows if r.used + r.pending}
    rows = [(old.get(key(r)), r) for r in after.rows if key(r) in wanted and r.used + r.pending]
    known = {f.identity() for f in before.findings}
    new = [f for f in after.findings if f.identity() not in known and f.code is not Code.MISSING_DECLARATION]
    alone = evaluate(agreement, [entry], declarations, start=first, end=last).findings
    own = [f for f in alone if f.code is Code.MISSING_DECLARATION]
    return rows, sorted([*new, *own], key=lambda f: f.sort_key())


def addition(
    agreement: Agreement, pool: list[LedgerEntry], declarations: dict[DeclarationKey, int], entry: LedgerEntry
) -> Addition:
    first, last = window_of(agreement, entry)
    return evaluate_addition(agreement, pool, declarations, entry, start=first, end=last)


class TestAdditionProperties:
    @settings(max_examples=300, deadline=None)
    @given(additions())
    def test_it_is_the_comparison_of_two_whole_evaluations(
        self, case: tuple[Agreement, list[LedgerEntry], dict[DeclarationKey, int], LedgerEntry]
    ) -> None:
        agreement, ledger, declarations, entry = case
        pool = read(agreement, ledger, entry)
        rows, findings = by_comparison(agreement, pool, declarations, entry)
        got = addition(agreement, pool, declarations, entry)
        assert got.rows == rows
        assert got.findings == findings
        # Findings compare by identity; their numbers and limits must agree as well.
        assert [f.message for f in got.findings] == [f.message for f in findings]

    @settings(max_examples=200, deadline=None)
    @given(additions())
    def test_only_the_scope_and_its_declarations_are_needed(
        self, case: tuple[Agreement, list[LedgerEntry], dict[DeclarationKey, int], LedgerEntry]
    ) -> None:
        agreement, ledger, declarations, entry = case
        pool = read(agreement, ledger, entry)
        scope = addition_scope(agreement, entry)
        narrow = addition(
            agreement,
            [e for e in pool if scope.covers(e)],
            {k: v for k, v in declarations.items() if k[0] in scope.owners},
            entry,
        )
        whole = addition(agreement, pool, declarations, entry)
        assert narrow.rows == whole.rows
        assert [(f, f.message) for f in narrow.findings] == [(f, f.message) for f in whole.findings]


VD = shipped()["vd2011"]
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
DECLS = {("BY", 2025, "units"): 170}


def check(ledger: list[LedgerEntry], entry: LedgerEntry) -> Addition:
    return evaluate_addition(VD, ledger, DECLS, entry, start=YEAR[0], end=YEAR[1])


class TestAdditionExamples:
    def test_an_earlier_request_pushes_the_third_inspection_past_the_quota(self) -> None:
        ledger = [
            make_entry(f"I-{i}", inspecting_state=s, start=dt.date(2025, 3 + i, 1), status=Status.ACCEPTED)
            for i, s in enumerate(["DE", "FR", "PL"])
        ]
        got = check(
            ledger, make_entry("NEW", inspecting_state="LT", start=dt.date(2025, 2, 1), status=Status.REQUESTED)
        )
        passive = next(after for before, after in got.rows if after.rule == "inspection.passive")
        assert (passive.limit, passive.pending, passive.remaining) == (3, 4, -1)
        assert [(f.code, f.entry_ref) for f in got.findings] == [(Code.BEYOND_QUOTA, "I-2")]
        assert "number 4" in got.findings[0].message

    def test_a_visit_overlapping_a_later_one_is_flagged_on_the_later_one(self) -> None:
        later = make_entry(
            "EV-1", activity="evaluation_visit", inspecting_state="FR", start=t(2025, 6, 2, 9), end=t(2025, 6, 3, 17)
        )
        proposed = make_entry(
            "EV-NEW",
            activity="evaluation_visit",
            inspecting_state="DE",
            start=t(2025, 6, 2, 8),
            end=t(2025, 6, 2, 12),
            status=Status.REQUESTED,
        )
        got = check([later], proposed)
        assert [(f.code, f.entry_ref) for f in got.findings] == [(Code.CONCURRENT_ACTIVITY, "EV-1")]
        apart = make_entry(
            "EV-NEW", activity="evaluation_visit", inspecting_state="DE", start=t(2025, 6, 2, 7), end=t(2025, 6, 2, 8)
        )
        assert check([later], apart).findings == []

    def test_a_visit_starting_while_another_runs_is_flagged_itself(self) -> None:
        running = make_entry(
            "EV-1", activity="evaluation_visit", inspecting_state="FR", start=t(2025, 6, 1, 9), end=t(2025, 6, 2, 9)
        )
        proposed = make_entry(
            "EV-NEW", activity="evaluation_visit", inspecting_state="DE", start=t(2025, 6, 2, 8), end=t(2025, 6, 2, 20)
        )
        got = check([running], proposed)
        assert [(f.code, f.entry_ref) for f in got.findings] == [(Code.CONCURRENT_ACTIVITY, "EV-NEW")]
        assert "2 counted activities overlapped" in got.findings[0].message

    def test_a_refusal_inside_the_quota_is_a_violation_and_one_beyond_it_is_not(self) -> None:
        refused = make_entry("R-1", inspecting_state="DE", start=dt.date(2025, 9, 1), status=Status.REFUSED)
        assert [f.code for f in check([], refused).findings] == [Code.REFUSED_WITHIN_QUOTA]
        full = [
            make_entry(f"I-{i}", inspecting_state=s, start=dt.date(2025, 3 + i, 1))
            for i, s in enumerate(["FR", "PL", "LT"])
        ]
        assert check(full, refused).findings == []
        assert [after.used for _, after in check(full, refused).rows] == [3]

    def test_rows_before_are_empty_for_a_group_the_entry_opens(self) -> None:
        got = check([], make_entry("NEW", inspecting_state="DE", start=dt.date(2025, 5, 5)))
        assert {after.rule for before, after in got.rows} == {"inspection.passive", "inspection.per_inspecting_state"}
        assert all(before is None and after.used == 1 for before, after in got.rows)

    def test_an_entry_outside_the_window_is_refused(self) -> None:
        with pytest.raises(ValueError, match="starting in"):
            evaluate_addition(VD, [], DECLS, make_entry("X", start=dt.date(2026, 1, 2)), start=YEAR[0], end=YEAR[1])
