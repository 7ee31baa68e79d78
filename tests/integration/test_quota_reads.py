"""The quota reads written as SQL (app/db/quota_reads.py) give what the general queries give,
through SQLAlchemy on both databases and through sqlite3 alone; the quota rows built from
them (app/services/quota_rows.py) are the whole evaluation's (app/services/evaluation.py)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from app.catalog import cache
from app.catalog.loader import parse_agreement
from app.db import repositories as repo
from app.db.plain import plain_session, sqlite_file
from app.db.quota_reads import agreement_documents, counted_in_windows, declarations_in, entries_in_windows
from app.db.session import make_engine, transaction
from app.domain.engine import entry_window
from app.services import catalog, evaluation, quota_rows
from tests.builders import counted
from tests.integration.cli_helpers import csbm

BEFORE = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)  # before anything was recorded
# A replay between the demo and the changes made after it, in another zone than UTC.
BETWEEN = "between"


@pytest.fixture
def demo(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, dt.datetime]:
    """The demo, then a new entry, a revised one and a revised declaration; and a moment between."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    csbm(database_url, "demo")
    between = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=3)))
    time.sleep(0.01)
    entry = ["--agreement", "vd2011", "--activity", "inspection", "--receiving-state", "BY", "--team-size", "4"]
    for ref, start in (("T-1", "2025-06-02"), ("T-1", "2025-06-09")):
        dates = ["--requested-at", "2025-05-01", "--start", start, "--end", start[:-1] + "9", "--status", "conducted"]
        csbm(database_url, "ledger", "add", "--ref", ref, "--inspecting-state", "DE", *entry, *dates)
    csbm(database_url, "declare", "BY", "2025", "units", "123", "--source", "test")
    return database_url, between


def _moment(which: str | None, between: dt.datetime) -> dt.datetime | None:
    return {None: None, "before": BEFORE, BETWEEN: between}[which]


@pytest.mark.parametrize("which", [None, "before", BETWEEN])
def test_the_reads_are_the_general_queries(demo: tuple[str, dt.datetime], which: str | None) -> None:
    url, between = demo
    as_of = _moment(which, between)
    engine = make_engine(url)
    with transaction(engine) as session:
        agreements = catalog.agreements_as_of(session, as_of)
        windows = {a.id: entry_window(a, dt.date(2025, 1, 1), dt.date(2025, 12, 31)) for a in agreements.values()}
        assert [(d.agreement_id, d.sha256) for d in agreement_documents(session, as_of)] == [
            (v.agreement_id, v.sha256) for v in repo.agreement_versions(session, as_of)
        ]
        assert declarations_in(session, range(2018, 2027), as_of) == repo.declarations(
            session, years=range(2018, 2027), as_of=as_of
        )
        found = entries_in_windows(session, windows, as_of)
        read = counted_in_windows(session, windows, as_of)
        for agreement, (first, last) in windows.items():
            expected = repo.entries_between(session, start=first, end=last, agreement=agreement, as_of=as_of)
            assert sorted(found[agreement], key=lambda e: e.ref) == sorted(expected, key=lambda e: e.ref)
            # What counting reads is the same entries' counted fields.
            assert sorted(read[agreement], key=repr) == sorted(map(counted, expected), key=repr)
    engine.dispose()


@pytest.mark.parametrize(
    ("year", "state", "agreement"), [(2025, None, None), (2025, "BY", None), (2019, "LT", "by-lt-2001")]
)
def test_the_quota_rows_are_the_evaluations_on_either_driver(
    demo: tuple[str, dt.datetime], year: int, state: str | None, agreement: str | None
) -> None:
    url, between = demo
    engine = make_engine(url)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    with transaction(engine) as session:
        agreements = catalog.agreements_as_of(session)
        for as_of in (between, None):  # the last, now, is what the sqlite3 driver is held to below
            whole = evaluation.evaluate_range(
                session, agreements, start=start, end=end, agreement=agreement, as_of=as_of
            )
            expected = evaluation.quota_rows(whole, state)
            found = quota_rows.rows_in_range(
                session, agreements, start=start, end=end, agreement=agreement, state=state, as_of=as_of
            )
            assert found == expected
    engine.dispose()
    path = sqlite_file(url)
    if path is not None:
        with plain_session(path) as plain:
            assert catalog.agreements_as_of(plain) == agreements
            assert (
                quota_rows.rows_in_range(plain, agreements, start=start, end=end, agreement=agreement, state=state)
                == expected
            )


def test_the_cached_agreements_are_the_built_ones(demo: tuple[str, dt.datetime]) -> None:
    engine = make_engine(demo[0])
    with transaction(engine) as session:
        for document in agreement_documents(session):
            built = parse_agreement(document.content, document.filename).agreement
            assert cache.decode(cache.encode(built)) == built
            assert cache.cached(document.sha256) == built
    engine.dispose()
