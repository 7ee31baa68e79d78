"""What a Markdown page in docs/ refers to, and whether it exists: ``csbm`` commands and web pages.

A page names a command in code: a fenced block or an inline span, e.g. ``csbm quota --state BY``
(also after ``sudo``, ``VAR=value``, ``&&``, ``;`` or ``|``, or as ``/opt/csbm/bin/csbm``). The
command must exist in the CLI, each of its subcommands too, and every ``--option`` given must be
one of that command's. Placeholders (``FILE``, ``[--json]``, ``...``) are fine.

A page names a web page as an inline code span holding only a path (`` `/ledger` ``), as a
link to a path (``[the ledger](/ledger)``), or as an http(s) URL. Paths under the usual
filesystem roots (``/etc``, ``/opt``, ``/var``, ...) are files, not pages. Each page path must
match a route of the web app (``/entries/{ref}`` matches ``/entries/BY-2025-EV-03``).
"""

from __future__ import annotations

import re
import shlex
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import typer
from starlette.routing import Match
from typer import _click as click

from app.cli import app as cli_app
from app.config import Settings
from app.web.app import create_app

FILESYSTEM = {"bin", "boot", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc", "root", "run", "sbin"}
FILESYSTEM |= {"srv", "sys", "tmp", "usr", "var"}
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\]\((/[^)\s]*)\)")
_URL = re.compile(r"https?://[^/\s`)]+(/[^\s`)\"'>]*)?")
_SEPARATORS = {"&&", "||", ";", "|", "&"}


def code(markdown: str) -> Iterator[tuple[int, str]]:
    """(line number, text) for each line of a fenced block and each inline code span."""
    fenced = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            yield number, line
        else:
            for span in _INLINE.findall(line):
                yield number, span


def commands(markdown: str) -> list[tuple[int, list[str]]]:
    """Each csbm invocation with its arguments."""
    found = []
    for number, text in code(markdown):
        try:
            words = shlex.split(text, comments=True)
        except ValueError:
            continue  # an unbalanced quote: prose in code, not a command line
        for simple in _simple_commands(words):
            if simple and (simple[0] == "csbm" or simple[0].endswith("/bin/csbm")):
                found.append((number, simple[1:]))
    return found


def _simple_commands(words: list[str]) -> Iterator[list[str]]:
    current: list[str] = []
    for word in [*words, ";"]:
        if word in _SEPARATORS:
            yield _without_prefix(current)
            current = []
        else:
            current.append(word)


def _without_prefix(words: list[str]) -> list[str]:
    """Drop a prompt, VAR=value assignments, and sudo or env with their options."""
    while words:
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]) or words[0] in ("$", "#", "env"):
            words = words[1:]
        elif words[0] == "sudo":
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in ("-u", "-g") else words[1:]
        else:
            return words
    return words


def web_paths(markdown: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(markdown.splitlines(), start=1):
        candidates = [s for s in _INLINE.findall(line) if re.fullmatch(r"/\S*", s)]
        # A URL at the end of a sentence keeps the sentence's full stop out of its path.
        candidates += _LINK.findall(line) + [(m.group(1) or "/").rstrip(".,;:") or "/" for m in _URL.finditer(line)]
        for path in candidates:
            path = path.split("?")[0].split("#")[0]
            if path.strip("/").split("/")[0] not in FILESYSTEM:
                found.append((number, path))
    return found


@cache
def _cli() -> Any:
    # Typer's own copy of click: groups are known by their subcommands, not by class.
    return typer.main.get_command(cli_app)


def command_problem(args: list[str]) -> str | None:
    """Why ``csbm ARGS`` names no real command or option; None when it does.

    Groups are asked through click's own interface: the top level loads its commands lazily."""
    command, path = _cli(), ["csbm"]
    for position, word in enumerate(args):
        if hasattr(command, "get_command") and not word.startswith("-"):
            context = click.Context(command, info_name=path[-1])
            found = command.get_command(context, word)
            if found is None:
                known = ", ".join(sorted(command.list_commands(context)))
                return f"{' '.join(path)} {word}: no such command (known: {known})"
            command, path = found, [*path, word]
            continue
        return _option_problem(command, path, args[position:])
    return None


def _option_problem(command: Any, path: list[str], rest: list[str]) -> str | None:
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)} | {"--help"}
    for word in rest:
        for option in word.strip("[]").split("|"):
            name = option.split("=")[0]
            if name.startswith("--") and name != "--" and name not in known:
                return f"{' '.join(path)}: no option {name} (it has: {', '.join(sorted(known))})"
    return None


@cache
def _web() -> Any:
    # The app is only built and asked to route, never to answer: the database is not opened.
    return create_app(Settings(database_url=f"sqlite:///{tempfile.gettempdir()}/csbm-docs-routes.sqlite3"))


def path_problem(path: str) -> str | None:
    """None when a route of the web app takes ``path`` (for any method: /logout is POST only)."""
    scope = {"type": "http", "path": path, "method": "GET", "root_path": "", "query_string": b"", "headers": []}
    if any(route.matches(scope)[0] is not Match.NONE for route in _web().routes):
        return None
    return f"{path}: no such page or API path in the web app"


def problems(page: Path) -> list[str]:
    """Every command and page ``page`` names that does not exist, as FILE:LINE: what."""
    markdown = page.read_text(encoding="utf-8")
    found = [(n, command_problem(args)) for n, args in commands(markdown)]
    found += [(n, path_problem(path)) for n, path in web_paths(markdown)]
    return [f"{page.name}:{n}: {problem}" for n, problem in sorted(found, key=lambda f: f[0]) if problem]
