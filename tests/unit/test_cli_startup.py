"""The command line starts light: `csbm --help` imports no command module and nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from app.cli import COMMANDS, app

HEAVY = ("sqlalchemy", "pydantic", "pydantic_settings", "weasyprint", "openpyxl", "jinja2", "fastapi", "alembic")
REPORT = "import json, sys; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:]))))"


def imported_after(code: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter holds after running ``code``."""
    script = f"{code}\n{REPORT}"
    done = subprocess.run([sys.executable, "-c", script, *HEAVY], capture_output=True, text=True, check=True)
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_importing_the_cli_imports_nothing_heavy() -> None:
    assert imported_after("import app.cli") == []


def test_the_help_screen_imports_nothing_heavy_and_no_command_module() -> None:
    code = (
        "import sys\nsys.argv = ['csbm', '--help']\nfrom app.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.startswith('app.cli.') and m not in ('app.cli.lazy',)], sys.modules"
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
