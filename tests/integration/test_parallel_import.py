"""An import large enough to parse in a child process stores exactly what an in-process one does."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from app.db.chain_writer import chain_heads
from app.db.session import transaction
from app.services import catalog, entries, ledger, ledger_reading
from app.services.ledger_csv import Contents, EntryContext, LedgerFileError
from app.services.ledger_reading import reading_ahead
from app.services.prefetch import from_child
from app.services.states import known_states
from tests.builders import CSV_HEADER, csv_row

AT = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def rows(count: int, **overrides: str) -> list[str]:
    states = ["DE", "FR", "PL", "LT", "LV", "UA"]
    return [
        csv_row(
            f"P-{i:05d}",
            inspecting_state=states[i % len(states)],
            start=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
            end=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}",
            requested_at="2024-12-01",
            **overrides,
        )
        for i in range(count)
    ]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([CSV_HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def run_import(engine: Engine, path: Path, *, parallel: bool) -> ledger.ImportSummary:
    with transaction(engine, write=True) as session:
        if not catalog.agreements_as_of(session):
            catalog.load_agreements(session, None, at=AT, by="test")
    with transaction(engine, write=True) as session:
        context = EntryContext(agreements=catalog.agreements_as_of(session), states=known_states())
        return ledger.import_ledger(
            session, path, context, at=AT, by="test", parallel_from_bytes=0 if parallel else 10**12
        )


def stored(engine: Engine) -> tuple[str, dict[str, dict[str, object]], list[tuple[object, ...]]]:
    with transaction(engine) as session:
        out = io.StringIO()
        ledger.export_ledger(session, out)
        heads = {name: head.as_json() for name, head in chain_heads(session).items()}
        hashes = session.execute(text("SELECT seq, chain_hash FROM entry_revisions ORDER BY seq")).all()
    return out.getvalue(), heads, [tuple(row) for row in hashes]


def test_parsing_in_a_child_process_stores_the_same_revisions_and_chain(
    engine: Engine, other_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    children: list[int] = []

    def counted(produce: Callable[[], Iterator[Contents]]) -> Iterator[Contents]:
        children.append(1)
        return from_child(produce)

    monkeypatch.setattr(ledger, "from_child", counted)
    first = write(tmp_path / "first.csv", rows(1200))
    second = write(tmp_path / "second.csv", rows(600, status="cancelled") + rows(1200)[600:])
    for parallel, target in ((False, engine), (True, other_engine)):
        assert run_import(target, first, parallel=parallel) == ledger.ImportSummary(
            created=1200, revised=0, unchanged=0
        )
        assert run_import(target, second, parallel=parallel) == ledger.ImportSummary(
            created=0, revised=600, unchanged=600
        )
    assert len(children) == 2  # the second database's imports did parse in a child process
    assert stored(engine) == stored(other_engine)


def test_a_bad_row_found_by_the_child_process_writes_nothing_and_names_every_row(
    engine: Engine, tmp_path: Path
) -> None:
    lines = rows(3000)
    lines[10] = csv_row("BAD-1", receiving_state="QQ")
    lines[2900] = csv_row("BAD-2", status="lost")
    with pytest.raises(LedgerFileError) as caught:
        run_import(engine, write(tmp_path / "bad.csv", lines), parallel=True)
    assert [m.split(": ", 1)[0].rsplit(":", 1)[1] for m in caught.value.messages] == ["12", "2902"]
    assert "unknown state 'QQ'" in caught.value.messages[0]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM entry_revisions")).scalar_one() == 0


def test_an_import_into_an_empty_ledger_stores_what_the_general_path_stores(
    engine: Engine, other_engine: Engine, tmp_path: Path
) -> None:
    # Into an empty ledger no ref is looked up and the rows are chained as they come (revision_rows.NewEntries);
    # the general path looks every ref up and chains in the writer. Both must store the same.
    first = write(tmp_path / "first.csv", rows(1500))
    assert run_import(engine, first, parallel=True).created == 1500
    with transaction(other_engine, write=True) as session:
        catalog.load_agreements(session, None, at=AT, by="test")
    with transaction(other_engine, write=True) as session:
        context = EntryContext(agreements=catalog.agreements_as_of(session), states=known_states())
        with first.open(encoding="utf-8", newline="") as stream:
            parsed = [entries.parsed(values, context) for values in csv.DictReader(stream)]
        summary = ledger.import_entries(session, parsed, at=AT, by="test")
    assert summary.created == 1500
    assert stored(engine) == stored(other_engine)
    # The ids the import took are taken: entries added after it get others.
    more = write(tmp_path / "more.csv", [csv_row(f"Q-{i}", requested_at="2024-12-01") for i in range(3)])
    assert run_import(engine, more, parallel=False).created == 3
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT id), max(id) - min(id) FROM ledger_entries")).one() == (
            1503,
            1502,
        )


def read_ahead_import(engine: Engine, path: Path, most: int) -> ledger.ImportSummary:
    with reading_ahead(path, from_bytes=0, most=most) as reading:
        assert reading is not None
        with transaction(engine, write=True) as session:
            if not catalog.agreements_as_of(session):
                catalog.load_agreements(session, None, at=AT, by="test")
        with transaction(engine, write=True) as session:
            context = EntryContext(agreements=catalog.agreements_as_of(session), states=known_states())
            return ledger.import_ledger(session, path, context, at=AT, by="test", reading=reading)


@pytest.mark.parametrize("most", [1, 700, 100_000])
def test_a_file_read_ahead_of_its_context_stores_what_an_in_process_import_stores(
    engine: Engine, other_engine: Engine, tmp_path: Path, most: int
) -> None:
    first = write(tmp_path / "first.csv", rows(1200))
    second = write(tmp_path / "second.csv", rows(600, status="cancelled") + rows(1200)[600:])
    for path, summary in ((first, (1200, 0, 0)), (second, (0, 600, 600))):
        assert run_import(engine, path, parallel=False) == ledger.ImportSummary(*summary)
        assert read_ahead_import(other_engine, path, most) == ledger.ImportSummary(*summary)
    assert stored(engine) == stored(other_engine)


def test_a_bad_file_read_ahead_is_refused_with_the_messages_of_an_in_process_import(
    engine: Engine, other_engine: Engine, tmp_path: Path
) -> None:
    lines = rows(3000)
    lines[10] = csv_row("BAD-1", receiving_state="QQ")
    lines[2900] = csv_row("BAD-2", status="lost")
    bad = write(tmp_path / "bad.csv", lines)
    with pytest.raises(LedgerFileError) as in_process:
        run_import(engine, bad, parallel=False)
    with pytest.raises(LedgerFileError) as ahead:
        read_ahead_import(other_engine, bad, 500)
    assert ahead.value.messages == in_process.value.messages
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01" * 600_000)
    with pytest.raises(LedgerFileError, match="not a CSV file"):
        read_ahead_import(other_engine, binary, 500)
    with other_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM entry_revisions")).scalar_one() == 0


def test_a_reading_begun_early_is_taken_up_for_its_own_file_only(
    engine: Engine, other_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ledger_reading, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(ledger_reading, "_early", None)
    first = write(tmp_path / "first.csv", rows(1200))
    ledger_reading.begin_early(["--database-url", "sqlite:///elsewhere", "--json", str(first), "--user", "u"])
    early = ledger_reading._early
    assert early is not None
    assert early.path == first
    with reading_ahead(first, from_bytes=0) as reading:
        assert reading is early
        with transaction(engine, write=True) as session:
            catalog.load_agreements(session, None, at=AT, by="test")
        with transaction(engine, write=True) as session:
            context = EntryContext(agreements=catalog.agreements_as_of(session), states=known_states())
            summary = ledger.import_ledger(session, first, context, at=AT, by="test", reading=reading)
    assert summary == ledger.ImportSummary(created=1200, revised=0, unchanged=0)
    assert run_import(other_engine, first, parallel=False) == summary
    assert stored(engine) == stored(other_engine)
    # Begun for another file, it is ended, and the file asked for is read anew; no file, nothing begun.
    ledger_reading.begin_early(["--help"])
    assert ledger_reading._early is None
    ledger_reading.begin_early(["--user", "u", str(tmp_path / "other.csv")])
    other = ledger_reading._early
    assert other is not None
    with reading_ahead(first, from_bytes=0) as reading:
        assert reading is not None
        assert reading is not other
        assert reading.path == first
    assert ledger_reading._early is None
