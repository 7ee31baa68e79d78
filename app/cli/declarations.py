"""``csbm declare`` and ``csbm declarations``: the figures quotas are computed from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import AsOf, Json, Url, User, commands, group, now, session, who, write_file
from app.cli.lazy import error
from app.cli.output import console, emit, print_json
from app.services import declarations as service
from app.services.errors import FileRejected

app = commands()
help_line = "Declarations: list them (the default), import or export the annual exchange's CSV."
declarations = group(app, "declarations", help_line, listing=True)
Year = Annotated[int, typer.Argument()]
Name = Annotated[str, typer.Argument(help="e.g. units (VD), oov (CFE), passive_quota (Open Skies)")]
Source = Annotated[str, typer.Option("--source", help="Where the figure comes from")]
Csv = Annotated[Path, typer.Argument(help="Declarations CSV: state,year,name,value,source")]
Output = Annotated[Path, typer.Argument(help="Where to write the CSV ('-' for standard output)")]


@app.command("declare")
def declare(
    state: Annotated[str, typer.Argument(help="State code, or a group id such as BY+RU")],
    year: Year,
    name: Name,
    value: Annotated[int, typer.Argument()],
    source: Source = "",
    url: Url = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Record a declaration that a quota is computed from."""
    fields = {"state": state, "year": str(year), "name": name, "value": str(value), "source": source}
    with session(url, write=True) as s:
        changed = service.record(s, fields, at=now(), by=who(url, user))
    shown = {"state": state, "year": year, "name": name, "value": value, "changed": changed}
    emit(as_json, shown, f"{state} {year} {name} = {value}: {'recorded' if changed else 'unchanged'}")


@declarations.callback()
def listed(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option("--year")] = None,
    state: Annotated[str | None, typer.Option("--state", help="A state, or a group id such as BY+RU")] = None,
    as_of: AsOf = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """List the declarations quotas are computed from (latest value of each)."""
    if ctx.invoked_subcommand is not None:
        return
    with session(url) as s:
        rows = [service.as_json(d) for d in service.listed(s, year=year, state=state, as_of=as_of)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['state']} {r['year']} {r['name']} = {r['value']}  [dim]{r['source']}[/]")
    if not rows:
        console.print("No declarations.")


@declarations.command("import")
def import_file(file: Csv, url: Url = None, user: User = None, as_json: Json = False) -> None:
    """Import a declarations CSV, all or nothing. Changed figures become new revisions."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise FileRejected(str(file), [f"{file}: cannot read: {exc.strerror or exc}"]) from None
    with session(url, write=True) as s:
        summary = service.import_declarations(s, str(file), data, at=now(), by=who(url, user))
    counts = f"{summary.created} new, {summary.revised} revised, {summary.unchanged} unchanged."
    emit(as_json, summary.as_json(), f"{file}: {counts}")


@declarations.command("export")
def export(file: Output = Path("-"), url: Url = None, as_of: AsOf = None) -> None:
    """Export the declarations (as of a time) as CSV in the import format."""
    with session(url) as s:
        count = write_file(file, lambda stream: service.export_declarations(s, stream, as_of=as_of))
    if str(file) != "-":
        error(f"{file}: {count} declarations written.")
