"""Two centres agree the count: Belarus's and Lithuania's ledgers of 2019, reconciled and countersigned."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.integration.reconcile_helpers import (
    BY_LEDGER,
    LT_LEDGER,
    Centre,
    count,
    edit_in_sql_and_recompute_the_chain,
    exchange_keys,
    make_centre,
    run,
)
from tests.unit.test_statement import validate


@pytest.fixture
def centres(
    database_url: str, other_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Centre, Centre]:
    # Belarus keeps its key encrypted (the passphrase from the environment); Lithuania's is a 0600 file.
    monkeypatch.setenv("CSBM_KEY_PASSPHRASE", "minsk passphrase 2019")
    by = make_centre("BY", database_url, tmp_path / "by", BY_LEDGER, encrypted=True)
    lt = make_centre("LT", other_database_url, tmp_path / "lt", LT_LEDGER, encrypted=False)
    exchange_keys(by, lt)
    return by, lt


def export(by: Centre) -> Path:
    out = by.file("by-lt-2019.json")
    by(
        "statement",
        "export",
        "--partner",
        "LT",
        "--period",
        "2019",
        "--out",
        str(out),
        "--home-state",
        "BY",
        "--key",
        str(by.key),
    )
    return out


def kinds(result: dict[str, object]) -> list[tuple[str, str | None, str | None, list[str]]]:
    return [
        (i["kind"], i["ours"]["ref"] if i["ours"] else None, i["theirs"]["ref"] if i["theirs"] else None, i["fields"])
        for i in result["items"]  # type: ignore[attr-defined]
    ]


class TestTwoCentresReconcileTheirLedgers:
    def test_lithuania_finds_exactly_the_differences_and_the_disagreeing_quota_rows(
        self, centres: tuple[Centre, Centre]
    ) -> None:
        by, lt = centres
        statement = export(by)
        validate(json.loads(statement.read_text()))  # docs/statement.schema.json
        result = lt("reconcile", str(statement), "--home-state", "LT", "--json")
        assert result["signed"] is True
        assert sorted(kinds(result)) == sorted(
            [
                ("agreed", "LT-2019-1", "BY-19-01", []),  # the notes differ, and are not compared
                ("only_ours", "LT-2019-2", None, []),  # two days off: beyond the default tolerance
                ("only_theirs", None, "BY-19-02", []),
                ("agreed", "LT-2019-3", "BY-19-03", []),
                ("differs", "LT-2019-4", "BY-19-04", ["team_size"]),
                ("only_theirs", None, "BY-19-05", []),  # missing in Lithuania's ledger
            ]
        )
        disagreeing = [
            (q["agreement"], q["rule"], q["receiving_state"], q["inspecting_state"])
            for q in result["quotas"]
            if not q["agrees"]
        ]
        assert disagreeing == [("vd2011", "inspection.per_inspecting_state", "LT", "BY")]
        assert all(q["inspecting_state"] and q["receiving_state"] for q in result["quotas"])

    def test_a_wider_tolerance_pairs_the_shifted_visit_as_a_difference_of_dates(
        self, centres: tuple[Centre, Centre]
    ) -> None:
        by, lt = centres
        result = lt("reconcile", str(export(by)), "--home-state", "LT", "--tolerance-days", "2", "--json")
        assert ("differs", "LT-2019-2", "BY-19-02", ["start", "end"]) in kinds(result)

    def test_one_altered_byte_makes_reconcile_refuse_the_statement_naming_the_key(
        self, centres: tuple[Centre, Centre]
    ) -> None:
        by, lt = centres
        data = export(by).read_bytes()
        at = data.index(b'"team_size": 3')
        altered = lt.file("altered.json")
        altered.write_bytes(data[:at] + b'"team_size": 4' + data[at + len(b'"team_size": 3') :])
        refused = lt("reconcile", str(altered), "--home-state", "LT", expect=1)
        fingerprint = json.loads(data)["signature"]["key"]
        assert "does not verify" in refused.stderr
        assert fingerprint[:4] + " " + fingerprint[4:8] in refused.stderr
        assert count(lt.url, "reconciliation_records", "WHERE kind = 'reconcile'") == 0

    def test_countersigned_statement_is_verified_by_belarus_and_tied_to_its_ledger(
        self, centres: tuple[Centre, Centre]
    ) -> None:
        by, lt = centres
        statement = export(by)
        result = lt("reconcile", str(statement), "--home-state", "LT", "--json")
        countersignature = lt.file("countersigned.json")
        lt("reconciliation", "countersign", "1", "--out", str(countersignature), "--key", str(lt.key), expect=1)
        for item in result["items"]:
            if item["kind"] != "agreed":
                lt(
                    "reconciliation",
                    "resolve",
                    "1",
                    str(item["item"]),
                    "--as",
                    "agreed-as-theirs",
                    "--note",
                    "Agreed at the Vilnius review, 2020-01-21",
                )
        lt("reconciliation", "countersign", "1", "--out", str(countersignature), "--key", str(lt.key))
        validate(json.loads(countersignature.read_text())["statement"])
        by("statement", "accept-countersignature", str(countersignature), "--home-state", "BY")
        verified = by("audit", "verify", "--json", user=None)
        assert verified["ok"] is True
        assert verified["statements_checked"] == 1
        assert verified["checked"]["reconciliations"] == 2  # the export and the countersignature
        archive = by.file("backup.zip")
        by("backup", str(archive), user=None)
        restored = f"sqlite:///{by.folder / 'restored.sqlite3'}"
        run(restored, "restore", str(archive))  # its chains and its countersigned statement verify
        assert run(restored, "audit", "verify", "--json")["statements_checked"] == 1
        edit_in_sql_and_recompute_the_chain(
            by.url,
            "UPDATE entry_revisions SET team_size = 3 WHERE entry_id = "
            "(SELECT id FROM ledger_entries WHERE ref = 'BY-19-04')",
        )
        broken = json.loads(by("audit", "verify", "--json", user=None, expect=1).stdout)
        by("backup", str(archive), user=None)
        refused = run(f"sqlite:///{by.folder / 'again.sqlite3'}", "restore", str(archive), expect=1)
        assert "countersigned" in refused.stderr
        tamper = "UPDATE reconciliation_records SET body = 'gone' WHERE kind = 'countersign.receive'"
        edit_in_sql_and_recompute_the_chain(by.url, tamper)
        chains = {b["chain"] for b in json.loads(by("audit", "verify", "--json", user=None, expect=1).stdout)["breaks"]}
        assert chains == {"reconciliations", "statements"}
        assert [b["chain"] for b in broken["breaks"]] == ["statements"]  # the ledger's own chain was recomputed
        assert "BY-19-04" in broken["breaks"][0]["detail"] or "rewritten" in broken["breaks"][0]["detail"]

    def test_agreed_as_theirs_proposes_a_revision_and_records_none(self, centres: tuple[Centre, Centre]) -> None:
        by, lt = centres
        result = lt("reconcile", str(export(by)), "--home-state", "LT", "--json")
        differs = next(i for i in result["items"] if i["kind"] == "differs")
        before = count(lt.url, "entry_revisions")
        resolved = lt(
            "reconciliation",
            "resolve",
            "1",
            str(differs["item"]),
            "--as",
            "agreed-as-theirs",
            "--note",
            "BY's team list shows four",
            "--json",
        )
        assert count(lt.url, "entry_revisions") == before
        assert resolved["proposal"]["ref"] == "LT-2019-4"
        assert resolved["proposal"]["team_size"] == "4"
        command = shlex.split(resolved["command"])
        assert command[:3] == ["csbm", "ledger", "add"]
        lt(*command[1:])
        again = lt("reconcile", str(export(by)), "--home-state", "LT", "--json")
        assert ("agreed", "LT-2019-4", "BY-19-04", []) in kinds(again)

    def test_the_report_renders_in_both_languages_with_hashes_and_signature_blocks(
        self, centres: tuple[Centre, Centre], tmp_path: Path
    ) -> None:
        by, lt = centres
        result = lt("reconcile", str(export(by)), "--home-state", "LT", "--json")
        out = tmp_path / "reports"
        lt("reconciliation", "report", "1", "--out", str(out), "--format", "html,pdf", "--lang", "en,ru", user=None)
        for lang, words in (
            ("en", ["Head of delegation", "For Belarus"]),
            ("ru", ["Глава делегации", "Сторона: Беларусь"]),
        ):
            pdf = out / "reconciliation-1" / f"reconciliation-1.{lang}.pdf"
            text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True).stdout
            page = text.decode("utf-8")
            for word in words:
                assert word in page, (lang, word)
            flat = "".join(page.split())
            assert result["theirs"]["sha256"] in flat
            assert result["ours"]["sha256"] in flat
            html = (out / "reconciliation-1" / f"reconciliation-1.{lang}.html").read_text()
            assert result["theirs"]["chain"]["ledger"]["hash"] in html


class TestBadStatementsAreRefusedAndNothingIsRecorded:
    def refused(self, lt: Centre, path: Path, *extra: str) -> str:
        before = count(lt.url, "reconciliation_records")
        result = lt("reconcile", str(path), *extra, expect=1)
        assert count(lt.url, "reconciliation_records") == before
        return str(result.stderr)

    def test_a_statement_for_another_home_state_is_refused(self, centres: tuple[Centre, Centre]) -> None:
        by, lt = centres
        assert "this centre's home state is PL" in self.refused(lt, export(by), "--home-state", "PL")

    def test_a_malformed_or_truncated_statement_is_refused(self, centres: tuple[Centre, Centre]) -> None:
        by, lt = centres
        data = export(by).read_bytes()
        cut = lt.file("cut.json")
        cut.write_bytes(data[: len(data) // 2])
        assert "truncated" in self.refused(lt, cut, "--home-state", "LT")
        cut.write_bytes(data.replace(b'"partner"', b'"partners"'))
        assert "partner missing" in self.refused(lt, cut, "--home-state", "LT")

    def test_a_statement_from_an_unknown_key_is_refused_naming_its_fingerprint(
        self, centres: tuple[Centre, Centre], tmp_path: Path
    ) -> None:
        by, _lt = centres
        statement = export(by)
        # A third database for Lithuania, which never registered Belarus's key.
        url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        run(url, "db", "upgrade")
        run(url, "agreements", "load")
        fingerprint = json.loads(statement.read_text())["signature"]["key"]
        result = run(url, "reconcile", str(statement), "--home-state", "LT", expect=1)
        assert "unknown key" in result.stderr
        assert fingerprint[:4] in result.stderr

    def test_an_agreement_not_in_force_between_the_two_is_refused(self, centres: tuple[Centre, Centre]) -> None:
        _by, lt = centres
        csv_form = lt.file("by-lv.csv")
        csv_form.write_text(
            "# csbm-statement-1\n# issuer: BY\n# partner: LT\n# period: 2019\n# agreements: by-lv-2004\n"
            "ref,agreement,activity,inspecting_state,receiving_state,requested_at,start,end,status\n",
            encoding="utf-8",
        )
        assert "by-lv-2004 is not in force between BY and LT" in self.refused(lt, csv_form, "--home-state", "LT")

    def test_the_csv_form_is_reconciled_marked_unsigned_with_quotas_counted_from_its_entries(
        self, centres: tuple[Centre, Centre]
    ) -> None:
        by, lt = centres
        export(by)
        result = lt("reconcile", str(by.file("by-lt-2019.csv")), "--home-state", "LT", "--json")
        assert result["signed"] is False
        assert result["form"] == "csv"
        assert result["summary"] == {"agreed": 2, "differs": 1, "only_ours": 1, "only_theirs": 2}
        disagreeing = [q["rule"] for q in result["quotas"] if not q["agrees"]]
        assert disagreeing == ["inspection.per_inspecting_state"]
        lt("reconciliation", "countersign", "1", "--out", str(lt.file("x.json")), "--key", str(lt.key), expect=1)

    def test_key_operations_are_for_admins_and_audited(self, centres: tuple[Centre, Centre]) -> None:
        by, lt = centres
        assert b"ENCRYPTED PRIVATE KEY" in by.key.read_bytes()
        assert lt.key.stat().st_mode & 0o777 == 0o600
        assert b"ENCRYPTED" not in lt.key.read_bytes()
        refused = by("keys", "list", expect=1)  # as by-officer
        assert "not an enabled admin account" in refused.stderr
        assert [k["state"] for k in by("keys", "list", "--json", user="admin")] == ["LT", "BY"]
        actions = count(by.url, "audit_log", "WHERE action IN ('key.create', 'key.export', 'key.import')")
        assert actions == 3
