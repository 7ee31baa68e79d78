"""One line for a person, or the JSON shape, written without rich where rich would write the same.

Importing rich is about a tenth of what a command such as ``csbm ledger import`` costs
before it reads a row, for a summary line a pipe shows as written. The line goes through
rich's console (app/cli/output.py) only where it could show otherwise: a terminal, markup,
a line the console would fold (app/cli/plain_table.py decides which).
"""

from __future__ import annotations

import sys

from app.cli.plain_table import plain_output
from app.cli.quota_view import Line, print_json


def say(text: str) -> None:
    """What ``console.print(text)`` prints."""
    plain = plain_output([Line(text)])
    if plain is None:
        from app.cli.output import console

        console.print(text)
    else:
        sys.stdout.write(plain)


def emit(as_json: bool, data: object, text: str) -> None:
    """The documented JSON shape with --json, else one line for a person."""
    if as_json:
        print_json(data)
    else:
        say(text)
