"""Every limit pinned: exactly at it is compliant, one unit past it is a finding.

One test per timing rule of every shipped agreement, and per quota kind, so that turning a
`>` into `>=` (or `<` into `<=`) anywhere in the engine fails a fast test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, ClassVar

import pytest

from app.domain.addition import evaluate_addition
from app.domain.agreement import (
    Agreement,
    GroupMember,
    Limit,
    LimitKind,
    LimitRef,
    QuotaRule,
    TeamScope,
    TimingKind,
    TimingRule,
)
from app.domain.engine import Evaluation, evaluate
from app.domain.errors import DomainError
from app.domain.findings import Code
from app.domain.formula import parse_formula
from app.domain.ledger import Guest, LedgerEntry, Status
from app.domain.limits import MAX_REF_DEPTH, LimitResolver
from app.domain.rules import entry_findings
from tests.builders import make_entry, shipped, t

# For each agreement, a receiving and an inspecting party and a year in which it binds them.
SIDES: dict[str, tuple[str, str, int]] = {
    "vd2011": ("BY", "DE", 2025),
    "by-lt-2001": ("BY", "LT", 2025),
    "by-lv-2004": ("BY", "LV", 2025),
    "by-pl-2004": ("BY", "PL", 2025),
    "by-ua-2001": ("BY", "UA", 2020),
    "cfe": ("HU", "DE", 2023),
    "open-skies": ("PL", "DE", 2019),
}
TIMING_CODE = {
    TimingKind.REPLY_WITHIN_HOURS: Code.LATE_REPLY,
    TimingKind.MIN_NOTICE_HOURS: Code.SHORT_NOTICE,
    TimingKind.MAX_DURATION_HOURS: Code.DURATION_EXCEEDED,
    TimingKind.MAX_TEAM_SIZE: Code.TEAM_SIZE_EXCEEDED,
}
HOUR = dt.timedelta(hours=1)
DECLS = {("HU", 2023, "oov"): 20, ("BY", 2025, "units"): 170}


def timing_cases() -> list[tuple[str, TimingRule]]:
    return [
        (agreement.id, rule)
        for agreement in shipped().values()
        for rule in agreement.timing_rules
        if rule.kind in TIMING_CODE
    ]


def timed_entry(agreement: str, rule: TimingRule, amount: int, objects: int = 1) -> LedgerEntry:
    """An entry that meets every timing rule but ``rule``, which it takes to ``amount``
    (hours, or team members)."""
    receiving, inspecting, year = SIDES[agreement]
    start = t(year, 6, 10, 8)
    values: dict[str, Any] = {"requested_at": start - dt.timedelta(days=10), "start": start, "end": start + HOUR}
    if rule.kind is TimingKind.REPLY_WITHIN_HOURS:
        values["replied_at"] = values["requested_at"] + amount * HOUR
    elif rule.kind is TimingKind.MIN_NOTICE_HOURS:
        values["requested_at"] = start - amount * HOUR
    elif rule.kind is TimingKind.MAX_DURATION_HOURS:
        values["end"] = start + amount * HOUR
    else:
        values["team_size"] = amount
    return make_entry(
        "B-1",
        agreement=agreement,
        activity=rule.activity,
        inspecting_state=inspecting,
        receiving_state=receiving,
        object="; ".join(f"object-{n}" for n in range(1, objects + 1)),
        **values,
    )


def timing_codes(agreement: Agreement, entry: LedgerEntry) -> set[Code]:
    """The entry's own findings, as the engine takes them (quota rows would only slow this down)."""
    return {f.code for f in entry_findings(agreement, entry) if f.code in TIMING_CODE.values()}


@pytest.mark.parametrize(("agreement", "rule"), timing_cases(), ids=lambda v: getattr(v, "id", None) or str(v))
class TestTimingRuleLimits:
    def past(self, rule: TimingRule) -> int:
        return rule.value - 1 if rule.kind is TimingKind.MIN_NOTICE_HOURS else rule.value + 1

    def test_exactly_the_limit_is_compliant(self, agreement: str, rule: TimingRule) -> None:
        assert timing_codes(shipped()[agreement], timed_entry(agreement, rule, rule.value)) == set()

    def test_one_unit_past_the_limit_is_a_finding(self, agreement: str, rule: TimingRule) -> None:
        entry = timed_entry(agreement, rule, self.past(rule))
        assert timing_codes(shipped()[agreement], entry) == {TIMING_CODE[rule.kind]}


def cfe_duration() -> TimingRule:
    [rule] = [
        r
        for r in shipped()["cfe"].timing_rules
        if r.kind is TimingKind.MAX_DURATION_HOURS and r.activity == "declared_site_inspection"
    ]
    return rule


class TestMissionDuration:
    """CFE section II paras 17-19: 48 h, 36 h more for each further object, at most 10 days."""

    @pytest.mark.parametrize(("objects", "limit"), [(1, 48), (2, 84), (3, 120), (6, 228), (7, 240), (9, 240)])
    def test_a_mission_may_last_its_limit_and_not_an_hour_more(self, objects: int, limit: int) -> None:
        rule, cfe = cfe_duration(), shipped()["cfe"]
        assert rule.limit_for(objects) == limit
        assert timing_codes(cfe, timed_entry("cfe", rule, limit, objects)) == set()
        assert timing_codes(cfe, timed_entry("cfe", rule, limit + 1, objects)) == {Code.DURATION_EXCEEDED}


def with_team_scope(agreement: Agreement, scope: TeamScope) -> Agreement:
    rules = tuple(
        dataclasses.replace(r, team=scope) if r.kind is TimingKind.MAX_TEAM_SIZE else r for r in agreement.timing_rules
    )
    return dataclasses.replace(agreement, timing_rules=rules)


def team(size: int, guests: int) -> LedgerEntry:
    return make_entry(
        "TEAM", start=dt.date(2025, 6, 2), team_size=size, guests=(Guest("FR", guests),) if guests else ()
    )


class TestTeamCounting:
    """Vienna Document inspection teams of at most 4: who counts is the agreement's data."""

    def test_the_whole_team_counts_guests(self) -> None:
        vd = with_team_scope(shipped()["vd2011"], TeamScope.WHOLE_TEAM)
        assert timing_codes(vd, team(4, 1)) == set()
        assert timing_codes(vd, team(5, 1)) == {Code.TEAM_SIZE_EXCEEDED}

    def test_lead_inspectors_leave_guests_out(self) -> None:
        vd = with_team_scope(shipped()["vd2011"], TeamScope.LEAD_INSPECTORS)
        assert timing_codes(vd, team(5, 1)) == set()  # 4 of the lead state
        assert timing_codes(vd, team(6, 1)) == {Code.TEAM_SIZE_EXCEEDED}
        assert timing_codes(vd, team(4, 0)) == set()
        assert timing_codes(vd, team(5, 0)) == {Code.TEAM_SIZE_EXCEEDED}


# ---- quotas --------------------------------------------------------------------


def run(agreement: str, entries: list[LedgerEntry], year: int, decls: dict[Any, int] | None = None) -> Evaluation:
    span = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return evaluate(shipped()[agreement], entries, DECLS if decls is None else decls, start=span[0], end=span[1])


def flagged(ev: Evaluation, code: Code) -> list[str | None]:
    return [f.entry_ref for f in ev.findings if f.code is code]


def series(n: int, **values: Any) -> list[LedgerEntry]:
    """``n`` entries on separate days from 1 February, each a value from any lists given."""
    entries = []
    for i in range(n):
        chosen = {k: v[i] if isinstance(v, list) else v for k, v in values.items()}
        day = dt.date(chosen.pop("year", 2025), 2, 1) + dt.timedelta(days=3 * i)
        entries.append(make_entry(f"Q-{i:02d}", start=day, end=day, **chosen))
    return entries


LimitCase = tuple[str, int, int, dict[str, Any], Code]
LIMIT_CASES: dict[str, LimitCase] = {
    # kind: (agreement, year, limit, the entries' values, the code one past the limit gets)
    "passive": ("vd2011", 2025, 3, {"inspecting_state": ["DE", "FR", "PL", "LT"]}, Code.BEYOND_QUOTA),
    "per_inspecting_state": ("vd2011", 2025, 1, {}, Code.BEYOND_COUNTERPARTY_CAP),
    "pair": (
        "by-lt-2001",
        2025,
        1,
        {"agreement": "by-lt-2001", "activity": "evaluation_visit", "inspecting_state": "LT"},
        Code.BEYOND_QUOTA,
    ),
    "per_object": (
        "vd2011",
        2025,
        2,
        {"activity": "evaluation_visit", "object": "unit-1", "inspecting_state": ["DE", "FR", "GB"]},
        Code.BEYOND_OBJECT_CAP,
    ),
    "per_object_per_inspecting_state": (
        "vd2011",
        2025,
        1,
        {"activity": "evaluation_visit", "object": "unit-1"},
        Code.BEYOND_OBJECT_CAP,
    ),
    "active": (
        "open-skies",
        2025,
        2,  # Portugal's passive quota, so its active quota
        {
            "agreement": "open-skies",
            "activity": "observation_flight",
            "inspecting_state": "PT",
            "receiving_state": ["DE", "FR", "IT"],
        },
        Code.ACTIVE_QUOTA_EXCEEDED,
    ),
}


@pytest.mark.parametrize("kind", sorted(LIMIT_CASES))
class TestQuotaLimits:
    def entries(self, kind: str, n: int) -> tuple[Evaluation, Code]:
        agreement, year, _, values, code = LIMIT_CASES[kind]
        return run(agreement, series(n, **values), year), code

    def test_exactly_the_limit_is_compliant(self, kind: str) -> None:
        ev, code = self.entries(kind, LIMIT_CASES[kind][2])
        assert flagged(ev, code) == []

    def test_one_past_the_limit_is_a_finding_on_that_entry(self, kind: str) -> None:
        limit = LIMIT_CASES[kind][2]
        ev, code = self.entries(kind, limit + 1)
        assert set(flagged(ev, code)) == {f"Q-{limit:02d}"}


def cfe_mission(ref: str, inspecting: str, month: int, objects: int, first: int = 1) -> LedgerEntry:
    day = dt.date(2023, month, 1)
    names = "; ".join(f"oov-{n}" for n in range(first, first + objects))
    return make_entry(
        ref,
        agreement="cfe",
        activity="declared_site_inspection",
        inspecting_state=inspecting,
        receiving_state="HU",
        start=day,
        end=day,
        object=names,
    )


class TestMissionCounting:
    """With 40 objects of verification Hungary must accept 6 declared-site inspections, at most
    3 from one state; a mission counts once per object it inspects (PoI section II para 13)."""

    DECLS: ClassVar[dict[Any, int]] = {("HU", 2023, "oov"): 40}

    def test_missions_fill_the_quota_object_by_object(self) -> None:
        full = [cfe_mission("M-1", "DE", 4, 3), cfe_mission("M-2", "FR", 5, 3, first=4)]
        ev = run("cfe", full, 2023, self.DECLS)
        assert flagged(ev, Code.BEYOND_QUOTA) == []
        ev = run("cfe", [*full, cfe_mission("M-3", "GB", 6, 1, first=7)], 2023, self.DECLS)
        assert flagged(ev, Code.BEYOND_QUOTA) == ["M-3"]

    def test_a_mission_past_the_cap_per_inspecting_state_is_beyond_it(self) -> None:
        assert (
            flagged(run("cfe", [cfe_mission("M-1", "DE", 4, 3)], 2023, self.DECLS), Code.BEYOND_COUNTERPARTY_CAP) == []
        )
        ev = run("cfe", [cfe_mission("M-1", "DE", 4, 4)], 2023, self.DECLS)
        assert flagged(ev, Code.BEYOND_COUNTERPARTY_CAP) == ["M-1"]

    def test_a_mission_to_two_units_counts_against_each_units_cap(self) -> None:
        first = make_entry("U-1", activity="evaluation_visit", object="u1; u2", start=dt.date(2025, 3, 1))
        second = make_entry(
            "U-2", activity="evaluation_visit", object="u2", inspecting_state="FR", start=dt.date(2025, 4, 1)
        )
        third = make_entry(
            "U-3", activity="evaluation_visit", object="u2", inspecting_state="GB", start=dt.date(2025, 5, 1)
        )
        assert flagged(run("vd2011", [first, second], 2025), Code.BEYOND_OBJECT_CAP) == []
        assert flagged(run("vd2011", [first, second, third], 2025), Code.BEYOND_OBJECT_CAP) == ["U-3"]


def visit(ref: str, inspecting: str, start: dt.datetime, hours: int, **values: Any) -> LedgerEntry:
    return make_entry(
        ref,
        activity="evaluation_visit",
        inspecting_state=inspecting,
        object=ref,
        start=start,
        end=start + hours * HOUR,
        **values,
    )


class TestConcurrency:
    def test_a_visit_starting_as_another_ends_does_not_overlap_it(self) -> None:
        first = visit("C-1", "DE", t(2025, 4, 1, 8), 4)
        assert (
            flagged(run("vd2011", [first, visit("C-2", "FR", t(2025, 4, 1, 12), 2)], 2025), Code.CONCURRENT_ACTIVITY)
            == []
        )
        ev = run("vd2011", [first, visit("C-2", "FR", t(2025, 4, 1, 11), 2)], 2025)
        assert flagged(ev, Code.CONCURRENT_ACTIVITY) == ["C-2"]

    def test_cfe_allows_exactly_two_teams_at_once(self) -> None:
        two = [cfe_mission(f"S-{i}", s, 6, 1, first=i) for i, s in enumerate(["DE", "FR"])]
        assert flagged(run("cfe", two, 2023), Code.CONCURRENT_ACTIVITY) == []
        three = [*two, cfe_mission("S-2", "GB", 6, 1, first=2)]
        assert flagged(run("cfe", three, 2023), Code.CONCURRENT_ACTIVITY) == ["S-2"]


def flights(observers: list[str], receivers: list[str], year: int) -> list[LedgerEntry]:
    return series(
        len(observers),
        agreement="open-skies",
        activity="observation_flight",
        inspecting_state=observers,
        receiving_state=receivers,
        year=year,
    )


class TestOpenSkiesSharedQuotas:
    def test_the_belarus_russia_group_accepts_42_flights_between_its_members(self) -> None:
        observers = ["US"] * 21 + ["GB"] * 6 + ["DE"] * 6 + ["FR"] * 6 + ["IT"] * 4
        receivers = ["BY", "RU"] * 22
        assert flagged(run("open-skies", flights(observers[:42], receivers[:42], 2019), 2019), Code.BEYOND_QUOTA) == []
        ev = run("open-skies", flights(observers, receivers[:43], 2019), 2019)
        assert flagged(ev, Code.BEYOND_QUOTA) == ["Q-42"]

    def test_belarus_and_russia_together_fly_at_most_three_times_over_poland(self) -> None:
        group = ["BY", "RU", "BY", "RU"]
        assert (
            flagged(run("open-skies", flights(group[:3], ["PL"] * 3, 2019), 2019), Code.BEYOND_COUNTERPARTY_CAP) == []
        )
        ev = run("open-skies", flights(group, ["PL"] * 4, 2019), 2019)
        assert flagged(ev, Code.BEYOND_COUNTERPARTY_CAP) == ["Q-03"]


class TestRefusalBoundaries:
    def test_refusing_the_last_slot_of_the_quota_is_a_violation(self) -> None:
        entries = series(
            3, inspecting_state=["DE", "FR", "PL"], status=[Status.CONDUCTED, Status.CONDUCTED, Status.REFUSED]
        )
        assert flagged(run("vd2011", entries, 2025), Code.REFUSED_WITHIN_QUOTA) == ["Q-02"]

    def test_refusing_a_visit_that_would_only_touch_another_is_a_violation(self) -> None:
        first = visit("C-1", "DE", t(2025, 4, 1, 8), 4)
        touching = visit("C-2", "FR", t(2025, 4, 1, 12), 2, status=Status.REFUSED)
        assert flagged(run("vd2011", [first, touching], 2025), Code.REFUSED_WITHIN_QUOTA) == ["C-2"]
        overlapping = visit("C-2", "FR", t(2025, 4, 1, 11), 2, status=Status.REFUSED)
        assert flagged(run("vd2011", [first, overlapping], 2025), Code.REFUSED_WITHIN_QUOTA) == []


class TestWindows:
    """Four inspections of Belarus on 1, 4, 7 and 10 February 2025; the fourth is beyond the quota."""

    ENTRIES = series(4, inspecting_state=["DE", "FR", "PL", "LT"])
    LAST = dt.date(2025, 2, 10)

    def evaluate(self, start: dt.date, end: dt.date, **kw: Any) -> Evaluation:
        return evaluate(shipped()["vd2011"], self.ENTRIES, DECLS, start=start, end=end, **kw)

    def test_an_entry_starting_on_the_count_until_day_is_counted(self) -> None:
        year = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
        for until, used in [(self.LAST, 4), (self.LAST - dt.timedelta(days=1), 3)]:
            [row] = [
                r
                for r in self.evaluate(*year, count_until=until).rows
                if r.rule == "inspection.passive" and r.receiving_state == "BY"
            ]
            assert row.used == used

    def test_findings_are_about_entries_starting_on_the_window_s_first_and_last_days(self) -> None:
        day = dt.timedelta(days=1)
        assert flagged(self.evaluate(self.LAST, self.LAST), Code.BEYOND_QUOTA) == ["Q-03"]
        assert flagged(self.evaluate(self.LAST + day, self.LAST + day), Code.BEYOND_QUOTA) == []
        assert flagged(self.evaluate(self.LAST - day, self.LAST - day), Code.BEYOND_QUOTA) == []

    def test_a_missing_declaration_is_reported_for_an_entry_on_the_window_s_edge(self) -> None:
        entry = make_entry("RS-1", activity="evaluation_visit", receiving_state="RS", start=self.LAST)
        for start, end, expected in [
            (self.LAST, self.LAST, 1),
            (self.LAST + dt.timedelta(days=1), dt.date(2025, 12, 31), 0),
        ]:
            ev = evaluate(shipped()["vd2011"], [entry], {}, start=start, end=end)
            assert len(flagged(ev, Code.MISSING_DECLARATION)) == expected
        ev = evaluate(shipped()["vd2011"], [entry], {}, start=dt.date(2025, 1, 1), end=self.LAST - dt.timedelta(days=1))
        assert flagged(ev, Code.MISSING_DECLARATION) == []

    def test_an_addition_on_the_window_s_edge_is_checked_and_one_outside_is_refused(self) -> None:
        vd, [*earlier, last] = shipped()["vd2011"], self.ENTRIES
        found = evaluate_addition(vd, earlier, DECLS, last, start=self.LAST, end=self.LAST).findings
        assert [(f.code, f.entry_ref) for f in found] == [(Code.BEYOND_QUOTA, "Q-03")]
        assert evaluate_addition(vd, earlier, DECLS, last, start=dt.date(2025, 1, 1), end=self.LAST).findings == found
        with pytest.raises(ValueError, match="not an entry"):
            evaluate_addition(
                vd, earlier, DECLS, last, start=self.LAST + dt.timedelta(days=1), end=dt.date(2025, 12, 31)
            )
        with pytest.raises(ValueError, match="not an entry"):
            evaluate_addition(vd, earlier, DECLS, last, start=dt.date(2025, 1, 1), end=self.LAST - dt.timedelta(days=1))


def share_chain(length: int) -> tuple[Agreement, QuotaRule]:
    """An agreement whose rule r<n> is the limit of r<n-1>, down to r0 = 2; the last rule."""
    vd = shipped()["vd2011"]
    base = vd.rule("inspection.passive")
    rules = [dataclasses.replace(base, id="r0", limit=Limit(kind=LimitKind.CONSTANT, value=2))]
    for n in range(1, length):
        share = Limit(kind=LimitKind.SHARE, formula=parse_formula("q"), refs=(LimitRef(name="q", rule=f"r{n - 1}"),))
        rules.append(dataclasses.replace(base, id=f"r{n}", limit=share))
    return dataclasses.replace(vd, quota_rules=tuple(rules)), rules[-1]


class TestShareDepth:
    def test_a_limit_may_refer_through_eight_others_and_not_nine(self) -> None:
        agreement, last = share_chain(MAX_REF_DEPTH + 1)
        assert LimitResolver(agreement, {}).resolve(last, "BY", None, 2025).value == 2
        agreement, last = share_chain(MAX_REF_DEPTH + 2)
        with pytest.raises(DomainError, match="cycle"):
            LimitResolver(agreement, {}).resolve(last, "BY", None, 2025)


class TestGroupFormedOnThePeriodsLastDay:
    def test_a_group_formed_on_the_last_day_of_a_period_binds_in_it(self) -> None:
        """Germany and France form a quota-sharing group on 31 December: a flight over Germany that
        day counts against the group, whose obligation stands (both members are parties)."""
        last = dt.date(2025, 12, 31)
        members = tuple(GroupMember(state=s, start=last) for s in ("DE", "FR"))
        os = shipped()["open-skies"]
        group = dataclasses.replace(os.groups[0], id="DE+FR", members=members)
        agreement = dataclasses.replace(os, groups=(group,))
        flight = make_entry(
            "G-1",
            agreement="open-skies",
            activity="observation_flight",
            inspecting_state="GB",
            receiving_state="DE",
            start=last,
            end=last,
        )
        ev = evaluate(agreement, [flight], {("DE+FR", 2025, "passive_quota"): 4}, start=last, end=last)
        [row] = [r for r in ev.rows if r.rule == "flight.passive" and r.receiving_state == "DE+FR"]
        assert (row.used, row.force, row.remaining) == (1, "in_force", 3)
