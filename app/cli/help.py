"""``csbm --help`` without Typer: the top-level help screen, written from the command table.

Importing Typer (and the Click inside it) takes most of the time a bare ``csbm --help``
would; this module needs only the standard library. It draws the screen exactly as
Typer would at the usual width (tests/unit/test_cli_startup.py compares the two);
on a narrower terminal, where Typer wraps otherwise, Typer draws it.
"""

from __future__ import annotations

import os
import sys

DESCRIPTION = "csbm: compliance tracker for confidence- and security-building measures."
WIDTH = 78  # Click's formatter: the terminal's width up to 80, less 2
_OPTIONS = """Options:
  --install-completion  Install completion for the current shell.
  --show-completion     Show completion for the current shell, to copy it or
                        customize the installation.
  --help                Show this message and exit.
"""


class Lazy:
    """A command (or group) named in the top-level table: where it lives and its help line.

    A plain class: dataclasses pulls in inspect and re, a tenth of what --help costs."""

    __slots__ = ("help", "module")

    def __init__(self, module: str, help: str) -> None:
        self.module, self.help = module, help


def quick_help(args: list[str], table: dict[str, Lazy]) -> int | None:
    """Print the help screen for ``csbm`` or ``csbm --help`` and return the exit code
    (2 without arguments, as Typer does); None when Typer must answer."""
    if args not in ([], ["--help"]) or _columns() < WIDTH + 2:
        return None
    sys.stdout.write(help_screen(table))
    return 2 if not args else 0


def help_screen(table: dict[str, Lazy]) -> str:
    name_width = max(len(name) for name in table)
    limit = WIDTH - 6 - name_width
    rows = "".join(f"  {name:<{name_width}}  {short_help(lazy.help, limit)}\n" for name, lazy in table.items())
    return f"Usage: csbm [OPTIONS] COMMAND [ARGS]...\n\n  {DESCRIPTION}\n\n{_OPTIONS}\nCommands:\n{rows}"


def short_help(text: str, limit: int) -> str:
    """Click's short help: the first sentence if it fits, else the words that fit and "..."."""
    words = text.split("\n\n")[0].split()
    total = 0
    for i, word in enumerate(words):
        total += len(word) + (i > 0)
        if total > limit:
            break
        if word.endswith("."):
            return " ".join(words[: i + 1])
        if total == limit and i != len(words) - 1:
            break
    else:
        return " ".join(words)
    total += len("...")
    while i > 0:
        total -= len(words[i]) + 1
        if total <= limit:
            break
        i -= 1
    return " ".join(words[:i]) + "..."


def _columns() -> int:
    """The terminal's width as Click reads it (shutil.get_terminal_size, without importing shutil)."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns if sys.__stdout__ else 80
    except (AttributeError, ValueError, OSError):
        return 80
