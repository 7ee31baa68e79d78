"""Compliance reports: content, reproducibility, filing, and every format."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from app.db.session import make_engine, transaction
from app.domain.report import parse_period
from app.reporting.labels import LABELS
from app.services.reports import generate_report
from tests.builders import ROOT
from tests.integration.cli_helpers import csbm

FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = FIXTURES / "golden" / "report-2025Q2.json"
FIXED = dt.datetime(2026, 1, 2, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def ledger(database_url: str) -> str:
    csbm(database_url, "agreements", "load")
    csbm(database_url, "declare", "BY", "2025", "units", "170")
    csbm(database_url, "ledger", "import", str(FIXTURES / "report-ledger.csv"))
    return database_url


def generate(url: str, out: Path, period: str, formats: list[str], langs: list[str], **kw: Any) -> Any:
    engine = make_engine(url)
    try:
        with transaction(engine) as session:
            return generate_report(
                session,
                parse_period(period),
                formats=formats,
                languages=langs,
                out=out,
                generated_at=kw.pop("at", FIXED),
                **kw,
            )
    finally:
        engine.dispose()


def without_generated_at(data: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(data)
    parsed.pop("generated_at")
    return parsed


class TestReportContent:
    def test_the_json_report_matches_the_golden_file(self, ledger: str, tmp_path: Path) -> None:
        written = generate(ledger, tmp_path, "2025Q2", ["json"], ["en"])
        data = json.loads((written.folder / "en" / "report.json").read_bytes())
        # The chain heads hash the recording times, which differ at every run; they are
        # checked against the database instead (tests/integration/test_integrity.py).
        chain = data.pop("chain")
        assert set(chain) == {"ledger", "declarations", "reconciliations"}
        assert chain["ledger"]["seq"] == 8
        assert chain["declarations"]["seq"] == 1
        produced = (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()
        if os.environ.get("CSBM_UPDATE_GOLDEN"):
            GOLDEN.write_bytes(produced)
        assert produced == GOLDEN.read_bytes()

    def test_the_json_report_has_exactly_the_documented_shape_and_period_content(
        self, ledger: str, tmp_path: Path
    ) -> None:
        csbm(ledger, "report", "--period", "2025Q2", "--format", "json", "--out", str(tmp_path))
        data = json.loads((tmp_path / "2025Q2" / "en" / "report.json").read_text())
        # The documented shape (docs/semantics.md section 6), plus the chain heads issue 6 asks every report to carry.
        assert set(data) == {"period", "generated_at", "input_sha256", "quotas", "entries", "findings", "chain"}
        assert data["period"] == {"start": "2025-04-01", "end": "2025-06-30", "label": "2025Q2"}
        assert [e["ref"] for e in data["entries"]] == ["G-Q2-INS-LATE", "G-Q2-EV", "G-Q2-REFUSED", "G-Q2-CX"]
        assert {f["entry_ref"] for f in data["findings"]} <= {e["ref"] for e in data["entries"]}
        assert {(f["code"], f["entry_ref"]) for f in data["findings"]} == {
            ("late_reply", "G-Q2-INS-LATE"),
            ("refused_within_quota", "G-Q2-REFUSED"),
        }
        passive = next(q for q in data["quotas"] if q["rule"] == "inspection.passive" and q["receiving_state"] == "BY")
        assert (passive["used"], passive["pending"]) == (2, 0)  # Q1 and Q2, not Q3

    def test_a_year_report_counts_the_whole_year(self, ledger: str, tmp_path: Path) -> None:
        written = generate(ledger, tmp_path, "2025", ["json"], ["en"])
        data = json.loads((written.folder / "en" / "report.json").read_text())
        passive = next(q for q in data["quotas"] if q["rule"] == "inspection.passive" and q["receiving_state"] == "BY")
        assert (passive["used"], passive["pending"]) == (3, 1)
        assert len(data["entries"]) == 8

    def test_regenerating_gives_the_same_bytes_apart_from_generated_at(self, ledger: str, tmp_path: Path) -> None:
        first = generate(ledger, tmp_path / "a", "2025Q2", ["json"], ["en", "ru"])
        second = generate(ledger, tmp_path / "b", "2025Q2", ["json"], ["en", "ru"], at=FIXED + dt.timedelta(days=3))
        for lang in ("en", "ru"):
            one = (first.folder / lang / "report.json").read_bytes()
            two = (second.folder / lang / "report.json").read_bytes()
            assert one != two
            assert without_generated_at(one) == without_generated_at(two)

    def test_a_home_state_report_keeps_only_what_concerns_that_state(self, ledger: str, tmp_path: Path) -> None:
        written = generate(ledger, tmp_path, "2025Q2", ["json"], ["en"], home_state="LT")
        assert written.folder.name == "2025Q2-LT"
        data = json.loads((written.folder / "en" / "report.json").read_text())
        assert [e["ref"] for e in data["entries"]] == ["G-Q2-REFUSED", "G-Q2-CX"]
        assert all("LT" in (q["receiving_state"] or "", q["inspecting_state"] or "") for q in data["quotas"])


class TestFilingReports:
    def test_unchanged_inputs_write_nothing_and_changed_inputs_write_a_new_revision(
        self, ledger: str, tmp_path: Path
    ) -> None:
        first = generate(ledger, tmp_path, "2025Q2", ["json", "csv"], ["en"])
        before = {p: p.read_bytes() for p in first.folder.rglob("*") if p.is_file()}
        again = generate(ledger, tmp_path, "2025Q2", ["json", "csv"], ["en"], at=FIXED + dt.timedelta(hours=5))
        assert again.written == []
        assert {p: p.read_bytes() for p in first.folder.rglob("*") if p.is_file()} == before
        csbm(
            ledger,
            "ledger",
            "add",
            "--ref",
            "G-Q2-NEW",
            "--agreement",
            "vd2011",
            "--activity",
            "inspection",
            "--inspecting-state",
            "NL",
            "--receiving-state",
            "BY",
            "--requested-at",
            "2025-06-01",
            "--start",
            "2025-06-15",
            "--end",
            "2025-06-16",
            "--status",
            "conducted",
        )
        revised = generate(ledger, tmp_path, "2025Q2", ["json"], ["en"])
        assert revised.folder.name == "2025Q2-r2"
        assert {p: p.read_bytes() for p in first.folder.rglob("*") if p.is_file()} == before

    def test_the_manifest_lists_every_file_with_its_hash(self, ledger: str, tmp_path: Path) -> None:
        import hashlib

        written = generate(ledger, tmp_path, "2025Q2", ["json", "csv", "xlsx", "html"], ["en", "ru"])
        manifest = json.loads((written.folder / "manifest.json").read_text())
        assert manifest["input_sha256"]
        assert manifest["chain_format"] == "csbm-chain-1"
        assert manifest["generated_at"] == FIXED.isoformat()
        files = {str(p.relative_to(written.folder)) for p in written.folder.rglob("*") if p.is_file()} - {
            "manifest.json"
        }
        assert set(manifest["files"]) == files
        for name, meta in manifest["files"].items():
            assert hashlib.sha256((written.folder / name).read_bytes()).hexdigest() == meta["sha256"]
        assert not list(written.folder.rglob("*.part"))

    def test_asking_for_another_format_later_adds_it_beside_the_filed_ones(self, ledger: str, tmp_path: Path) -> None:
        generate(ledger, tmp_path, "2025Q2", ["json"], ["en"])
        added = generate(ledger, tmp_path, "2025Q2", ["csv"], ["en"])
        assert added.folder.name == "2025Q2"
        assert sorted(added.written) == ["en/entries.csv", "en/findings.csv", "en/quotas.csv"]


class TestFormats:
    def test_csv_files_have_headers_and_every_quota_row(self, ledger: str, tmp_path: Path) -> None:
        written = generate(ledger, tmp_path, "2025Q2", ["csv", "json"], ["en"])
        quotas = list(csv.DictReader(io.StringIO((written.folder / "en" / "quotas.csv").read_text("utf-8"))))
        data = json.loads((written.folder / "en" / "report.json").read_text())
        assert len(quotas) == len(data["quotas"])
        entries = list(csv.DictReader(io.StringIO((written.folder / "en" / "entries.csv").read_text("utf-8"))))
        assert [e["ref"] for e in entries] == [e["ref"] for e in data["entries"]]

    def test_xlsx_has_typed_cells_frozen_headers_filters_and_negative_highlighting(
        self, ledger: str, tmp_path: Path
    ) -> None:
        written = generate(ledger, tmp_path, "2025", ["xlsx"], ["en"])
        book = load_workbook(written.folder / "en" / "report.xlsx")
        assert book.sheetnames == ["Summary", "quotas", "entries", "findings"]
        quotas, entries = book["quotas"], book["entries"]
        assert quotas.freeze_panes == "A2"
        assert entries.freeze_panes == "A2"
        assert quotas.auto_filter.ref
        assert quotas.auto_filter.ref.startswith("A1:")
        header = [c.value for c in quotas[1]]
        first = dict(zip(header, (c.value for c in quotas[2]), strict=True))
        assert isinstance(first["period_start"], dt.datetime | dt.date)
        assert isinstance(first["used"], int)
        rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in quotas.iter_rows(min_row=2)]
        assert any(isinstance(r["remaining"], int) and r["remaining"] < 0 for r in rows)
        assert len(quotas.conditional_formatting) == 1
        start = entries.cell(row=2, column=8).value
        assert isinstance(start, dt.datetime)

    def test_html_is_one_self_contained_file_with_inline_svg_charts(self, ledger: str, tmp_path: Path) -> None:
        written = generate(ledger, tmp_path, "2025Q2", ["html"], ["en"], home_state="BY")
        html = (written.folder / "en" / "report.html").read_text()
        assert "<svg" in html
        assert "<script" not in html
        assert "http://" not in html
        assert "https://" not in html
        assert "What Belarus must still accept" in html

    @pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
    def test_pdf_pages_render_and_the_russian_pdf_has_cyrillic_headings(self, ledger: str, tmp_path: Path) -> None:
        written = generate(ledger, tmp_path, "2025Q2", ["pdf"], ["en", "ru"], home_state="BY")
        english = subprocess.run(
            ["pdftotext", str(written.folder / "en" / "report.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        russian = subprocess.run(
            ["pdftotext", str(written.folder / "ru" / "report.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Compliance report: 2025Q2" in english
        assert "Quota summary" in english
        assert "Отчёт о соблюдении: 2025Q2" in russian
        assert "Сводка по квотам" in russian
        assert "Page 1 /" in english
        assert "Страница 1 /" in russian
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "40",
                "-f",
                "1",
                "-l",
                "1",
                "-png",
                str(written.folder / "ru" / "report.pdf"),
                str(tmp_path / "page"),
            ],
            check=True,
        )
        [png] = tmp_path.glob("page*.png")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 2000

    def test_the_russian_report_leaves_no_english_label_untranslated(self, ledger: str, tmp_path: Path) -> None:
        written = generate(ledger, tmp_path, "2025Q2", ["html"], ["ru"], home_state="BY")
        html = (written.folder / "ru" / "report.html").read_text()
        assert "Сводка по квотам" in html
        left = [label for label in LABELS.values() if f">{label}<" in html]
        assert left == []


class TestReportCommand:
    def test_report_writes_the_requested_formats_and_refuses_unknown_ones(self, ledger: str, tmp_path: Path) -> None:
        result = csbm(
            ledger,
            "report",
            "--period",
            "2025Q2",
            "--format",
            "json,csv",
            "--lang",
            "ru",
            "--out",
            str(tmp_path),
            "--json",
        )
        assert result["folder"].endswith("2025Q2")
        assert "ru/report.json" in result["written"]
        assert (
            "--format"
            in csbm(ledger, "report", "--period", "2025Q2", "--format", "docx", "--out", str(tmp_path), expect=2).stderr
        )
        assert (
            "--period"
            in csbm(ledger, "report", "--period", "2025Q5", "--format", "json", "--out", str(tmp_path), expect=2).stderr
        )
