"""The command line starts light: `csbm --help` imports no command module and nothing heavy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from app.cli import COMMANDS, app
from app.cli.help import help_screen

HEAVY = ("sqlalchemy", "pydantic", "pydantic_settings", "weasyprint", "openpyxl", "jinja2", "fastapi", "alembic")
REPORT = "import json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:]))))"


def imported_after(code: str, *also: str) -> list[str]:
    """The heavy top-level packages (and ``also``) a fresh interpreter holds after running ``code``."""
    script = f"{code}\n{REPORT}"
    done = subprocess.run([sys.executable, "-c", script, *HEAVY, *also], capture_output=True, text=True, check=True)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_importing_the_cli_imports_nothing_heavy() -> None:
    assert imported_after("import app.cli") == []


def test_importing_the_cli_imports_not_even_typer() -> None:
    assert imported_after("import app.cli", "typer") == []


def test_importtime_shows_none_of_the_heavy_packages() -> None:
    """What `python -X importtime -c "import app.cli"` lists, checked the way a reader checks it."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import app.cli"], capture_output=True, text=True, check=True
    )
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    assert "app" in imported
    assert not imported & {"sqlalchemy", "weasyprint", "openpyxl", "pydantic", "typer"}


@pytest.mark.parametrize("columns", ["80", "120"])
def test_the_quick_help_screen_is_the_one_typer_draws(columns: str) -> None:
    typer_draws = subprocess.run(
        [sys.executable, "-c", "from app.cli.root import run; run()", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": columns},
    )
    assert typer_draws.returncode == 0, typer_draws.stderr
    assert help_screen(COMMANDS) == typer_draws.stdout.replace("Usage: -c ", "Usage: csbm ")


@pytest.mark.parametrize(("args", "code"), [(["--help"], 0), ([], 2)])
def test_csbm_alone_or_with_help_answers_without_typer(args: list[str], code: int) -> None:
    script = (
        f"import sys\nsys.argv = ['csbm', *{args!r}]\nfrom app.cli import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == " + str(code) + "\n"
        "assert 'typer' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"}
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == help_screen(COMMANDS)


def test_a_narrow_terminal_gets_typers_own_wrapping() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "60"},
    )
    assert done.returncode == 0
    assert "Commands:" in done.stdout
    assert done.stdout != help_screen(COMMANDS)


def test_the_help_screen_imports_nothing_heavy_and_no_command_module() -> None:
    code = (
        "import sys\nsys.argv = ['csbm', '--help']\nfrom app.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "light = ('app.cli.lazy', 'app.cli.help', 'app.cli.root')\n"
        "assert not [m for m in sys.modules if m.startswith('app.cli.') and m not in light], sys.modules"
    )
    assert imported_after(code) == []


def test_the_help_screen_lists_every_command_with_its_help_line() -> None:
    shown = CliRunner().invoke(app, ["--help"]).stdout
    for name in COMMANDS:
        assert f"  {name} " in shown


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_help_line_is_its_commands_own(name: str) -> None:
    """The table is written by hand so that --help needs no import; it must not drift."""
    shown = CliRunner().invoke(app, [name, "--help"])
    assert shown.exit_code == 0, shown.stdout
    assert " ".join(COMMANDS[name].help.split()) in " ".join(shown.stdout.split())
