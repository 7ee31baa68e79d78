"""What the evaluations of one agreement share: its force and, for the same declarations,
its limits. Both read the agreement (and the declarations) alone, so sharing them must
never change an answer, least of all after a declaration is revised."""

from __future__ import annotations

import datetime as dt

from app.domain.engine import evaluate_rows
from app.domain.limits import LimitResolver, _Resolvers
from tests.builders import shipped

YEAR = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
KEPT = _Resolvers.KEPT


def test_a_resolver_is_shared_for_the_same_declarations_and_made_anew_for_others() -> None:
    agreement = shipped()["vd2011"]
    first = LimitResolver.shared(agreement, {("PL", 2025, "units"): 120})
    assert LimitResolver.shared(agreement, {("PL", 2025, "units"): 120}) is first
    revised = LimitResolver.shared(agreement, {("PL", 2025, "units"): 121})
    assert revised is not first
    assert LimitResolver.shared(shipped()["cfe"], {("PL", 2025, "units"): 121}) is not revised


def test_resolvers_for_alternating_declaration_sets_are_both_kept() -> None:
    # A quota status and a findings list read the declarations of different years.
    agreement = shipped()["by-pl-2004"]
    status, findings = {("PL", 2024, "units"): 120, ("PL", 2025, "units"): 120}, {("PL", 2025, "units"): 120}
    first = LimitResolver.shared(agreement, status), LimitResolver.shared(agreement, findings)
    for _ in range(3):
        assert (LimitResolver.shared(agreement, status), LimitResolver.shared(agreement, findings)) == first


def test_only_the_last_sets_used_are_kept() -> None:
    agreement = shipped()["by-lt-2001"]
    sets = [{("LT", 2025, "units"): units} for units in range(KEPT + 1)]
    made = [LimitResolver.shared(agreement, figures) for figures in sets]
    assert LimitResolver.shared(agreement, sets[-1]) is made[-1]
    assert LimitResolver.shared(agreement, sets[1]) is made[1]
    assert LimitResolver.shared(agreement, sets[0]) is not made[0]  # the oldest went


def test_a_revised_declaration_gives_the_limit_it_makes_though_the_last_status_was_shared() -> None:
    agreement = shipped()["vd2011"]

    def poland(units: int) -> set[tuple[str, int | None]]:
        rows = evaluate_rows(agreement, [], {("PL", 2025, "units"): units}, start=YEAR[0], end=YEAR[1])
        return {(r.rule, r.limit) for r in rows if r.receiving_state == "PL" and r.inspecting_state is None}

    assert ("evaluation_visit.passive", 2) in poland(120)
    assert ("evaluation_visit.passive", 3) in poland(121)
    assert ("evaluation_visit.passive", 2) in poland(120)
