"""What real records need, as properties: guests count nowhere, a mission of n objects counts
like n single-object missions where a rule counts per object, and a suspended obligation is
never reported as remaining."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.agreement import Agreement, CountUnit, TeamScope, TimingKind
from app.domain.engine import evaluate
from app.domain.ledger import Guest, LedgerEntry, Status
from app.domain.quota import QuotaRow
from tests.builders import make_entry, shipped, t

# Few states, so that groups fill; years in which force changed (the CFE suspensions and
# Russia's withdrawal, the US and Russian withdrawals from Open Skies, the end of the
# Belarus-Ukraine agreement).
CASES: dict[str, tuple[list[str], int]] = {
    "vd2011": (["BY", "DE", "FR", "PL"], 2025),
    "cfe": (["BY", "PL", "CZ", "DE", "RU", "US"], 2023),
    "open-skies": (["BY", "RU", "US", "DE"], 2021),
    "by-ua-2001": (["BY", "UA"], 2022),
}
GUEST_STATES = ["BY", "DE", "FR", "PL", "US", "IT", "NO", "CA", "RU", "UA"]
DECLARATIONS = {
    (owner, year, name): value
    for owner in ["BY", "DE", "FR", "PL", "CZ", "RU", "US", "UA"]
    for year in range(2021, 2027)
    for name, value in (("units", 130), ("oov", 30))
}


@st.composite
def entries(draw: st.DrawFn, agreement: Agreement, states: list[str], year: int, count: int) -> list[LedgerEntry]:
    activities = sorted({str(a) for rule in agreement.quota_rules for a in rule.counts})
    found = []
    for i in range(draw(st.integers(min_value=0, max_value=count))):
        receiving = draw(st.sampled_from(states))
        inspecting = draw(st.sampled_from([s for s in states if s != receiving]))
        day = draw(st.dates(min_value=dt.date(year - 1, 12, 1), max_value=dt.date(year + 1, 1, 31)))
        start = t(day.year, day.month, day.day, draw(st.integers(min_value=0, max_value=23)))
        objects = draw(st.lists(st.sampled_from(["u1", "u2", "u3", "u4"]), unique=True, max_size=3))
        found.append(
            make_entry(
                f"P-{i:02d}",
                agreement=agreement.id,
                activity=draw(st.sampled_from(activities)),
                inspecting_state=inspecting,
                receiving_state=receiving,
                requested_at=start - dt.timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 20))),
                start=start,
                end=start + dt.timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 3))),
                status=draw(st.sampled_from([Status.REQUESTED, Status.ACCEPTED, Status.CONDUCTED, Status.REFUSED])),
                object="; ".join(objects),
                team_size=draw(st.none() | st.integers(min_value=1, max_value=12)),
            )
        )
    return found


@st.composite
def ledgers(draw: st.DrawFn, count: int = 12) -> tuple[Agreement, int, list[LedgerEntry]]:
    agreement = shipped()[draw(st.sampled_from(sorted(CASES)))]
    states, year = CASES[agreement.id]
    return agreement, year, draw(entries(agreement, states, year, count))


def with_guests(data: st.DataObject, entry: LedgerEntry) -> LedgerEntry:
    """The entry with some guest inspectors, leaving the lead state at least one of its own."""
    others = [s for s in GUEST_STATES if s not in (entry.inspecting_state, entry.receiving_state)]
    chosen = data.draw(st.lists(st.sampled_from(others), unique=True, max_size=3))
    guests = tuple(Guest(s, data.draw(st.integers(min_value=1, max_value=2))) for s in chosen)
    total = sum(g.count for g in guests)
    team = entry.team_size if entry.team_size is None or entry.team_size > total else total + 1
    return dataclasses.replace(entry, guests=guests, team_size=team)


def year_of(agreement: Agreement, entries: list[LedgerEntry], year: int, **kw: Any) -> list[QuotaRow]:
    return evaluate(agreement, entries, DECLARATIONS, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31), **kw).rows


def lead_only(agreement: Agreement) -> Agreement:
    rules = tuple(
        dataclasses.replace(r, team=TeamScope.LEAD_INSPECTORS) if r.kind is TimingKind.MAX_TEAM_SIZE else r
        for r in agreement.timing_rules
    )
    return dataclasses.replace(agreement, timing_rules=rules)


class TestGuestsCountNowhere:
    @settings(max_examples=25, deadline=None)
    @given(st.data())
    def test_guests_never_change_any_quota_row(self, data: st.DataObject) -> None:
        agreement, year, plain = data.draw(ledgers())
        guested = [with_guests(data, e) for e in plain]
        for reading in (agreement, lead_only(agreement)):
            assert year_of(reading, guested, year) == year_of(reading, plain, year)


def split(entry: LedgerEntry) -> list[LedgerEntry]:
    """The entry as one single-object mission per object it inspects."""
    if len(entry.objects) < 2:
        return [entry]
    return [dataclasses.replace(entry, ref=f"{entry.ref}.{n}", object=o) for n, o in enumerate(entry.objects)]


def per_object_rows(agreement: Agreement, rows: list[QuotaRow]) -> dict[tuple[Any, ...], tuple[int | None, int, int]]:
    """The rows of every rule that counts each object apart: per object counted, or a per-object cap."""
    rules = {r.id for r in agreement.quota_rules if r.counts_per is CountUnit.OBJECT or r.per_object}
    return {
        (r.rule, r.receiving_state, r.inspecting_state, r.object, r.period_start): (r.limit, r.used, r.pending)
        for r in rows
        if r.rule in rules
    }


class TestMissions:
    @settings(max_examples=25, deadline=None)
    @given(ledgers())
    def test_a_mission_of_n_objects_counts_like_n_single_object_missions(
        self, ledger: tuple[Agreement, int, list[LedgerEntry]]
    ) -> None:
        agreement, year, missions = ledger
        singles = [part for e in missions for part in split(e)]
        assert per_object_rows(agreement, year_of(agreement, missions, year)) == per_object_rows(
            agreement, year_of(agreement, singles, year)
        )

    @settings(max_examples=25, deadline=None)
    @given(ledgers())
    def test_a_cfe_mission_counts_once_per_object_against_the_declared_site_quota(
        self, ledger: tuple[Agreement, int, list[LedgerEntry]]
    ) -> None:
        agreement, year, missions = ledger
        counted = {(e.receiving_state, e.ref): max(1, len(e.objects)) for e in missions}
        for row in year_of(agreement, missions, year):
            if agreement.id == "cfe" and row.rule == "declared_site.passive":
                members = [
                    e
                    for e in missions
                    if e.receiving_state == row.receiving_state
                    and row.period_start <= e.start_day <= row.period_end
                    and e.status is not Status.REFUSED
                ]
                assert row.used + row.pending == sum(counted[(e.receiving_state, e.ref)] for e in members)


def bound(agreement: Agreement, one: str, other: str, day: dt.date) -> bool:
    """Whether the agreement binds the two states on the day, read straight from the file's data."""
    if day < agreement.in_force_from or (agreement.terminated_on is not None and day >= agreement.terminated_on):
        return False
    for state, toward in ((one, other), (other, one)):
        timeline = agreement.parties.get(state)
        if timeline is None or not timeline.is_party(day):
            return False
        if any(s.covers(day, toward) for s in timeline.suspensions):
            return False
    return True


class TestSuspendedObligations:
    @settings(max_examples=40, deadline=None)
    @given(ledgers(count=6), st.dates(min_value=dt.date(2021, 1, 1), max_value=dt.date(2026, 12, 31)))
    def test_a_suspended_obligation_is_never_reported_as_remaining(
        self, ledger: tuple[Agreement, int, list[LedgerEntry]], as_of: dt.date
    ) -> None:
        agreement, year, found = ledger
        groups = {g.id for g in agreement.groups if g.shares_quota}
        for row in year_of(agreement, found, year, as_of=as_of):
            if not row.binds:
                assert row.remaining is None
                assert "left" not in row.describe_remaining()
                assert "beyond" not in row.describe_remaining()
            one, other = row.receiving_state, row.inspecting_state
            if one is not None and other is not None and not groups & {one, other}:
                day = row.period_end if as_of > row.period_end else max(as_of, row.period_start)
                assert row.binds == bound(agreement, one, other, day), (row, day)
