"""``csbm declare`` and ``csbm declarations``: the figures quotas are computed from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import AsOf, DatabaseUrl, Json, User, commands, group, now, session, who, write_file
from app.cli.lazy import error
from app.cli.output import console, print_json
from app.services import declarations as service

app = commands()
declarations = group("Declarations: list them (the default), import or export the annual exchange's CSV.", listing=True)
app.add_typer(declarations, name="declarations")


@app.command("declare")
def declare(
    state: Annotated[str, typer.Argument(help="State code, or a group id such as BY+RU")],
    year: Annotated[int, typer.Argument()],
    name: Annotated[str, typer.Argument(help="e.g. units (VD), oov (CFE), passive_quota (Open Skies)")],
    value: Annotated[int, typer.Argument()],
    source: Annotated[str, typer.Option("--source", help="Where the figure comes from")] = "",
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Record a declaration that a quota is computed from."""
    fields = {"state": state, "year": str(year), "name": name, "value": str(value), "source": source}
    with session(database_url, write=True) as s:
        changed = service.record(s, fields, at=now(), by=who(database_url, user))
    if json_out:
        print_json({"state": state, "year": year, "name": name, "value": value, "changed": changed})
    else:
        console.print(f"{state} {year} {name} = {value}: {'recorded' if changed else 'unchanged'}")


@declarations.callback()
def listed(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option("--year")] = None,
    state: Annotated[str | None, typer.Option("--state", help="A state, or a group id such as BY+RU")] = None,
    as_of: AsOf = None,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """List the declarations quotas are computed from (latest value of each)."""
    if ctx.invoked_subcommand is not None:
        return
    with session(database_url) as s:
        found = service.listed(s, year=year, state=state, as_of=as_of)
    rows = [service.as_json(d) for d in found]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['state']} {r['year']} {r['name']} = {r['value']}  [dim]{r['source']}[/]")
    if not rows:
        console.print("No declarations.")


@declarations.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="Declarations CSV: state,year,name,value,source")],
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Import a declarations CSV, all or nothing. Changed figures become new revisions."""
    with session(database_url, write=True) as s:
        summary = service.import_declarations(s, str(file), _read(file), at=now(), by=who(database_url, user))
    if json_out:
        print_json(summary.as_json())
    else:
        console.print(f"{file}: {summary.created} new, {summary.revised} revised, {summary.unchanged} unchanged.")


def _read(file: Path) -> bytes:
    from app.services.errors import FileRejected

    try:
        return file.read_bytes()
    except OSError as exc:
        raise FileRejected(str(file), [f"{file}: cannot read: {exc.strerror or exc}"]) from None


@declarations.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="Where to write the CSV ('-' for standard output)")] = Path("-"),
    database_url: DatabaseUrl = None,
    as_of: AsOf = None,
) -> None:
    """Export the declarations (as of a time) as CSV in the import format."""
    with session(database_url) as s:
        count = write_file(file, lambda stream: service.export_declarations(s, stream, as_of=as_of))
    if str(file) != "-":
        error(f"{file}: {count} declarations written.")
