"""The fast engine gives what the engine gave before it was made fast (tests/reference_engine.py):
the same rows and the same findings, message for message."""

from __future__ import annotations

import datetime as dt
from functools import partial

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.agreement import Agreement
from app.domain.engine import Evaluation, entry_window, evaluate, evaluate_rows
from app.domain.ledger import LedgerEntry
from app.domain.limits import DeclarationKey
from app.services.evaluation import entry_concerns, finding_concerns, key_concerns, row_concerns
from bench import generate
from tests.builders import counted, shipped
from tests.reference_engine import reference_evaluate
from tests.unit.test_addition import CASES, additions

Case = tuple[Agreement, list[LedgerEntry], dict[DeclarationKey, int], LedgerEntry]


def assert_same(got: Evaluation, want: Evaluation) -> None:
    assert got.rows == want.rows
    assert got.findings == want.findings
    assert [(f.code, f.entry_ref, f.message) for f in got.findings] == [
        (f.code, f.entry_ref, f.message) for f in want.findings
    ]


def both(agreement: Agreement, ledger: list[LedgerEntry], decls: dict[DeclarationKey, int], **kw: object) -> None:
    first, last = entry_window(agreement, kw["start"], kw["end"])  # type: ignore[arg-type]
    pool = [e for e in ledger if first <= e.start_day <= last]
    want = reference_evaluate(agreement, pool, decls, **kw)  # type: ignore[arg-type]
    assert_same(evaluate(agreement, pool, decls, **kw), want)  # type: ignore[arg-type]
    # A findings list builds its findings alone; a quota status its rows alone, and for one
    # state only that state's rows.
    alone = evaluate(agreement, pool, decls, with_rows=False, **kw)  # type: ignore[arg-type]
    assert (alone.rows, alone.findings) == ([], want.findings)
    assert evaluate_rows(agreement, pool, decls, **kw) == want.rows  # type: ignore[arg-type]
    # A quota status counts entries read for counting alone (app/db/quota_reads.py).
    assert evaluate_rows(agreement, [counted(e) for e in pool], decls, **kw) == want.rows  # type: ignore[arg-type]
    # Refs are unique in a ledger (a generated proposal may reuse one: it stands for a revision).
    by_ref = {e.ref: e for e in pool}
    unique = list(by_ref.values())
    whole = evaluate(agreement, unique, decls, **kw)  # type: ignore[arg-type]
    for state in sorted({e.receiving_state for e in pool} | {"BY"})[:3]:
        concerns = partial(key_concerns, agreement, state)
        got = evaluate_rows(agreement, pool, decls, wanted=concerns, **kw)  # type: ignore[arg-type]
        assert got == [r for r in want.rows if row_concerns(agreement, r, state)]
        read = [counted(e) for e in pool]
        assert evaluate_rows(agreement, read, decls, wanted=concerns, **kw) == got  # type: ignore[arg-type]
        # Findings built only about the state's entries: what a state's findings list keeps.
        about = evaluate(agreement, unique, decls, with_rows=False, about=partial(entry_concerns, state), **kw)  # type: ignore[arg-type]
        keep = partial(finding_concerns, state, entries=by_ref)
        assert [f for f in about.findings if keep(f)] == [f for f in whole.findings if keep(f)]
        assert all(f.entry_ref is None or entry_concerns(state, by_ref[f.entry_ref]) for f in about.findings)


class TestTheFastPathIsTheDefinition:
    @settings(max_examples=300, deadline=None)
    @given(additions(), st.sampled_from(["year", "quarter", "day"]), st.booleans(), st.booleans())
    def test_a_generated_ledger_gives_the_same_rows_and_findings(
        self, case: Case, span: str, until: bool, replay: bool
    ) -> None:
        agreement, ledger, decls, entry = case
        year = CASES[agreement.id][1]
        start, end = {
            "year": (dt.date(year, 1, 1), dt.date(year, 12, 31)),
            "quarter": (dt.date(year, 4, 1), dt.date(year, 6, 30)),
            "day": (entry.start_day, entry.start_day),
        }[span]
        both(
            agreement,
            [*ledger, entry],
            decls,
            start=start,
            end=end,
            count_until=end - dt.timedelta(days=40) if until else None,
            as_of=dt.date(year, 7, 1) if replay else None,
        )

    def test_a_year_of_the_benchmark_ledger_gives_the_same_rows_and_findings(self) -> None:
        # Every agreement, all its parties and groups, 3,000 entries: the shape the bench times.
        ledger = list(generate.entries(2, 1_500, seed=3))
        decls = {(d.state, d.year, d.name): d.value for d in generate.declarations(2, seed=3)}
        for agreement in shipped().values():
            mine = [e for e in ledger if e.agreement == agreement.id]
            both(agreement, mine, decls, start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
