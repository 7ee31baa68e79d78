"""Tamper evidence: edits made behind csbm's back are named by ``csbm audit verify``."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.db.migrate import downgrade, upgrade
from app.db.session import make_engine
from tests.builders import CSV_HEADER, csv_row
from tests.integration.cli_helpers import csbm


@pytest.fixture
def demo(database_url: str) -> str:
    csbm(database_url, "demo")
    return database_url


def verify(url: str, *extra: str, expect: int = 0) -> dict[str, Any]:
    result = csbm(url, "audit", "verify", "--json", *extra, expect=expect)
    found: dict[str, Any] = result if expect == 0 else json.loads(result.stdout)
    return found


def tamper(url: str, *statements: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def scalar(url: str, query: str) -> Any:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query)).scalar()
    finally:
        engine.dispose()


def test_an_untouched_history_verifies_and_the_heads_match_the_last_revisions(demo: str) -> None:
    result = verify(demo)
    assert result["ok"] is True
    assert result["breaks"] == []
    assert result["checked"] == {
        "ledger": scalar(demo, "SELECT count(*) FROM entry_revisions"),
        "declarations": scalar(demo, "SELECT count(*) FROM declaration_revisions"),
        "reconciliations": 0,
    }
    assert result["heads"]["ledger"]["hash"] == scalar(
        demo, "SELECT chain_hash FROM entry_revisions ORDER BY seq DESC LIMIT 1"
    )


def test_revisions_recorded_later_extend_the_chain(demo: str, tmp_path: Path) -> None:
    before = verify(demo)["heads"]["ledger"]["seq"]
    path = tmp_path / "more.csv"
    path.write_text(
        "\n".join([CSV_HEADER, csv_row("NEW-1"), csv_row("NEW-2", inspecting_state="FR")]) + "\n", encoding="utf-8"
    )
    csbm(demo, "ledger", "import", str(path))
    path.write_text("\n".join([CSV_HEADER, csv_row("NEW-1", status="cancelled")]) + "\n", encoding="utf-8")
    csbm(demo, "ledger", "import", str(path))
    csbm(demo, "declare", "BY", "2026", "units", "171")
    after = verify(demo)
    assert after["ok"] is True
    assert after["heads"]["ledger"]["seq"] == before + 3


@pytest.mark.parametrize(
    ("statements", "chain", "kind", "seq", "words"),
    [
        (["UPDATE entry_revisions SET status = 'cancelled' WHERE seq = 40"], "ledger", "edited", 40, "edited"),
        (["UPDATE entry_revisions SET notes = 'x' WHERE seq = 1"], "ledger", "edited", 1, "edited"),
        (["UPDATE entry_revisions SET start_on = '1999-01-01' WHERE seq = 7"], "ledger", "edited", 7, "start_on"),
        (["DELETE FROM entry_revisions WHERE seq = 60"], "ledger", "deleted", 61, "60..60"),
        (
            ["DELETE FROM entry_revisions WHERE seq = (SELECT max(seq) FROM entry_revisions)"],
            "ledger",
            "deleted",
            0,
            "the last",
        ),
        (
            [
                "UPDATE entry_revisions SET seq = -1 WHERE seq = 70",
                "UPDATE entry_revisions SET seq = 70 WHERE seq = 71",
                "UPDATE entry_revisions SET seq = 71 WHERE seq = -1",
            ],
            "ledger",
            "reordered",
            70,
            "recorded at place 71",
        ),
        (["UPDATE ledger_entries SET ref = 'FORGED' WHERE id = 3"], "ledger", "edited", 0, "FORGED"),
        (["UPDATE declaration_revisions SET value = value + 5 WHERE seq = 2"], "declarations", "edited", 2, "edited"),
        (["UPDATE ledger_state SET entry_seq = entry_seq - 1"], "ledger", "inserted", 0, "outside csbm"),
    ],
)
def test_edits_made_directly_in_sql_are_named(
    demo: str, statements: list[str], chain: str, kind: str, seq: int, words: str
) -> None:
    tamper(demo, *statements)
    result = verify(demo, expect=1)
    assert result["ok"] is False
    first = result["breaks"][0]
    assert (first["chain"], first["kind"]) == (chain, kind)
    if seq:
        assert first["seq"] == seq
    assert words in first["detail"]


def test_an_edit_of_a_later_revision_says_what_now_differs(demo: str, tmp_path: Path) -> None:
    path = tmp_path / "fix.csv"
    path.write_text("\n".join([CSV_HEADER, csv_row("FIX-1")]) + "\n", encoding="utf-8")
    csbm(demo, "ledger", "import", str(path))
    path.write_text("\n".join([CSV_HEADER, csv_row("FIX-1", team_size="5")]) + "\n", encoding="utf-8")
    csbm(demo, "ledger", "import", str(path))
    tamper(demo, "UPDATE entry_revisions SET status = 'refused' WHERE seq = (SELECT max(seq) FROM entry_revisions)")
    detail = verify(demo, expect=1)["breaks"][0]["detail"]
    assert "FIX-1" in detail
    assert "status='refused'" in detail


def test_a_filed_report_is_tied_to_the_history_it_came_from(demo: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    csbm(demo, "report", "--period", "2025Q2", "--format", "json", "--out", str(reports))
    manifest = json.loads((reports / "2025Q2" / "manifest.json").read_text())
    report = json.loads((reports / "2025Q2" / "en" / "report.json").read_text())
    assert manifest["chain_heads"] == report["chain"]
    assert manifest["chain_heads"]["ledger"]["hash"] == verify(demo)["heads"]["ledger"]["hash"]
    assert verify(demo, "--reports", str(reports))["reports_checked"] == 1
    # Rewriting the whole chain after the report (a forger who recomputes every hash)
    # still cannot make the report's head reappear.
    head = manifest["chain_heads"]["ledger"]["seq"]
    flipped = "CASE WHEN substr(chain_hash, 1, 1) = 'f' THEN '0' ELSE 'f' END"  # a real change, whatever the hash
    tamper(demo, f"UPDATE entry_revisions SET chain_hash = {flipped} || substr(chain_hash, 2) WHERE seq = {head}")
    breaks = verify(demo, "--reports", str(reports), expect=1)["breaks"]
    assert any(b["kind"] == "report" for b in breaks)


def test_the_migration_chains_revisions_recorded_before_it(database_url: str) -> None:
    csbm(database_url, "demo")
    engine = make_engine(database_url)
    try:
        downgrade(engine, "0004")
        upgrade(engine)
    finally:
        engine.dispose()
    assert verify(database_url)["ok"] is True


def test_the_quota_cache_keeps_answers_for_the_current_ledger_version_only(demo: str) -> None:
    """A write bumps the version; answers for older versions can never be asked for again."""
    import datetime as dt

    from app.db.session import transaction
    from app.domain.ledger import Declaration
    from app.services import catalog
    from app.services.declarations import declare
    from app.services.evaluation import QuotaCache

    cache = QuotaCache()
    engine = make_engine(demo)
    try:
        for value in (171, 172, 173):
            with transaction(engine) as session:
                cache.json(session, catalog.agreements_as_of(session), year=2025, agreement=None, state="BY")
            with transaction(engine, write=True) as session:
                declaration = Declaration(state="BY", year=2026, name="units", value=value, source="test")
                declare(session, declaration, at=dt.datetime.now(dt.UTC), by="test")
        with transaction(engine) as session:
            cache.json(session, catalog.agreements_as_of(session), year=2025, agreement=None, state="BY")
        assert len(cache._json) == 1
    finally:
        engine.dispose()


def test_free_text_holding_copy_separators_is_stored_and_chained_as_given(database_url: str, tmp_path: Path) -> None:
    # PostgreSQL imports go through COPY's text format, where a tab, a line break, a
    # backslash or the text \N would otherwise split a field or turn into NULL.
    csbm(database_url, "agreements", "load")
    awkward = {"notes": "tab\there\nnew line \\N back\\slash", "location": "carriage\rreturn", "object": "\\"}
    path = tmp_path / "awkward.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=CSV_HEADER.split(","))
        writer.writeheader()
        writer.writerow(dict(csv.DictReader([CSV_HEADER, csv_row("AWK-1")]).__next__(), **awkward))
    csbm(database_url, "ledger", "import", str(path), "--user", "o\\brien\tx")
    stored = csbm(database_url, "ledger", "history", "AWK-1", "--json")
    assert {k: stored[0][k] for k in awkward} == awkward
    assert stored[0]["recorded_by"] == "o\\brien\tx"
    assert scalar(database_url, "SELECT count(*) FROM entry_revisions WHERE replied_iso IS NULL") == 1
    assert verify(database_url)["ok"] is True
