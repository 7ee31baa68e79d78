"""Matching two statements by content, and the statement's canonical bytes."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.proposal import ledger_add_command, proposal, proposed_ref
from app.domain.reconcile import Item, Kind, compare_quotas, match_entries
from app.domain.statement import EntryRecord, canonical_bytes, statement_entry
from tests.builders import make_entry

STATES = ("BY", "LT")


def record(ref: str, start: dt.date, **overrides: Any) -> EntryRecord:
    values: dict[str, Any] = {
        "agreement": "vd2011",
        "activity": "evaluation_visit",
        "inspecting_state": "BY",
        "receiving_state": "LT",
        "requested_at": dt.date(2018, 12, 1),
        "start": start,
        "end": start,
        "team_size": 2,
    }
    values.update(overrides)
    return statement_entry(make_entry(ref, **values))


entries = st.lists(
    st.builds(
        lambda n, day, agreement, activity, forward, team, obj: record(
            f"E-{n}",
            dt.date(2019, 1, 1) + dt.timedelta(days=day),
            agreement=agreement,
            activity=activity,
            inspecting_state=STATES[0] if forward else STATES[1],
            receiving_state=STATES[1] if forward else STATES[0],
            team_size=team,
            object=obj,
        ),
        st.integers(0, 10_000),
        st.integers(0, 364),
        st.sampled_from(["vd2011", "by-lt-2001"]),
        st.sampled_from(["evaluation_visit", "inspection"]),
        st.booleans(),
        st.integers(1, 4),
        st.sampled_from(["", "", "unit A", "unit B"]),
    ),
    max_size=12,
    unique_by=lambda e: str(e["ref"]),
)


def renumbered(side: list[EntryRecord], prefix: str) -> list[EntryRecord]:
    """The same entries as the other side numbers them."""
    return [{**e, "ref": f"{prefix}-{i}"} for i, e in enumerate(side)]


def as_set(items: list[Item]) -> list[str]:
    return sorted(json.dumps(i.as_json(), sort_keys=True, default=str) for i in items)


def swapped(item: Item) -> Item:
    kind = {Kind.ONLY_OURS: Kind.ONLY_THEIRS, Kind.ONLY_THEIRS: Kind.ONLY_OURS}.get(item.kind, item.kind)
    return Item(kind, item.theirs, item.ours, item.fields)


class TestMatchingProperties:
    @given(entries)
    def test_a_statement_reconciled_against_itself_is_all_agreed(self, side: list[EntryRecord]) -> None:
        items = match_entries(side, renumbered(list(reversed(side)), "THEIRS"))
        assert {i.kind for i in items} <= {Kind.AGREED}
        assert len(items) == len(side)

    @given(entries, entries)
    def test_swapping_the_sides_swaps_only_ours_and_only_theirs(
        self, ours: list[EntryRecord], theirs: list[EntryRecord]
    ) -> None:
        theirs = renumbered(theirs, "T")
        forward = match_entries(ours, theirs)
        backward = match_entries(theirs, ours)
        assert as_set([swapped(i) for i in backward]) == as_set(forward)

    @given(entries, st.integers(0, len(range(12))), st.integers(2, 30), st.booleans())
    def test_shifting_an_entry_beyond_the_tolerance_splits_an_agreed_pair(
        self, side: list[EntryRecord], pick: int, days: int, later: bool
    ) -> None:
        if not side:
            return
        index = pick % len(side)
        target = side[index]
        shift = dt.timedelta(days=days if later else -days)
        moved_start = dt.date.fromisoformat(str(target["start"])) + shift
        # Only a lonely entry: another of the same kind near it could pair with either.
        if any(
            e is not target
            and (e["agreement"], e["activity"], e["inspecting_state"])
            == (target["agreement"], target["activity"], target["inspecting_state"])
            and abs((dt.date.fromisoformat(str(e["start"])) - moved_start).days) <= 1 + days
            for e in side
        ):
            return
        theirs = renumbered(side, "T")
        theirs[index] = {**theirs[index], "start": moved_start.isoformat(), "end": moved_start.isoformat()}
        items = match_entries(side, theirs, tolerance_days=1)
        kinds = sorted(i.kind for i in items)
        assert kinds.count(Kind.AGREED) == len(side) - 1
        assert kinds.count(Kind.ONLY_OURS) == kinds.count(Kind.ONLY_THEIRS) == 1

    @given(st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=8))
    def test_canonical_bytes_do_not_depend_on_the_order_of_keys(self, data: dict[str, Any]) -> None:
        backwards = dict(reversed(list(data.items())))
        assert canonical_bytes({"a": data, "b": [backwards]}) == canonical_bytes({"b": [data], "a": backwards})


class TestMatchingExamples:
    def test_a_different_team_size_is_a_difference_naming_the_field(self) -> None:
        [item] = match_entries([record("A", dt.date(2019, 5, 1))], [record("B", dt.date(2019, 5, 1), team_size=3)])
        assert (item.kind, item.fields) == (Kind.DIFFERS, ("team_size",))

    def test_a_start_one_day_off_pairs_within_the_default_tolerance(self) -> None:
        [item] = match_entries([record("A", dt.date(2019, 5, 1))], [record("B", dt.date(2019, 5, 2))])
        assert (item.kind, item.fields) == (Kind.DIFFERS, ("start", "end"))

    def test_the_closest_date_pairs_first_then_the_most_equal_fields(self) -> None:
        ours = [record("A", dt.date(2019, 5, 1)), record("B", dt.date(2019, 5, 2), team_size=3)]
        theirs = [record("X", dt.date(2019, 5, 2), team_size=3), record("Y", dt.date(2019, 5, 1))]
        pairs = {(i.ours["ref"], i.theirs["ref"]) for i in match_entries(ours, theirs) if i.ours and i.theirs}
        assert pairs == {("A", "Y"), ("B", "X")}

    def test_different_objects_never_pair_but_a_missing_one_does(self) -> None:
        one = match_entries(
            [record("A", dt.date(2019, 5, 1), object="unit A")], [record("B", dt.date(2019, 5, 1), object="unit B")]
        )
        assert sorted(i.kind for i in one) == [Kind.ONLY_OURS, Kind.ONLY_THEIRS]
        [item] = match_entries([record("A", dt.date(2019, 5, 1), object="unit A")], [record("B", dt.date(2019, 5, 1))])
        assert (item.kind, item.fields) == (Kind.DIFFERS, ("object",))

    def test_the_direction_is_part_of_the_match(self) -> None:
        items = match_entries(
            [record("A", dt.date(2019, 5, 1))],
            [record("B", dt.date(2019, 5, 1), inspecting_state="LT", receiving_state="BY")],
        )
        assert sorted(i.kind for i in items) == [Kind.ONLY_OURS, Kind.ONLY_THEIRS]

    def test_a_negative_tolerance_is_refused(self) -> None:
        with pytest.raises(ValueError, match="tolerance"):
            match_entries([], [], tolerance_days=-1)


class TestQuotaRowsSideBySide:
    def test_rows_are_paired_by_rule_parties_and_period_and_a_missing_row_counts_nothing(self) -> None:
        row = {
            "agreement": "by-lt-2001",
            "rule": "evaluation_visit.pair",
            "receiving_state": "LT",
            "inspecting_state": "BY",
            "object": None,
            "period_start": "2019-01-01",
            "period_end": "2019-12-31",
            "used": 1,
            "pending": 0,
        }
        pairs = compare_quotas(
            [row], [{**row, "used": 2}, {**row, "receiving_state": "BY", "inspecting_state": "LT", "used": 0}]
        )
        assert [p.agrees for p in pairs] == [True, False]  # BY's row (0 against nothing), then LT's (1 against 2)


class TestProposals:
    def test_agreed_as_theirs_takes_their_values_for_the_differing_fields_only(self) -> None:
        [item] = match_entries(
            [record("OURS-1", dt.date(2019, 5, 1), notes="ours")],
            [record("THEIRS-9", dt.date(2019, 5, 1), team_size=3, notes="theirs")],
        )
        proposed = proposal(item, partner="BY", reconciliation=4)
        assert proposed is not None
        assert (proposed["ref"], proposed["team_size"], proposed["notes"]) == ("OURS-1", "3", "ours")
        assert "--team-size 3" in ledger_add_command(proposed)

    def test_an_entry_only_they_recorded_becomes_a_new_entry_under_a_marked_reference(self) -> None:
        theirs = {**record("19/7", dt.date(2019, 5, 1)), "ref": "19/7 x"}  # a partner's reference may be anything
        proposed = proposal(Item(Kind.ONLY_THEIRS, None, theirs), partner="BY", reconciliation=1)
        assert proposed is not None
        assert proposed["ref"] == proposed_ref("BY", "19/7 x") == "BY-19/7-x"

    def test_an_entry_only_we_recorded_is_proposed_cancelled(self) -> None:
        proposed = proposal(
            Item(Kind.ONLY_OURS, record("A", dt.date(2019, 5, 1)), None), partner="BY", reconciliation=2
        )
        assert proposed is not None
        assert proposed["status"] == "cancelled"
        assert "reconciliation 2" in proposed["notes"]
