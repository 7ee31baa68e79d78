"""Hostile input: any input ends in success or in a clean, located error.

Never a traceback, never a partial write. The budget per test is
CSBM_FUZZ_EXAMPLES (default 150 in `make test`; `make soak` runs thousands).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from typer.testing import CliRunner

from app.catalog.loader import CatalogError, parse_agreement
from app.cli import app
from app.db.migrate import shipped_path
from app.db.session import make_engine
from app.domain.formula import FormulaError, parse_formula
from app.domain.ledger import LEDGER_COLUMNS
from tests.builders import csv_row

EXAMPLES = int(os.environ.get("CSBM_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
runner = CliRunner()

# ---- the ledger CSV importer -------------------------------------------------------

VALID = csv_row("OK-1").split(",")
cells = st.one_of(
    st.sampled_from(["", "BY", "DE", "vd2011", "cfe", "inspection", "conducted", "refused", "2025-05-05"]),
    st.sampled_from(["2025-13-40", "2025-05-05T25:00", "-1", "NaN", "1e9", "x" * 10_050, "ZZ", "\x00", "=cmd|' /C'!"]),
    st.text(max_size=30),
)
headers = st.one_of(
    st.just(list(LEDGER_COLUMNS)),
    st.permutations(list(LEDGER_COLUMNS)),
    st.lists(st.sampled_from([*LEDGER_COLUMNS, "bogus", "", "ref"]), max_size=16),
)
LOCATED = re.compile(r"^\S+?(:\d+)?: ")


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def ledger_counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return (
                conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one(),
                conn.execute(text("SELECT count(*) FROM entry_revisions")).scalar_one(),
            )
    finally:
        engine.dispose()


def import_file(url: str, path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["ledger", "import", str(path), "--database-url", url], catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stderr


@given(data=st.binary(max_size=600))
@FUZZ
def test_any_bytes_import_cleanly_or_not_at_all(ledger_db: str, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    before = ledger_counts(ledger_db)
    code, stderr = import_file(ledger_db, path)
    assert code in (0, 1)
    if code == 1:
        assert ledger_counts(ledger_db) == before
        assert all(LOCATED.match(line) for line in stderr.strip().splitlines()), stderr


@given(
    header=headers,
    rows=st.lists(st.lists(cells, min_size=0, max_size=16), max_size=6),
    good=st.integers(0, 3),
)
@FUZZ
def test_hostile_rows_are_each_located_and_nothing_is_written(
    ledger_db: str, tmp_path: Path, header: list[str], rows: list[list[str]], good: int
) -> None:
    # Good rows first, so a file that fails would have written something if the
    # import were not all-or-nothing.
    body = [[f"G-{i}", *VALID[1:]] for i in range(good)] + rows
    path = tmp_path / "fuzz.csv"
    path.write_text(csv_text(header, body), encoding="utf-8")
    before = ledger_counts(ledger_db)
    code, stderr = import_file(ledger_db, path)
    assert code in (0, 1)
    if code == 1:
        assert ledger_counts(ledger_db) == before
        lines = stderr.strip().splitlines()
        assert lines
        assert all(line.startswith(str(path)) for line in lines), stderr


# ---- the agreement loader ------------------------------------------------------------

SHIPPED = {p.name: p.read_text(encoding="utf-8") for p in sorted(shipped_path("agreements").glob("*.yaml"))}
yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.text(max_size=20),
    st.sampled_from(["!!python/object/apply:os.system ['true']", "{{", "&a [*a]", "1/0", "ceil(", "2099-02-30"]),
)


def catalog_problems(content: str, name: str) -> list[str] | None:
    """None when the file loads; else each problem as located text (only CatalogError may escape)."""
    try:
        parse_agreement(content, name)
    except CatalogError as exc:
        return [str(issue) for issue in exc.issues]
    return None


def mutate(node: object, path: list[int], value: object) -> object:
    """Replace the node reached by following ``path`` (indices into mappings/lists) with ``value``."""
    if not path:
        return value
    if isinstance(node, dict) and node:
        key = sorted(node, key=str)[path[0] % len(node)]
        return {**node, key: mutate(node[key], path[1:], value)}
    if isinstance(node, list) and node:
        i = path[0] % len(node)
        return [*node[:i], mutate(node[i], path[1:], value), *node[i + 1 :]]
    return value


@given(
    name=st.sampled_from(sorted(SHIPPED)),
    path=st.lists(st.integers(0, 50), min_size=1, max_size=6),
    value=yaml_scalars,
)
@FUZZ
def test_a_mutated_agreement_file_loads_or_names_what_is_wrong(name: str, path: list[int], value: object) -> None:
    document = yaml.safe_load(SHIPPED[name])
    hostile = yaml.safe_dump(mutate(document, path, value), allow_unicode=True, sort_keys=False)
    problems = catalog_problems(hostile, name)
    assert problems is None or problems
    assert all(p.startswith(name) for p in problems or [])


@given(content=st.text(max_size=400))
@FUZZ
def test_any_text_as_an_agreement_file_is_refused_cleanly(content: str) -> None:
    assert all(p.startswith("fuzz.yaml") for p in catalog_problems(content, "fuzz.yaml") or [])


@given(
    tag=st.sampled_from(["!!python/object/apply:os.system", "!!python/name:os.system", "!!python/object/new:os.system"])
)
@FUZZ
def test_yaml_tags_never_construct_objects(tag: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = SHIPPED["vd2011.yaml"].replace("legal_basis:", f"x: {tag} ['touch {marker}']\nlegal_basis:", 1)
    assert catalog_problems(hostile, "vd2011.yaml")
    assert not marker.exists()


# ---- the formula evaluator -------------------------------------------------------

formula_text = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.sampled_from(
            [
                "units",
                "oov",
                "(",
                ")",
                "+",
                "-",
                "*",
                "/",
                "ceil",
                "floor",
                "min",
                "max",
                "if",
                ",",
                "0",
                "1",
                "10**9",
                ".",
            ]
        ),
        max_size=30,
    ).map(" ".join),
)


@given(source=formula_text, units=st.integers(0, 10**6), oov=st.integers(0, 10**6))
@FUZZ
def test_any_formula_text_evaluates_or_is_refused_with_a_reason(source: str, units: int, oov: int) -> None:
    reason = None
    try:
        parse_formula(source).evaluate({"units": units, "oov": oov})
    except FormulaError as exc:
        reason = str(exc)
    assert reason is None or reason.strip()
