from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from app.cli import app

runner = CliRunner()


def csbm(url: str, *args: str, expect: int = 0) -> Any:
    """Run the CLI in-process against ``url``; parse JSON output when --json is given."""
    result = runner.invoke(app, [*args, "--database-url", url], catch_exceptions=False)
    assert result.exit_code == expect, f"exit {result.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    if "--json" in args and expect == 0:
        return json.loads(result.stdout)
    return result
