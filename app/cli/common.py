"""What every command shares: its options, the settings, the database session, the clock.

This is the one CLI module that opens database sessions. A database that is
not set up, unreachable or busy, and a concurrent write, become a
ServiceError here, which app/cli/lazy.py reports the same way for every
command. Heavy modules (SQLAlchemy, pydantic) are imported only when a
command asks for a session or the settings.
"""

from __future__ import annotations

import datetime as dt
import inspect
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TextIO, TypeVar

import typer

from app.cli.lazy import EXIT_BAD_INPUT, EXIT_USAGE, CsbmGroup, error

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from app.config import Settings
    from app.domain.report import ReportPeriod

# Every command's common options; their parameters are named url, user, as_json and as_of.
Url = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL; default CSBM_DATABASE_URL or var/csbm.sqlite3")
]
User = Annotated[str | None, typer.Option("--user", help="Who records this; default CSBM_USER or the OS user")]
Json = Annotated[bool, typer.Option("--json", help="Print the documented JSON shape")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Replay as recorded at this ISO datetime (a date: its end)")]
EntryOption = Annotated[str | None, typer.Option()]


def commands() -> typer.Typer:
    """The Typer a command module's ``app`` is: its groups and top-level commands."""
    return typer.Typer(cls=CsbmGroup, rich_markup_mode=None, pretty_exceptions_show_locals=False)


def group(app: typer.Typer, name: str, help: str, *, listing: bool = False) -> typer.Typer:
    """A command group of the module's ``app``; a ``listing`` one lists something when given no command."""
    made = typer.Typer(
        cls=CsbmGroup, help=help, no_args_is_help=not listing, invoke_without_command=listing, rich_markup_mode=None
    )
    app.add_typer(made, name=name)
    return made


Command = TypeVar("Command", bound=Callable[..., None])


def entry_options(**defaults: str) -> Callable[[Command], Command]:
    """Give a command one option per column of the ledger CSV (--ref, --agreement, ...,
    --notes), before its own options; it receives them as ``**options``. The CSV's columns
    and the options then cannot drift apart, and ``ledger add`` and ``check`` take the same."""

    def add(command: Command) -> Command:
        from app.domain.ledger import LEDGER_COLUMNS

        own = inspect.signature(command, eval_str=True)
        kept = [p for p in own.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        columns = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=defaults.get(name), annotation=EntryOption)
            for name in LEDGER_COLUMNS
        ]
        kept = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in kept]
        setattr(command, "__signature__", own.replace(parameters=[*columns, *kept]))  # noqa: B010 (read by Typer)
        return command

    return add


def entry_fields(options: Mapping[str, str | None]) -> dict[str, str]:
    """The entry options as the text fields of a CSV row: an option left out is an empty cell."""
    return {name: value or "" for name, value in options.items()}


def settings(database_url: str | None = None, user: str | None = None) -> Settings:
    from app.config import Settings

    chosen = Settings()
    if database_url:
        chosen.database_url = database_url
    if user:
        chosen.user = user
    return chosen


def who(database_url: str | None, user: str | None) -> str:
    return settings(database_url, user).resolved_user()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def write_file(file: Path, write: Callable[[TextIO], int]) -> int:
    """Write to standard output for '-'; else to a file that appears only once complete."""
    if str(file) == "-":
        return write(sys.stdout)
    partial = file.with_name(file.name + ".part")
    with partial.open("w", encoding="utf-8", newline="") as stream:
        count = write(stream)
    partial.replace(file)
    return count


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    error(message)
    raise typer.Exit(code)


def period_option(value: str) -> ReportPeriod:
    """--period, read the one way every command reads it: 2019, 2019Q2 or FROM..TO."""
    from app.domain.errors import DomainError
    from app.domain.report import parse_period

    try:
        return parse_period(value)
    except DomainError as exc:
        fail(f"--period: {exc.message}", EXIT_USAGE)


@contextmanager
def database(database_url: str | None, config: Settings | None = None) -> Iterator[Engine]:
    """The configured database's engine, disposed after; a database failure becomes a ServiceError.
    A command that has built its ``config`` (the settings, with ``database_url``) hands it over."""
    from app.db.session import make_engine

    engine = make_engine((config or settings(database_url)).resolved_database_url())
    try:
        with _translated():
            yield engine
    finally:
        engine.dispose()


@contextmanager
def session(database_url: str | None, *, write: bool = False, config: Settings | None = None) -> Iterator[Session]:
    """One transaction against the configured database: committed at the end, rolled back on any error."""
    from app.db.session import transaction

    with database(database_url, config) as engine, transaction(engine, write=write) as opened:
        yield opened


@contextmanager
def _translated() -> Iterator[None]:
    from app.services.errors import from_database_error

    try:
        yield
    except Exception as exc:
        problem = from_database_error(exc)
        if problem is None:
            raise
        raise problem from None


def upgrade_database(database_url: str | None) -> str:
    """Apply the migrations; the database's URL, without its password."""
    from app.db.migrate import upgrade

    with database(database_url) as engine:
        upgrade(engine)
    return engine.url.render_as_string(hide_password=True)
