from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

from tests.builders import ROOT
from tests.integration.cli_helpers import csbm

QUOTA_ROW_KEYS = {
    "agreement",
    "rule",
    "kind",
    "activity",
    "receiving_state",
    "inspecting_state",
    "object",
    "period_start",
    "period_end",
    "limit",
    "used",
    "pending",
    "remaining",
    "force",
    "force_since",
    "force_changed",
}


class TestLoadingAgreements:
    def test_loading_the_shipped_agreements_stores_each_once_and_reloading_changes_nothing(
        self, database_url: str
    ) -> None:
        first = csbm(database_url, "agreements", "load", "--json")
        assert {r["agreement"] for r in first} == {
            "vd2011",
            "by-lt-2001",
            "by-lv-2004",
            "by-pl-2004",
            "by-ua-2001",
            "cfe",
            "open-skies",
        }
        assert all(r["changed"] and r["version"] == 1 for r in first)
        second = csbm(database_url, "agreements", "load", "--json")
        assert not any(r["changed"] for r in second)
        listed = csbm(database_url, "agreements", "list", "--json")
        assert {r["id"]: r["parties"] for r in listed}["vd2011"] == 57

    def test_a_changed_file_becomes_a_new_version_and_as_of_replays_the_old_one(
        self, database_url: str, tmp_path: Path
    ) -> None:
        folder = tmp_path / "agreements"
        shutil.copytree(ROOT / "agreements", folder)
        csbm(database_url, "agreements", "load", str(folder))
        before = dt.datetime.now(dt.UTC).isoformat()
        time.sleep(0.05)
        path = folder / "vd2011.yaml"
        path.write_text(path.read_text().replace("limit: {constant: 3}", "limit: {constant: 4}", 1))
        result = csbm(database_url, "agreements", "load", str(folder), "--json")
        assert [r["version"] for r in result if r["changed"]] == [2]
        now = csbm(database_url, "quota", "--year", "2025", "--agreement", "vd2011", "--state", "BY", "--json")
        then = csbm(
            database_url,
            "quota",
            "--year",
            "2025",
            "--agreement",
            "vd2011",
            "--state",
            "BY",
            "--as-of",
            before,
            "--json",
        )
        limit = {r["rule"]: r["limit"] for r in now if r["receiving_state"] == "BY" and r["inspecting_state"] is None}
        old = {r["rule"]: r["limit"] for r in then if r["receiving_state"] == "BY" and r["inspecting_state"] is None}
        assert (limit["inspection.passive"], old["inspection.passive"]) == (4, 3)

    def test_an_invalid_file_is_reported_with_file_line_and_field_and_nothing_is_loaded(
        self, database_url: str, tmp_path: Path
    ) -> None:
        folder = tmp_path / "agreements"
        shutil.copytree(ROOT / "agreements", folder)
        path = folder / "cfe.yaml"
        path.write_text(
            path.read_text().replace('formula: "max(1, ceil(oov * 15 / 100))"', 'formula: "max(1, ciel(oov))"')
        )
        result = csbm(database_url, "agreements", "load", str(folder), expect=1)
        lines = [ln for ln in result.stderr.splitlines() if "cfe.yaml" in ln]
        assert lines
        assert "quota_rules[0].limit.formula: unknown function 'ciel'" in lines[0]
        line_number = int(lines[0].split(":")[1])
        assert "ciel" in path.read_text().splitlines()[line_number - 1]
        assert csbm(database_url, "agreements", "list", "--json") == []


class TestShowingAnAgreement:
    def test_show_gives_rules_with_sources_and_the_parties_status_timelines(self, database_url: str) -> None:
        csbm(database_url, "agreements", "load")
        cfe = csbm(database_url, "agreements", "show", "cfe", "--json")
        rule = next(r for r in cfe["quota_rules"] if r["id"] == "declared_site.passive")
        assert rule["period"] == "treaty_year from 03-16"
        assert rule["source"]["paragraph"] == "section II paras 10(D), 12 and 16"
        [year_start] = cfe["dates"]
        assert (year_start["id"], year_start["day"], year_start["parties"]) == (
            "treaty_year.start",
            "03-16",
            "each_party",
        )
        assert year_start["source"]["confidence"] == "secondary"
        belarus = next(p for p in cfe["parties"] if p["state"] == "BY")
        assert [(s["start"], s["toward"]) for s in belarus["suspensions"]] == [
            ("2023-10-01", ["CZ", "PL"]),
            ("2024-05-24", None),
        ]
        assert cfe["refusable_activities"][0]["activity"] == "challenge_inspection"
        assert "unknown agreement 'nato'" in csbm(database_url, "agreements", "show", "nato", expect=2).stderr


class TestQuotaShape:
    def test_quota_rows_have_exactly_the_documented_fields(self, database_url: str) -> None:
        csbm(database_url, "agreements", "load")
        rows = csbm(database_url, "quota", "--year", "2019", "--agreement", "vd2011", "--json")
        assert rows
        assert all(set(r) == QUOTA_ROW_KEYS for r in rows)
        assert len([r for r in rows if r["rule"] == "inspection.passive"]) == 57
        assert len([r for r in rows if r["rule"] == "inspection.per_inspecting_state"]) == 57 * 56
        assert not [r for r in rows if r["kind"] == "concurrency"]

    def test_mongolia_has_vienna_document_rows_only_from_2012(self, database_url: str) -> None:
        csbm(database_url, "agreements", "load")
        rows = csbm(database_url, "quota", "--year", "2012", "--agreement", "vd2011", "--state", "MN", "--json")
        assert any(r["rule"] == "inspection.passive" for r in rows)
        assert csbm(database_url, "quota", "--year", "2011", "--agreement", "vd2011", "--state", "MN", "--json") == []


class TestHelpfulErrors:
    def test_an_unmigrated_database_asks_for_db_upgrade(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        assert "run `csbm db upgrade` first" in csbm(url, "quota", "--year", "2025", expect=1).stderr

    def test_quota_without_agreements_says_how_to_load_them(self, database_url: str) -> None:
        assert "csbm agreements load" in csbm(database_url, "quota", "--year", "2025").stderr
