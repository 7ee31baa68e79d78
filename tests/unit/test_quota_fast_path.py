"""A quick `csbm quota` (app/cli/quick_quota.py) answers byte for byte as Typer's path does.

The quick path runs without Typer, SQLAlchemy, pydantic, PyYAML or rich; where it cannot
be sure of the same answer it leaves the command to the general path. Both are run here
as fresh processes on the demo database, for answers, for each kind of refusal and for
the cases the quick path hands on.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from app.cli import app, plain_table
from app.cli import quick_quota as quick_quota_module
from app.cli.output import markup, rich_table
from app.cli.plain_table import PIPE_WIDTH, plain_output
from app.cli.quick_quota import QuotaOptions, parse
from app.cli.quota_view import Cell, Column, Line, TableView
from app.db.migrate import upgrade
from app.db.session import make_engine

HEAVY = ("typer", "click", "sqlalchemy", "pydantic", "yaml", "rich")
# The quick path's process; it ends its standard error with the heavy packages it imported.
QUICK = f"""import json, sys
from app.cli import main
try:
    main()
finally:
    sys.stderr.write(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"""
GENERAL = "from app.cli.root import run\nrun()"


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The processes' environment: their own agreement cache, no forced colours."""
    kept = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "CSBM_DATABASE_URL")}
    return {**kept, "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache"))}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, environment: dict[str, str]) -> str:
    """The demo database; loading its agreements keeps them in the processes' cache."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", environment["XDG_CACHE_HOME"])
        for args in (["agreements", "load"], ["demo"]):
            done = CliRunner().invoke(app, [*args, "--database-url", url], catch_exceptions=False)
            assert done.exit_code == 0, done.stdout
    return url


def csbm(script: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script, "quota", *args], capture_output=True, text=True, env=env)


def both(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """The general path's answer, once the quick path has been seen to give the same; and
    which heavy packages the quick path imported."""
    general = csbm(GENERAL, args, env)
    quick = csbm(QUICK, args, env)
    marker = quick.stderr.rindex("[")
    heavy: list[str] = json.loads(quick.stderr[marker:])
    assert (quick.stdout, quick.stderr[:marker], quick.returncode) == (
        general.stdout,
        general.stderr,
        general.returncode,
    )
    return general, heavy


SERVED = [
    ["--year", "2025", "--state", "BY"],
    ["--state", "PL", "--year=2025", "--all"],
    ["--year", "2024", "--state", "PL", "--agreement", "vd2011"],
    ["--year", "2025", "--json"],
    ["--year", "2025", "--state", "BY", "--json", "--all"],
    ["--year", "2019", "--state", "LT", "--agreement", "by-lt-2001"],
]


@pytest.mark.parametrize("args", SERVED)
def test_the_quick_path_answers_alone_as_the_general_path_does(
    args: list[str], demo: str, environment: dict[str, str]
) -> None:
    general, heavy = both([*args, "--database-url", demo], environment)
    assert general.returncode == 0
    assert general.stdout
    assert heavy == []


def test_a_table_only_rich_lays_out_is_drawn_by_rich_with_the_same_rows(demo: str, environment: dict[str, str]) -> None:
    """Without a state the table is wider than the console: rich folds its columns."""
    general, heavy = both(["--year", "2025", "--database-url", demo], environment)
    assert general.returncode == 0
    assert heavy == ["rich"]


def test_forced_colours_are_drawn_by_rich(demo: str, environment: dict[str, str]) -> None:
    general, heavy = both(
        ["--year", "2025", "--state", "BY", "--database-url", demo], {**environment, "FORCE_COLOR": "1"}
    )
    assert "\x1b[" in general.stdout
    assert heavy == ["rich"]


@pytest.mark.parametrize(
    "args",
    [
        ["--year", "2025", "--state", "XX"],
        ["--year", "1800"],
        ["--year", "2025", "--agreement", "nope"],
        ["--year", "twenty"],
        ["--year", "2025", "--state"],
        ["--year", "2025", "--colour"],
        ["--year", "2025", "--year", "2024"],
        ["--as-of", "2025-06-01", "--state", "BY"],
        ["--as-of", "not-a-date"],
        ["--help"],
    ],
)
def test_refusals_and_other_forms_are_the_general_paths(
    args: list[str], demo: str, environment: dict[str, str]
) -> None:
    both([*args, "--database-url", demo], environment)


def test_a_missing_or_empty_database_is_the_general_paths(tmp_path: Path, environment: dict[str, str]) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    general, _ = both(["--database-url", f"sqlite:///{empty}"], environment)
    assert general.returncode == 1
    assert "not set up" in general.stderr
    general, _ = both(["--database-url", f"sqlite:///{tmp_path / 'none' / 'x.sqlite3'}"], environment)
    assert general.returncode == 1


def test_a_database_with_no_agreements_warns_as_before(tmp_path: Path, environment: dict[str, str]) -> None:
    url = f"sqlite:///{tmp_path / 'bare.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    general, _ = both(["--state", "BY", "--database-url", url], environment)
    assert "no agreements are loaded" in general.stderr


def test_the_database_url_may_come_from_the_environment(demo: str, environment: dict[str, str]) -> None:
    _, heavy = both(["--year", "2025", "--state", "BY"], {**environment, "CSBM_DATABASE_URL": demo})
    assert heavy == []


def test_options_are_read_as_click_reads_them_or_left_to_it() -> None:
    assert parse(["--year", "2025", "--state=BY", "--all"]) == QuotaOptions(year=2025, state="BY", show_all=True)
    assert parse(["--state", "", "--json"]) == QuotaOptions(state="", as_json=True)
    for refused in (["--all=1"], ["--year", "-1"], ["--year", "٣"], ["--json", "--json"], ["--as-of", "2025"], ["x"]):
        assert parse(refused) is None


_WORDS = st.text(st.sampled_from("abcXYZ019 -.&?/():éБЎі"), max_size=30)  # what quota tables hold
_ANY = st.text(st.characters(min_codepoint=32, max_codepoint=126) | st.sampled_from("é—\t:[]\\"), max_size=30)


@st.composite
def _views(draw: st.DrawFn) -> TableView:
    """A table of quota-like words, or (half the time) of any text, markup and tabs included."""
    text = draw(st.sampled_from([_WORDS, _ANY]))
    cell = st.builds(Cell, text, st.sampled_from([None, "dim", "yellow", "red"]), st.booleans())
    justify = st.sampled_from(["left", "right"])
    column = st.builds(
        Column,
        text.filter(bool),
        justify,
        st.booleans(),
        st.sampled_from(["ellipsis", "fold"]),
        st.none() | st.integers(0, 14),
    )
    columns = draw(st.lists(column, min_size=1, max_size=9))
    rows = draw(st.lists(st.lists(cell, min_size=len(columns), max_size=len(columns)), max_size=6))
    return TableView(draw(text), columns, rows)


_TEXT = _WORDS | _ANY


def rich_draws(sections: list[TableView | Line]) -> str:
    stream = io.StringIO()
    console = Console(width=PIPE_WIDTH, file=stream)
    for section in sections:
        if isinstance(section, Line):
            console.print(markup(Cell(section.text, section.style)))
        else:
            console.print(rich_table(section))
    return stream.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(_views() | st.builds(Line, _TEXT, st.sampled_from([None, "dim"])), max_size=3))
def test_the_plain_table_is_what_rich_draws_to_a_pipe(sections: list[TableView | Line]) -> None:
    drawn = plain_output(sections)
    if drawn is not None:
        assert drawn == rich_draws(sections)


def test_what_the_plain_table_takes_for_one_cell_rich_measures_as_one() -> None:
    for character in plain_table._NARROW:
        if character.isprintable():
            assert cell_len(character) == 1, hex(ord(character))


def test_plain_tables_are_drawn_for_ordinary_quota_text() -> None:
    columns = [Column("agreement", no_wrap=True), Column("used", justify="right"), Column("remaining", min_width=12)]
    view = TableView("What BY must still accept", columns, [[Cell("vd2011"), Cell("3"), Cell("0 of 1 left", "dim")]])
    sections: list[TableView | Line] = [view, TableView("Empty", columns, []), Line("2 rows are hidden.", "dim")]
    drawn = plain_output(sections)
    assert drawn is not None
    assert drawn == rich_draws(sections)


def test_the_quick_json_is_the_documented_shape(demo: str, environment: dict[str, str]) -> None:
    general, _ = both(["--year", "2025", "--state", "BY", "--json", "--database-url", demo], environment)
    rows = json.loads(general.stdout)
    assert rows
    assert {"agreement", "remaining", "used"} <= set(rows[0])


def test_ctrl_c_ends_the_quick_path_as_typer_ends_the_general_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(args: list[str]) -> int | None:
        raise KeyboardInterrupt

    monkeypatch.setattr(quick_quota_module, "_quick", interrupted)
    assert quick_quota_module.quick_quota(["--year", "2025"]) == 130
    assert capsys.readouterr() == ("", "")
