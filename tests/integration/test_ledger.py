from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.cli import app
from tests.builders import CSV_HEADER, csv_row
from tests.integration.cli_helpers import csbm, runner


@pytest.fixture
def loaded(database_url: str) -> str:
    csbm(database_url, "agreements", "load")
    return database_url


def write(tmp_path: Path, *rows: str, name: str = "ledger.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([CSV_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def export(url: str, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "export.csv"
    csbm(url, "ledger", "export", str(out), *extra)
    return out.read_text(encoding="utf-8")


class TestImportingTheLedger:
    def test_reimporting_the_same_file_changes_nothing(self, loaded: str, tmp_path: Path) -> None:
        path = write(
            tmp_path, csv_row("A-1"), csv_row("A-2", inspecting_state="FR", start="2025-06-01", end="2025-06-02")
        )
        assert csbm(loaded, "ledger", "import", str(path), "--json") == {"created": 2, "revised": 0, "unchanged": 0}
        assert csbm(loaded, "ledger", "import", str(path), "--json") == {"created": 0, "revised": 0, "unchanged": 2}
        assert len(csbm(loaded, "ledger", "history", "A-1", "--json")) == 1

    def test_a_changed_row_becomes_a_new_revision_with_who_and_when(self, loaded: str, tmp_path: Path) -> None:
        csbm(loaded, "ledger", "import", str(write(tmp_path, csv_row("A-1", status="accepted"))), "--user", "officer-a")
        changed = write(tmp_path, csv_row("A-1", status="conducted"), name="v2.csv")
        assert csbm(loaded, "ledger", "import", str(changed), "--user", "officer-b", "--json")["revised"] == 1
        history = csbm(loaded, "ledger", "history", "A-1", "--json")
        assert [(h["revision"], h["status"], h["recorded_by"]) for h in history] == [
            (1, "accepted", "officer-a"),
            (2, "conducted", "officer-b"),
        ]
        assert set(history[0]) >= {
            "ref",
            "agreement",
            "start",
            "end",
            "team_size",
            "revision",
            "recorded_at",
            "recorded_by",
        }
        assert history[0]["team_size"] == 4

    def test_as_of_replays_the_ledger_as_it_was_recorded(self, loaded: str, tmp_path: Path) -> None:
        csbm(loaded, "ledger", "import", str(write(tmp_path, csv_row("A-1", status="accepted"))))
        time.sleep(0.05)
        between = dt.datetime.now(dt.UTC).isoformat()
        time.sleep(0.05)
        csbm(
            loaded,
            "ledger",
            "import",
            str(
                write(tmp_path, csv_row("A-1", status="conducted"), csv_row("A-2", inspecting_state="FR"), name="b.csv")
            ),
        )
        then = export(loaded, tmp_path, "--as-of", between)
        assert "A-1" in then
        assert "accepted" in then
        assert "A-2" not in then
        quota_then = csbm(
            loaded, "quota", "--year", "2025", "--agreement", "vd2011", "--state", "BY", "--as-of", between, "--json"
        )
        passive = next(r for r in quota_then if r["rule"] == "inspection.passive" and r["receiving_state"] == "BY")
        assert (passive["used"], passive["pending"]) == (0, 1)

    def test_an_export_imports_back_as_no_change(self, loaded: str, tmp_path: Path) -> None:
        rows = [
            csv_row(
                "A-1",
                requested_at="2025-05-01T08:00:00",
                replied_at="2025-05-01T20:00:00+02:00",
                notes='with "quotes", commas',
            )
        ]
        csbm(loaded, "ledger", "import", str(write(tmp_path, *rows)))
        exported = tmp_path / "round.csv"
        csbm(loaded, "ledger", "export", str(exported))
        assert csbm(loaded, "ledger", "import", str(exported), "--json")["unchanged"] == 1
        assert "2025-05-01T18:00:00Z" in exported.read_text()

    def test_an_import_process_loads_neither_rich_nor_the_engine(self, loaded: str, tmp_path: Path) -> None:
        """What a process loads before it reads a row is a cost every import pays; its summary
        line is still the one rich printed."""
        path = write(tmp_path, csv_row("A-1"))
        unneeded = ["rich", "app.cli.output", "app.domain.engine", "app.services.alerts"]
        script = (
            "import json, sys\nfrom app.cli import main\ntry:\n    main()\nfinally:\n"
            f"    print(json.dumps([m for m in {unneeded!r} if m in sys.modules]))"
        )
        argv = ["ledger", "import", str(path), "--database-url", loaded]
        done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        summary, loaded_modules = done.stdout.splitlines()
        assert summary == f"{path}: 1 new, 0 revised, 0 unchanged."
        assert json.loads(loaded_modules) == []

    def test_an_import_process_runs_without_the_cycle_collector(self, loaded: str, tmp_path: Path) -> None:
        """The collector cost an import a tenth of its time (app/cli/__init__.py); the import still
        ends as it did, and a process running any other command keeps the collector."""
        script = "import gc\nfrom app.cli import main\ntry:\n    main()\nfinally:\n    print(gc.isenabled())"
        path = write(tmp_path, csv_row("A-1"))
        for argv, collecting in (
            (["ledger", "import", str(path), "--database-url", loaded], "False"),
            (["ledger", "export", "-", "--database-url", loaded], "True"),
        ):
            done = subprocess.run([sys.executable, "-c", script, *argv], capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr
            assert done.stdout.splitlines()[-1] == collecting


class TestRefusingBadRows:
    @pytest.mark.parametrize(
        ("overrides", "column", "message"),
        [
            ({"receiving_state": "XX"}, "receiving_state", "unknown state 'XX'"),
            ({"agreement": "vd1999"}, "agreement", "unknown agreement 'vd1999'"),
            ({"status": "done"}, "status", "unknown status 'done'"),
            ({"activity": "parade"}, "activity", "unknown activity 'parade'"),
            ({"activity": "observation_flight"}, "activity", "vd2011 has no activity 'observation_flight'"),
            ({"start": "2025-02-30", "end": "2025-03-01"}, "start", "is not an ISO 8601 date"),
            ({"start": "2025-05-07", "end": "2025-05-05"}, "end", "is before start"),
            ({"team_size": "-2"}, "team_size", "negative"),
            ({"requested_at": ""}, "requested_at", "is required"),
        ],
    )
    def test_each_bad_row_is_refused_with_its_line_and_column_and_nothing_is_written(
        self, loaded: str, tmp_path: Path, overrides: dict[str, str], column: str, message: str
    ) -> None:
        path = write(tmp_path, csv_row("OK-1"), csv_row("BAD-1", **overrides), csv_row("OK-2", inspecting_state="FR"))
        result = csbm(loaded, "ledger", "import", str(path), expect=1)
        assert f"{path}:3: {column}: " in result.stderr
        assert message in result.stderr
        assert export(loaded, tmp_path).strip() == CSV_HEADER

    def test_every_bad_row_is_reported_not_just_the_first(self, loaded: str, tmp_path: Path) -> None:
        path = write(
            tmp_path, csv_row("B-1", status="x"), csv_row("B-2"), csv_row("B-3", receiving_state="ZZ", team_size="many")
        )
        stderr = csbm(loaded, "ledger", "import", str(path), expect=1).stderr
        assert f"{path}:2: status:" in stderr
        assert f"{path}:4: receiving_state:" in stderr
        assert f"{path}:4: team_size:" in stderr

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
            (b"\xff\xfe garbage", "not UTF-8"),
            (b"hello world\nthis is prose\n", "not a ledger CSV"),
            (b"", "empty"),
        ],
    )
    def test_a_file_that_is_not_a_ledger_csv_gets_a_one_line_error(
        self, loaded: str, tmp_path: Path, content: bytes, message: str
    ) -> None:
        path = tmp_path / "not.csv"
        path.write_bytes(content)
        result = csbm(loaded, "ledger", "import", str(path), expect=1)
        first = result.stderr.strip().splitlines()[0]
        assert message in first
        assert "Traceback" not in result.stderr

    def test_a_ref_given_twice_with_different_values_is_refused(self, loaded: str, tmp_path: Path) -> None:
        path = write(tmp_path, csv_row("D-1"), csv_row("D-1", status="accepted"))
        assert "already appears on line 2" in csbm(loaded, "ledger", "import", str(path), expect=1).stderr


class TestAddingAndChecking:
    def add(self, url: str, ref: str, *extra: str, expect: int = 0) -> Any:
        return csbm(
            url,
            "ledger",
            "add",
            "--ref",
            ref,
            "--agreement",
            "vd2011",
            "--activity",
            "inspection",
            "--receiving-state",
            "BY",
            "--requested-at",
            "2025-04-01",
            "--start",
            "2025-04-10",
            "--end",
            "2025-04-11",
            "--status",
            "accepted",
            *extra,
            expect=expect,
        )

    def test_adding_an_entry_then_the_same_values_again_is_a_no_op(self, loaded: str) -> None:
        assert self.add(loaded, "N-1", "--inspecting-state", "DE", "--json") == {"ref": "N-1", "outcome": "created"}
        assert self.add(loaded, "N-1", "--inspecting-state", "DE", "--json") == {"ref": "N-1", "outcome": "unchanged"}

    def test_within_quota_refuses_with_exit_3_and_records_nothing(self, loaded: str) -> None:
        for i, state in enumerate(["DE", "FR", "PL"]):
            self.add(loaded, f"Q-{i}", "--inspecting-state", state, "--within-quota")
        self.add(loaded, "Q-3", "--inspecting-state", "LT", "--within-quota", expect=3)
        csbm(loaded, "ledger", "history", "Q-3", expect=1)

    def test_check_shows_the_quota_impact_and_new_findings_without_recording(self, loaded: str) -> None:
        self.add(loaded, "K-1", "--inspecting-state", "DE")
        result = csbm(
            loaded,
            "check",
            "--agreement",
            "vd2011",
            "--activity",
            "inspection",
            "--inspecting-state",
            "DE",
            "--receiving-state",
            "BY",
            "--requested-at",
            "2025-05-01",
            "--start",
            "2025-05-10",
            "--end",
            "2025-05-11",
            "--json",
        )
        passive = next(r for r in result["quotas"] if r["rule"] == "inspection.passive")
        assert (passive["pending_before"], passive["pending"], passive["remaining"]) == (1, 2, 1)
        assert [f["code"] for f in result["findings"]] == ["beyond_counterparty_cap"]
        assert result["within_quota"] is False
        csbm(loaded, "ledger", "history", "PROPOSED", expect=1)

    def test_a_bad_option_names_the_option(self, loaded: str) -> None:
        result = self.add(loaded, "N-2", "--inspecting-state", "Germany", expect=1)
        assert "--inspecting-state: unknown state 'Germany'" in result.stderr


class TestDeclarations:
    def test_a_declaration_sets_the_evaluation_visit_quota_and_a_new_value_is_a_revision(self, loaded: str) -> None:
        assert csbm(loaded, "declare", "BY", "2025", "units", "170", "--source", "AEMI 2024", "--json")["changed"]
        assert not csbm(loaded, "declare", "BY", "2025", "units", "170", "--source", "AEMI 2024", "--json")["changed"]
        csbm(loaded, "declare", "BY", "2025", "units", "400")
        assert csbm(loaded, "declarations", "--state", "BY", "--json") == [
            {"state": "BY", "year": 2025, "name": "units", "value": 400, "source": ""}
        ]
        rows = csbm(loaded, "quota", "--year", "2025", "--agreement", "vd2011", "--state", "BY", "--json")
        assert (
            next(r for r in rows if r["rule"] == "evaluation_visit.passive" and r["receiving_state"] == "BY")["limit"]
            == 7
        )

    def test_a_bad_declaration_is_refused(self, loaded: str) -> None:
        result = runner.invoke(app, ["declare", "--database-url", loaded, "--", "BY", "2025", "units", "-5"])
        assert result.exit_code == 1
        assert "value: value -5 is negative" in result.stderr
