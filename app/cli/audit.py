"""``csbm audit verify``, ``csbm backup`` and ``csbm restore``: tamper evidence and archives."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import Json, Url, commands, database, group, now, session, settings
from app.cli.lazy import EXIT_BAD_INPUT, error
from app.cli.output import console, emit, print_json

app = commands()
audit = group(app, "audit", "Tamper evidence: verify the revision hash chains.")
Reports = Annotated[Path | None, typer.Option("--reports", help="Filed reports to tie in; default CSBM_REPORTS_DIR")]
Archive = Annotated[Path, typer.Argument(help="The archive to write (a .zip)")]
Archived = Annotated[Path, typer.Argument(help="An archive written by csbm backup")]


@audit.command("verify")
def verify(reports: Reports = None, url: Url = None, as_json: Json = False) -> None:
    """Recompute the ledger's and the declarations' hash chains; exit 1 naming the first break."""
    from app.services import integrity

    with session(url) as s:
        result = integrity.verify(s, reports_dir=reports or Path(settings(url).reports_dir))
    if as_json:
        print_json(result.as_json())
    else:
        for name, count in result.checked.items():
            head = result.heads[name]
            console.print(f"{name}: {count} revision(s) checked; head {head.seq} {head.hash}")
        console.print(f"reports: {result.reports_checked} manifest(s) tied to the chains")
        console.print(f"statements: {result.statements_checked} countersigned statement(s) checked against the ledger")
        for line in integrity.describe_breaks(result.breaks):
            error(f"BROKEN: {line}")
        if result.ok:
            console.print("The chains verify: no revision was changed, removed or reordered outside csbm.")
    if not result.ok:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("backup")
def backup(file: Archive, url: Url = None, as_json: Json = False) -> None:
    """Write one consistent, portable archive of every table (safe while the app runs)."""
    from app.services import backup

    with database(url) as engine:
        summary = backup.backup(engine, file, at=now())
    if as_json:
        print_json(summary.as_json())
        return
    rows, tables = sum(summary.tables.values()), len(summary.tables)
    console.print(f"{file}: {rows} rows from {tables} tables, schema {summary.schema}")
    for name, head in summary.heads.items():
        console.print(f"  {name} chain head: {head['seq']} {head['hash']}")
    console.print(f"  sha256 {summary.sha256}")


@app.command("restore")
def restore(file: Archived, url: Url = None, as_json: Json = False) -> None:
    """Load an archive into an empty database of either kind; its chains must verify, or nothing is loaded."""
    from app.services import restore

    with database(url) as engine:
        summary = restore.restore(engine, file)
    emit(as_json, summary.as_json(), f"{file}: restored {sum(summary.tables.values())} rows; the hash chains verify.")
