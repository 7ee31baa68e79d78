"""``csbm ledger``: import, record, export and trace the ledger's entries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import (
    AsOf,
    DatabaseUrl,
    EntryOption,
    Json,
    User,
    commands,
    entry_fields,
    group,
    now,
    session,
    who,
    write_file,
)
from app.cli.lazy import error
from app.cli.output import console, print_json
from app.services import entries, ledger
from app.services.errors import FileRejected
from app.services.ledger_csv import LedgerFileError
from app.services.status import replay_moment

app = commands()
ledger_app = group("The ledger of inspections, visits and flights.")
app.add_typer(ledger_app, name="ledger")


@ledger_app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="Ledger CSV")],
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Import a ledger CSV, all or nothing. Changed rows become new revisions."""
    try:
        with session(database_url, write=True) as s:
            context = entries.entry_context(s)
            summary = ledger.import_ledger(s, file, context, at=now(), by=who(database_url, user))
    except LedgerFileError as exc:
        raise FileRejected(str(file), exc.messages) from None
    if json_out:
        print_json(summary.as_json())
    else:
        console.print(f"{file}: {summary.created} new, {summary.revised} revised, {summary.unchanged} unchanged.")


@ledger_app.command("add")
def add(
    ctx: typer.Context,
    ref: EntryOption = None,
    agreement: EntryOption = None,
    activity: EntryOption = None,
    inspecting_state: EntryOption = None,
    receiving_state: EntryOption = None,
    requested_at: EntryOption = None,
    replied_at: EntryOption = None,
    start: EntryOption = None,
    end: EntryOption = None,
    status: EntryOption = None,
    team_size: EntryOption = None,
    location: EntryOption = None,
    object: EntryOption = None,
    notes: EntryOption = None,
    within_quota: Annotated[
        bool, typer.Option("--within-quota", help="Refuse (exit 3) if it would go over any limit")
    ] = False,
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Record one entry (a new revision when the ref exists with other values)."""
    values = entry_fields(ctx)
    try:
        with session(database_url, write=True) as s:
            recorded = entries.record(s, values, at=now(), by=who(database_url, user), within_quota=within_quota)
    except ledger.QuotaRefused as exc:
        if json_out:
            print_json({"ref": values["ref"], "outcome": "refused", **exc.result.as_json()})
        for finding in exc.result.over_limit:
            error(finding.message)
        raise
    if json_out:
        print_json({"ref": recorded.entry.ref, "outcome": str(recorded.outcome)})
    else:
        console.print(f"{recorded.entry.ref}: {recorded.outcome}")


@ledger_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="Where to write the CSV ('-' for standard output)")],
    database_url: DatabaseUrl = None,
    as_of: AsOf = None,
) -> None:
    """Export the ledger (as of a time) as CSV in the import format."""
    when = replay_moment(as_of)
    with session(database_url) as s:
        count = write_file(file, lambda stream: ledger.export_ledger(s, stream, as_of=when))
    if str(file) != "-":
        error(f"{file}: {count} entries written.")


@ledger_app.command("history")
def history(
    ref: Annotated[str, typer.Argument()],
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """Every revision of an entry, with who recorded it and when."""
    with session(database_url) as s:
        revisions = entries.history(s, ref)
    if json_out:
        print_json([r.as_json() for r in revisions])
        return
    for i, r in enumerate(revisions):
        what = "changed " + ", ".join(f"{k}: {a!r} -> {b!r}" for k, a, b in r.changes) if i else "created"
        console.print(f"[bold]revision {r.revision}[/] {r.recorded_at.isoformat()} by {r.recorded_by}: {what}")
