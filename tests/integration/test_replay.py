"""Replaying the ledger as of a time gives exactly what had been recorded by then."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from app.db import repositories as repo
from app.db.session import transaction
from app.domain.ledger import LedgerEntry, Status
from app.services.ledger import import_entries
from tests.builders import make_entry

_counter = itertools.count()
BASE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

# One step: which of three refs to touch, and the status and start day it gets.
steps = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(list(Status)), st.integers(1, 28)), min_size=1, max_size=8
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_as_of_each_moment_the_ledger_is_what_was_recorded_by_then(
    engine: Engine, history: list[tuple[int, Status, int]]
) -> None:
    prefix = f"H{next(_counter)}"
    expected_at: list[tuple[dt.datetime, dict[str, LedgerEntry]]] = []
    state: dict[str, LedgerEntry] = {}
    for minute, (which, status, day) in enumerate(history):
        entry = make_entry(f"{prefix}-{which}", status=status, start=dt.date(2025, 6, day))
        at = BASE + dt.timedelta(minutes=minute)
        with transaction(engine, write=True) as session:
            import_entries(session, [entry], at=at, by="replay")
        state[entry.ref] = entry
        expected_at.append((at, dict(state)))
    with transaction(engine) as session:
        for at, expected in expected_at:
            for probe in (at, at + dt.timedelta(seconds=30)):
                seen = repo.entries_between(session, start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30), as_of=probe)
                assert {e.ref: e for e in seen if e.ref.startswith(prefix + "-")} == expected
        before = repo.entries_between(
            session, start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30), as_of=BASE - dt.timedelta(seconds=1)
        )
        assert not [e for e in before if e.ref.startswith(prefix + "-")]
        revisions = repo.history(session, f"{prefix}-{history[0][0]}")
        assert [r.revision for r in revisions] == list(range(1, len(revisions) + 1))
