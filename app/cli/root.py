"""The Typer application of the ``csbm`` command line, over the table in app/cli/__init__.py."""

from __future__ import annotations

import sys

import typer

from app.cli import COMMANDS
from app.cli.help import DESCRIPTION
from app.cli.lazy import EXIT_BAD_INPUT, LazyGroup, error
from app.domain.errors import DomainError


class Csbm(LazyGroup):
    table = COMMANDS


app = typer.Typer(
    cls=Csbm, help=DESCRIPTION, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_show_locals=False
)


@app.callback()
def csbm() -> None:
    """csbm: compliance tracker for confidence- and security-building measures."""


def run() -> None:
    try:
        app()
    except DomainError as exc:
        # A domain rule refused something outside any command: say what, not how.
        error(f"csbm: {exc}")
        sys.exit(EXIT_BAD_INPUT)
