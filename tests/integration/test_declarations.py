"""Declarations as the annual exchange delivers them: one CSV, imported all or nothing, exported back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db.session import make_engine
from tests.integration.cli_helpers import csbm

HEADER = "state,year,name,value,source"


@pytest.fixture
def loaded(database_url: str) -> str:
    csbm(database_url, "agreements", "load")
    return database_url


def write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "aemi.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


class TestImporting:
    def test_a_file_is_imported_then_unchanged_then_a_changed_figure_is_a_revision(
        self, loaded: str, tmp_path: Path
    ) -> None:
        first = write(tmp_path, "BY,2025,units,170,AEMI 2024", "BY+RU,2025,passive_quota,42,", "LT,2025,units,45,")
        assert csbm(loaded, "declarations", "import", str(first), "--json") == {
            "created": 3,
            "revised": 0,
            "unchanged": 0,
        }
        assert csbm(loaded, "declarations", "import", str(first), "--json") == {
            "created": 0,
            "revised": 0,
            "unchanged": 3,
        }
        second = write(tmp_path, "BY,2025,units,171,AEMI 2024 (corrected)", "LT,2025,units,45,", name="v2.csv")
        assert csbm(loaded, "declarations", "import", str(second), "--user", "officer-b", "--json") == {
            "created": 0,
            "revised": 1,
            "unchanged": 1,
        }
        assert csbm(loaded, "declarations", "--state", "BY", "--json") == [
            {"state": "BY", "year": 2025, "name": "units", "value": 171, "source": "AEMI 2024 (corrected)"}
        ]
        assert csbm(loaded, "declarations", "--state", "BY+RU", "--json")[0]["value"] == 42
        revisions = rows(loaded, "SELECT value, recorded_by FROM declaration_revisions ORDER BY seq")
        assert [value for value, _ in revisions] == [170, 42, 45, 171]
        assert revisions[-1][1] == "officer-b"

    def test_each_import_is_audited_like_a_ledger_import(self, loaded: str, tmp_path: Path) -> None:
        csbm(loaded, "declarations", "import", str(write(tmp_path, "BY,2025,units,170,")), "--user", "officer-a")
        audited = rows(loaded, "SELECT \"user\", target, after FROM audit_log WHERE action = 'declarations.import'")
        assert [(user, target, json.loads(str(after))) for user, target, after in audited] == [
            ("officer-a", "aemi.csv", {"created": 1, "revised": 0, "unchanged": 0})
        ]

    def test_an_export_imports_back_as_no_change(self, loaded: str, tmp_path: Path) -> None:
        csbm(
            loaded,
            "declarations",
            "import",
            str(write(tmp_path, 'BY,2025,units,170,"AEMI, 2024"', "PL,2026,units,320,")),
        )
        exported = tmp_path / "out.csv"
        csbm(loaded, "declarations", "export", str(exported))
        assert exported.read_text(encoding="utf-8") == f'{HEADER}\nBY,2025,units,170,"AEMI, 2024"\nPL,2026,units,320,\n'
        assert csbm(loaded, "declarations", "import", str(exported), "--json")["unchanged"] == 2
        assert csbm(loaded, "declarations", "export", "-").stdout == exported.read_text(encoding="utf-8")


class TestRefusing:
    @pytest.mark.parametrize(
        ("row", "column", "message"),
        [
            ("XX,2025,units,1,", "state", "unknown state or group 'XX'"),
            ("BY+XX,2025,units,1,", "state", "unknown state or group 'BY+XX'"),
            ("BY,20x5,units,1,", "year", "'20x5' is not a whole number"),
            ("BY,1850,units,1,", "year", "year 1850 is out of range"),
            ("BY,2025,Units!,1,", "name", "'Units!' is not a declaration name"),
            ("BY,2025,units,1.5,", "value", "'1.5' is not a whole number"),
            ("BY,2025,units,-5,", "value", "value -5 is negative"),
            ("BY,2025,,1,", "name", "is required"),
            ("BY,2025,units", "row", "the row has 3 cells; the header has 5"),
        ],
    )
    def test_each_bad_row_is_named_with_its_line_and_column_and_nothing_is_written(
        self, loaded: str, tmp_path: Path, row: str, column: str, message: str
    ) -> None:
        path = write(tmp_path, "LT,2025,units,45,", row, "LV,2025,units,30,")
        result = csbm(loaded, "declarations", "import", str(path), expect=1)
        assert f"{path}:3: {column}: " in result.stderr
        assert message in result.stderr
        assert f"{path}: nothing was imported (1 error(s))" in result.stderr
        assert csbm(loaded, "declarations", "--json") == []

    def test_every_bad_row_is_reported_and_a_figure_given_twice_must_agree(self, loaded: str, tmp_path: Path) -> None:
        path = write(tmp_path, "BY,2025,units,170,", "ZZ,2025,units,1,", "BY,2025,units,170,", "BY,2025,units,171,")
        stderr = csbm(loaded, "declarations", "import", str(path), expect=1).stderr
        assert f"{path}:3: state: unknown state or group 'ZZ'" in stderr
        assert f"{path}:5: value: BY 2025 units already appears on line 2 with another value" in stderr
        assert f"{path}:4:" not in stderr  # the same figure again is no error

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"state,year,name\nBY,2025,units\n", ":1: header: missing column(s) value"),
            (b"state,year,name,value,remark\nBY,2025,units,1,x\n", ":1: header: unknown column(s) remark"),
            (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV file"),
            (b"\xff\xfe garbage", "not UTF-8"),
            (b"", "the file is empty"),
        ],
    )
    def test_a_bad_header_or_a_file_that_is_no_csv_gets_one_line(
        self, loaded: str, tmp_path: Path, content: bytes, message: str
    ) -> None:
        (tmp_path / "aemi.csv").write_bytes(content)
        stderr = csbm(loaded, "declarations", "import", str(tmp_path / "aemi.csv"), expect=1).stderr
        assert stderr.startswith(f"{tmp_path / 'aemi.csv'}")
        assert message in stderr.splitlines()[0]
        assert "Traceback" not in stderr
