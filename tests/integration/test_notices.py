"""Filling a quota that asks for a notice drafts exactly one; the officer records it sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.builders import CSV_HEADER, csv_row
from tests.integration.cli_helpers import csbm


@pytest.fixture
def by_home(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CSBM_HOME_STATE", "BY")
    csbm(database_url, "db", "upgrade")
    csbm(database_url, "agreements", "load")
    csbm(database_url, "declare", "BY", "2025", "units", "100", "--source", "AEMI 2024")  # quota: 2 visits
    return database_url


def visit(url: str, ref: str, month: int, *, inspecting: str = "DE", status: str = "accepted") -> None:
    csbm(
        url, "ledger", "add", "--ref", ref, "--agreement", "vd2011", "--activity", "evaluation_visit",
        "--inspecting-state", inspecting, "--receiving-state", "BY", "--requested-at", f"2025-{month:02d}-01T09:00",
        "--start", f"2025-{month:02d}-15T08:00", "--end", f"2025-{month:02d}-15T17:00", "--status", status,
    )  # fmt: skip


def test_the_entry_that_fills_the_quota_drafts_exactly_one_notice(by_home: str) -> None:
    visit(by_home, "EV-1", 4)
    assert csbm(by_home, "notices", "--json") == []
    visit(by_home, "EV-2", 5, inspecting="FR")
    (notice,) = csbm(by_home, "notices", "--json")
    assert {k: notice[k] for k in ("agreement", "rule", "party", "period_start", "limit", "filled_by", "status")} == {
        "agreement": "vd2011",
        "rule": "evaluation_visit.passive",
        "party": "BY",
        "period_start": "2025-01-01",
        "limit": 2,
        "filled_by": "EV-2",
        "status": "draft",
    }
    assert "Belarus informs all participating States" in notice["text"]["en"]
    assert "Беларусь информирует все государства-участники" in notice["text"]["ru"]
    # A revision of the filling entry, and a visit beyond the quota, draft nothing more.
    visit(by_home, "EV-2", 5, inspecting="FR", status="conducted")
    visit(by_home, "EV-3", 6, inspecting="IT")
    assert len(csbm(by_home, "notices", "--json")) == 1


def test_filling_it_raises_one_alert(by_home: str) -> None:
    from app.db.session import make_engine, transaction
    from app.services.alerts import open_alerts

    visit(by_home, "EV-1", 4)
    visit(by_home, "EV-2", 5, inspecting="FR")
    visit(by_home, "EV-2", 5, inspecting="FR", status="conducted")
    engine = make_engine(by_home)
    with transaction(engine) as session:
        found = [a for a in open_alerts(session, "ru") if a["kind"] == "quota_filled"]
    engine.dispose()
    assert len(found) == 1
    assert "EV-2" in found[0]["message"]
    assert "проект уведомления" in found[0]["message"]


def test_without_a_home_state_nothing_is_drafted(by_home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSBM_HOME_STATE")
    visit(by_home, "EV-1", 4)
    visit(by_home, "EV-2", 5, inspecting="FR")
    assert csbm(by_home, "notices", "--json") == []


def test_marking_it_sent_is_recorded_once_and_audited(by_home: str) -> None:
    visit(by_home, "EV-1", 4)
    visit(by_home, "EV-2", 5, inspecting="FR")
    (notice,) = csbm(by_home, "notices", "--json")
    nid = str(notice["id"])
    shown = csbm(by_home, "notices", "show", nid, "--lang", "ru").stdout
    assert shown.startswith("Беларусь: уведомление об исчерпании квоты (посещения с целью оценки)")
    bad = csbm(by_home, "notices", "mark-sent", nid, "--on", "2 June", "--reference", "X", expect=1)
    assert "on: a date is YYYY-MM-DD" in bad.stderr
    sent = csbm(by_home, "notices", "mark-sent", nid, "--on", "2025-06-02", "--reference", "BY/VD/117", "--json")
    assert (sent["status"], sent["sent_on"], sent["sent_reference"]) == ("sent", "2025-06-02", "BY/VD/117")
    again = csbm(by_home, "notices", "mark-sent", nid, "--on", "2025-06-03", "--reference", "other", expect=1)
    assert "already recorded as sent" in again.stderr
    assert csbm(by_home, "notices", "--json")[0]["sent_reference"] == "BY/VD/117"
    from app.db.session import make_engine, transaction
    from app.services.accounts import audit_trail

    engine = make_engine(by_home)
    with transaction(engine) as session:
        rows, _ = audit_trail(session, page=1)
    engine.dispose()
    (record,) = [r for r in rows if r.action == "notice.sent"]
    assert record.target == nid
    assert record.after["sent_reference"] == "BY/VD/117"
    assert record.before["status"] == "draft"


def test_an_unknown_notice_is_named(by_home: str) -> None:
    result = csbm(by_home, "notices", "mark-sent", "99", "--on", "2025-06-02", "--reference", "R", expect=1)
    assert "no notice with this number" in result.stderr


def test_an_import_that_fills_the_running_quota_drafts_one_notice(by_home: str, tmp_path: Path) -> None:
    year = dt.datetime.now(dt.UTC).year
    csbm(by_home, "declare", "BY", str(year), "units", "100", "--source", "AEMI")
    rows = [
        csv_row(f"IM-{n}", activity="evaluation_visit", inspecting_state=state, requested_at=f"{year}-01-0{n}",
                start=f"{year}-01-1{n}", end=f"{year}-01-1{n}", status="conducted", team_size="3")
        for n, state in ((1, "DE"), (2, "FR"))
    ]  # fmt: skip
    file = tmp_path / "ledger.csv"
    file.write_text("\n".join([CSV_HEADER, *rows]) + "\n")
    csbm(by_home, "ledger", "import", str(file))
    (notice,) = csbm(by_home, "notices", "--json")
    assert (notice["period_start"], notice["filled_by"]) == (f"{year}-01-01", "IM-2")
    csbm(by_home, "alerts", "notify", "--json")  # the alert step reviews too: still one
    assert len(csbm(by_home, "notices", "--json")) == 1
