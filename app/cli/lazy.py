"""Command groups that load their module only when used, and one place for every error.

``csbm --help`` lists every command from the table in app/cli/__init__.py
without importing a single command module: those pull in SQLAlchemy,
pydantic, WeasyPrint and the rest, and a help screen should not wait for them.
A command's module is imported when the command runs.

Every command runs inside CsbmGroup.invoke, which turns a ServiceError into
its message on standard error and the documented exit code: 1 bad input
(nothing written), 3 refused by a quota check.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

import typer
from typer import _click as click
from typer.core import TyperCommand, TyperGroup, TyperOption
from typer.main import get_command

from app.cli.help import Lazy
from app.domain.errors import DomainError
from app.services.errors import FileRejected, InvalidInput, ServiceError

EXIT_BAD_INPUT, EXIT_USAGE, EXIT_REFUSED = 1, 2, 3
_RESOLVED = "csbm.command"  # ctx.meta key: the command being run (meta is shared down the chain)


def error(message: str) -> None:
    """Errors go to stderr unwrapped: one located problem per line, greppable."""
    sys.stderr.write(message + "\n")


def option_name(command: click.Command | None, field: str) -> str:
    """How the command line names a field: ``to`` is ``--to``; an argument, or a field that
    is no parameter of the command, keeps its name."""
    flag = "--" + field.replace("_", "-")
    for param in command.params if command is not None else ():
        if isinstance(param, TyperOption) and (flag in param.opts or param.name == field):
            return param.opts[0]
    return field


def exit_code(exc: ServiceError) -> int:
    from app.services.ledger import QuotaRefused

    return EXIT_REFUSED if isinstance(exc, QuotaRefused) else EXIT_BAD_INPUT


def report(exc: ServiceError, command: click.Command | None) -> None:
    if isinstance(exc, InvalidInput):
        for problem in exc.problems:
            error(f"{option_name(command, problem.field)}: {problem.message}")
        return
    if isinstance(exc, FileRejected):
        for message in exc.messages:
            error(message)
    error(exc.message)


def _invalid(exc: DomainError) -> ServiceError:
    """A domain rule that refused a value no earlier check caught."""
    return InvalidInput.one(exc.field, exc.message) if exc.field else ServiceError(exc.message)


class CsbmGroup(TyperGroup):
    """A group whose commands report a ServiceError the one documented way."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta[_RESOLVED] = command
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ServiceError, DomainError) as exc:
            if ctx.parent is not None:
                raise  # the outermost group reports it, once
            problem = exc if isinstance(exc, ServiceError) else _invalid(exc)
            report(problem, ctx.meta.get(_RESOLVED))
            raise typer.Exit(exit_code(problem)) from None


class LazyGroup(CsbmGroup):
    """The top-level group: commands come from a table and load on first use."""

    table: Mapping[str, Lazy] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *self.table]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        lazy = self.table.get(cmd_name)
        if found is not None or lazy is None:
            return found
        if ctx.meta.get("csbm.listing"):
            return TyperCommand(cmd_name, help=lazy.help)  # for the help screen: no import
        return _load(ctx, lazy, cmd_name)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx.meta["csbm.listing"] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta.pop("csbm.listing", None)


def _load(ctx: click.Context, lazy: Lazy, name: str) -> click.Command:
    """The command ``name`` of the module's ``app`` (a Typer holding its groups and commands)."""
    commands = get_command(importlib.import_module(lazy.module).app)
    if isinstance(commands, TyperGroup):
        found = commands.get_command(ctx, name)
        if found is None:
            raise RuntimeError(f"{lazy.module} has no command {name!r}")
        return found
    return commands
