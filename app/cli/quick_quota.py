"""``csbm quota`` without Typer, SQLAlchemy, pydantic or rich, where that gives the same answer.

Those imports are most of what the command costs to start (about 0.5 s of 0.7 s). The
quick path serves the usual case: options given plainly, a SQLite file, no replay, output
to a pipe or as JSON. It calls the same services (app/services/status.py) through the
standard library's sqlite3, reads the agreements from their cache (app/catalog/cache.py)
and draws the tables without rich (app/cli/plain_table.py).

Anything else returns None before a byte is written, and the general path answers:
other option forms, a help request, a replay, another database, a terminal, any error.
Its answers (and, through it, its messages) are therefore the general path's;
tests/unit/test_quota_fast_path.py compares the two.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from app.cli.plain_table import plain_output
from app.cli.quota_view import json_text, quota_sections

if TYPE_CHECKING:
    from app.services.status import QuotaStatus

_VALUED = {"--year": "year", "--agreement": "agreement", "--state": "state", "--database-url": "url"}
_FLAGS = {"--all": "show_all", "--json": "as_json"}


class QuotaOptions(NamedTuple):
    year: int | None = None
    agreement: str | None = None
    state: str | None = None
    url: str | None = None
    show_all: bool = False
    as_json: bool = False


def quick_quota(args: list[str]) -> int | None:
    """Answer ``csbm quota ARGS`` and give the exit code; None where the general path must."""
    try:
        return _quick(args)
    except KeyboardInterrupt:  # as Typer ends on Ctrl-C: 130, nothing said
        return 130


def _quick(args: list[str]) -> int | None:
    options = parse(args)
    url = database_url(options) if options is not None else None
    if options is None or url is None or _completing():
        return None
    from app.db.plain import sqlite_file

    path = sqlite_file(url)
    if path is None:
        return None
    try:
        answer = _answer(path, options)
    except Exception:  # the general path says what went wrong, as it always has
        return None
    if answer is None:
        return None
    found, state = answer
    if options.as_json:
        return _delivered(lambda: sys.stdout.write(json_text([r.as_json() for r in found.rows])))
    text = plain_output(quota_sections(found, state))
    if text is None:
        from app.cli.output import show_quota  # a terminal, or a table only rich lays out

        return _delivered(lambda: show_quota(found, state))
    return _delivered(lambda: sys.stdout.write(text))


def _delivered(write: Callable[[], object]) -> int:
    """0 once written; 1, silently, when the reader went away (``| head``), as Click ends then."""
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stdout, sys.stderr = _Pacified(sys.stdout), _Pacified(sys.stderr)
        return 1
    return 0


class _Pacified:
    """A stream whose flush at exit says nothing of a broken pipe (Click's PacifyFlushWrapper)."""

    def __init__(self, wrapped: TextIO) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        with suppress(BrokenPipeError):
            self.wrapped.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def parse(args: list[str]) -> QuotaOptions | None:
    """The options as Click reads them, for ``--name VALUE``, ``--name=VALUE`` and flags
    each given once; None for anything else (Click then parses, or explains)."""
    found: dict[str, object] = {}
    rest = list(args)
    while rest:
        token = rest.pop(0)
        name, equals, value = token.partition("=")
        if name in _FLAGS and not equals and _FLAGS[name] not in found:
            found[_FLAGS[name]] = True
            continue
        if name not in _VALUED or _VALUED[name] in found:
            return None
        if not equals:
            if not rest or rest[0].startswith("-"):
                return None
            value = rest.pop(0)
        found[_VALUED[name]] = value
    year = found.pop("year", None)
    if year is not None and not (isinstance(year, str) and year.isascii() and year.isdigit()):
        return None
    return QuotaOptions(year=None if year is None else int(year), **found)  # type: ignore[arg-type]


def database_url(options: QuotaOptions) -> str | None:
    """--database-url, else CSBM_DATABASE_URL as the settings read it; None for the default
    (the settings work that out) or an environment the settings read otherwise."""
    if options.url:
        return options.url
    named = [key for key in os.environ if key.upper() == "CSBM_DATABASE_URL"]
    return os.environ["CSBM_DATABASE_URL"] or None if named == ["CSBM_DATABASE_URL"] else None


def _completing() -> bool:
    """Shell completion asks through an environment variable (_CSBM_COMPLETE); Click answers it."""
    return any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ)


def _answer(path: str, options: QuotaOptions) -> tuple[QuotaStatus, str | None] | None:
    """The quota status asked for and the state it is about; None where there is nothing to show."""
    from app.db.plain import plain_session
    from app.services import status

    with plain_session(path) as session:
        query = status.quota_query(
            session,
            year=options.year,
            agreement=options.agreement,
            state=options.state,
            as_of=None,
            today=dt.datetime.now(dt.UTC).date(),
        )
        if not query.agreements:
            return None  # the general path warns on standard error first
        return status.quota_status(session, query, show_all=options.show_all), query.state
