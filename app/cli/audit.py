"""``csbm audit verify``, ``csbm backup`` and ``csbm restore``: tamper evidence and archives."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import DatabaseUrl, Json, commands, database, fail, group, now, session, settings
from app.cli.lazy import EXIT_BAD_INPUT, error
from app.cli.output import console, print_json

app = commands()
audit = group("Tamper evidence: verify the revision hash chains.")
app.add_typer(audit, name="audit")


@audit.command("verify")
def verify(
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Filed reports to tie in; default CSBM_REPORTS_DIR")
    ] = None,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """Recompute the ledger's and the declarations' hash chains; exit 1 naming the first break."""
    from app.services import integrity

    with session(database_url) as s:
        result = integrity.verify(s, reports_dir=reports or Path(settings(database_url).reports_dir))
    if json_out:
        print_json(result.as_json())
    else:
        for name, count in result.checked.items():
            head = result.heads[name]
            console.print(f"{name}: {count} revision(s) checked; head {head.seq} {head.hash}")
        console.print(f"reports: {result.reports_checked} manifest(s) tied to the chains")
        for line in integrity.describe_breaks(result.breaks):
            error(f"BROKEN: {line}")
        if result.ok:
            console.print("The chains verify: no revision was changed, removed or reordered outside csbm.")
    if not result.ok:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command("backup")
def backup(
    file: Annotated[Path, typer.Argument(help="The archive to write (a .zip)")],
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """Write one consistent, portable archive of every table (safe while the app runs)."""
    from app.services import backup

    with database(database_url) as engine:
        try:
            summary = backup.backup(engine, file, at=now())
        except backup.BackupError as exc:
            fail(f"{file}: {exc}")
    if json_out:
        print_json(summary.as_json())
        return
    console.print(
        f"{file}: {sum(summary.tables.values())} rows from {len(summary.tables)} tables, schema {summary.schema}"
    )
    for name, head in summary.heads.items():
        console.print(f"  {name} chain head: {head['seq']} {head['hash']}")
    console.print(f"  sha256 {summary.sha256}")


@app.command("restore")
def restore(
    file: Annotated[Path, typer.Argument(help="An archive written by csbm backup")],
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """Load an archive into an empty database of either kind; its chains must verify, or nothing is loaded."""
    from app.services import backup

    with database(database_url) as engine:
        try:
            summary = backup.restore(engine, file)
        except backup.BackupError as exc:
            fail(str(exc))
    if json_out:
        print_json(summary.as_json())
    else:
        console.print(f"{file}: restored {sum(summary.tables.values())} rows; the hash chains verify.")
