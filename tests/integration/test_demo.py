from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import text

from app.db.session import make_engine
from tests.integration.cli_helpers import csbm


class TestTheSampleData:
    def test_the_published_chapter_x_totals_come_back_out_of_quota_with_no_findings(self, database_url: str) -> None:
        csbm(database_url, "demo")
        totals: Counter[tuple[str, str]] = Counter()
        for agreement in ("by-lt-2001", "by-lv-2004", "by-pl-2004", "by-ua-2001"):
            for year in range(2002, 2021):
                for row in csbm(
                    database_url, "quota", "--year", str(year), "--agreement", agreement, "--state", "BY", "--json"
                ):
                    direction = "received" if row["receiving_state"] == "BY" else "conducted"
                    totals[(direction, row["activity"])] += row["used"]
                    assert row["remaining"] >= 0
        assert totals == {
            ("received", "inspection"): 32,
            ("received", "evaluation_visit"): 61,
            ("conducted", "inspection"): 28,
            ("conducted", "evaluation_visit"): 62,
        }
        assert csbm(database_url, "findings", "--from", "2002-01-01", "--to", "2020-12-31", "--json") == []

    def test_the_recent_sample_raises_findings_of_several_kinds(self, database_url: str) -> None:
        csbm(database_url, "demo")
        found = csbm(database_url, "findings", "--from", "2025-01-01", "--to", "2026-12-31", "--json")
        assert len({f["code"] for f in found}) >= 8
        assert {f["severity"] for f in found} == {"violation", "warning", "info"}

    def test_loading_the_demo_twice_changes_nothing(self, database_url: str) -> None:
        first = csbm(database_url, "demo", "--json")
        assert first["entries_created"] > 200
        assert csbm(database_url, "demo", "--json") == {
            "entries_created": 0,
            "entries_revised": 0,
            "entries_unchanged": first["entries_created"],
            "declarations_recorded": 0,
        }

    def test_the_sample_files_go_through_the_import_paths_and_are_audited(self, database_url: str) -> None:
        csbm(database_url, "demo")
        csbm(database_url, "demo")
        engine = make_engine(database_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT action, target, after FROM audit_log ORDER BY id")).all()
        finally:
            engine.dispose()
        imports = [(action, target, json.loads(after)) for action, target, after in rows if action.endswith("import")]
        assert imports == [
            ("declarations.import", "declarations.csv", {"created": 12, "revised": 0, "unchanged": 0}),
            ("ledger.import", "ledger.csv", {"created": 205, "revised": 0, "unchanged": 0}),
            ("declarations.import", "declarations.csv", {"created": 0, "revised": 0, "unchanged": 12}),
            ("ledger.import", "ledger.csv", {"created": 0, "revised": 0, "unchanged": 205}),
        ]
        assert not [action for action, _, _ in rows if action == "declaration.record"]
