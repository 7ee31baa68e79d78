"""``csbm ledger``: import, record, export and trace the ledger's entries.

Each command imports the services it uses when it runs: ``ledger import`` needs
neither the record, reply and history paths nor rich, and a process that imports a
file pays for every module it loads before the first row is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import (
    AsOf,
    Json,
    Url,
    User,
    commands,
    entry_fields,
    entry_options,
    fail,
    group,
    now,
    session,
    settings,
    who,
    write_file,
)
from app.cli.lazy import EXIT_USAGE, error
from app.cli.say import emit
from app.services.errors import FileRejected

app = commands()
ledger_app = group(app, "ledger", "The ledger of inspections, visits and flights.")
Csv = Annotated[Path, typer.Argument(help="Ledger CSV")]
Output = Annotated[Path, typer.Argument(help="Where to write the CSV ('-' for standard output)")]
WithinQuota = Annotated[bool, typer.Option("--within-quota", help="Refuse (exit 3) if it would go over any limit")]


@ledger_app.command("import")
def import_file(file: Csv, url: Url = None, user: User = None, as_json: Json = False) -> None:
    """Import a ledger CSV, all or nothing. Changed rows become new revisions."""
    from app.services.ledger_reading import reading_ahead

    with reading_ahead(file) as reading:  # a large file is read while the rest starts
        from app.services import entries, ledger, notices
        from app.services.ledger_csv import LedgerFileError

        config = settings(url, user)
        try:
            with session(url, write=True, config=config) as s:
                context = entries.entry_context(s)
                summary = ledger.import_ledger(s, file, context, at=now(), by=config.resolved_user(), reading=reading)
                notices.review(s, context.agreements, at=now(), home=config.home_state)
        except LedgerFileError as exc:
            raise FileRejected(str(file), exc.messages) from None
    counts = f"{summary.created} new, {summary.revised} revised, {summary.unchanged} unchanged."
    emit(as_json, summary.as_json(), f"{file}: {counts}")


@ledger_app.command("add")
@entry_options()
def add(
    within_quota: WithinQuota = False, url: Url = None, user: User = None, as_json: Json = False, **options: str | None
) -> None:
    """Record one entry (a new revision when the ref exists with other values)."""
    from app.cli.output import print_json
    from app.services import entries, ledger

    values = entry_fields(options)
    try:
        with session(url, write=True) as s:
            home = settings(url).home_state
            recorded = entries.record(
                s, values, at=now(), by=who(url, user), within_quota=within_quota, home_state=home
            )
    except ledger.QuotaRefused as exc:
        if as_json:
            print_json({"ref": values["ref"], "outcome": "refused", **exc.result.as_json()})
        for finding in exc.result.over_limit:
            error(finding.message)
        raise
    ref, outcome = recorded.entry.ref, str(recorded.outcome)
    emit(as_json, {"ref": ref, "outcome": outcome}, f"{ref}: {outcome}")


@ledger_app.command("reply")
def reply(
    ref: Annotated[str, typer.Argument(help="The requested entry")],
    accept: Annotated[
        bool | None, typer.Option("--accept/--refuse", help="The receiving state's answer", show_default=False)
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="When the reply was given (ISO 8601; default: now)")] = None,
    url: Url = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Record the reply to a request (--accept or --refuse): a new revision of the entry."""
    from app.domain.moments import format_moment, parse_moment
    from app.services import entries

    if accept is None:
        fail("give --accept or --refuse", EXIT_USAGE)
    recorded_at = now()
    replied_at = parse_moment(at, field="at") if at else recorded_at
    with session(url, write=True) as s:
        recorded = entries.reply(s, ref, accept=accept, replied_at=replied_at, at=recorded_at, by=who(url, user))
    entry = recorded.entry
    when = format_moment(entry.replied_at) if entry.replied_at is not None else ""
    data = {"ref": entry.ref, "outcome": str(recorded.outcome), "status": str(entry.status), "replied_at": when}
    emit(as_json, data, f"{entry.ref}: {entry.status} at {when} (new revision)")


@ledger_app.command("export")
def export(file: Output, url: Url = None, as_of: AsOf = None) -> None:
    """Export the ledger (as of a time) as CSV in the import format."""
    from app.services import ledger
    from app.services.status import replay_moment

    when = replay_moment(as_of)
    with session(url) as s:
        count = write_file(file, lambda stream: ledger.export_ledger(s, stream, as_of=when))
    if str(file) != "-":
        error(f"{file}: {count} entries written.")


@ledger_app.command("history")
def history(ref: Annotated[str, typer.Argument()], url: Url = None, as_json: Json = False) -> None:
    """Every revision of an entry, with who recorded it and when."""
    from app.cli.output import console, print_json
    from app.services import entries

    with session(url) as s:
        revisions = entries.history(s, ref)
    if as_json:
        print_json([r.as_json() for r in revisions])
        return
    for i, r in enumerate(revisions):
        what = "changed " + ", ".join(f"{k}: {a!r} -> {b!r}" for k, a, b in r.changes) if i else "created"
        console.print(f"[bold]revision {r.revision}[/] {r.recorded_at.isoformat()} by {r.recorded_by}: {what}")


@ledger_app.command("show")
def show(ref: Annotated[str, typer.Argument()], url: Url = None, as_json: Json = False) -> None:
    """An entry as now recorded, its findings, and its checklist of agencies to inform."""
    from app.cli.output import console, print_json
    from app.services import checklist, entries

    with session(url) as s:
        found = entries.detail(s, ref)
        listed = checklist.checklist_json(s, found.entry, settings(url).home_state)
    if as_json:
        print_json({**found.as_json(), "checklist": listed})
        return
    console.print(
        f"[bold]{ref}[/] revision {found.latest.revision}, {found.latest.recorded_at.isoformat()} "
        f"by {found.latest.recorded_by}",
        highlight=False,
    )
    for key, value in found.latest.record.items():
        if value not in (None, "", []):
            console.print(f"  {key}: {value}", highlight=False)
    for finding in found.findings:
        console.print(f"  finding: {finding.message}", highlight=False)
    for item in (listed or {}).get("items", []):
        done = f"done {item['done_at']} by {item['done_by']}" if item["done"] else "to do"
        console.print(f"  inform on {item['event']}: {item['name']['en']}: {done}", highlight=False)


@ledger_app.command("as-guest")
def as_guest(
    state: Annotated[str, typer.Argument(help="The state that took part as a guest, e.g. BY")],
    year: Annotated[int | None, typer.Option("--year", help="Default: this year")] = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Other states' activities in which a state took part as a guest; they count against none of its quotas."""
    from app.cli.output import console, print_json
    from app.services import ledger_query

    with session(url) as s:
        found = ledger_query.as_guest(s, state.upper(), year, now().date())
    if as_json:
        print_json(found.as_json())
        return
    for e in found.entries:
        guests = " ".join(str(g) for g in e.guests)
        console.print(
            f"{e.ref}  {e.agreement}  {e.activity}  {e.inspecting_state} -> {e.receiving_state}  "
            f"{e.start_day}  guests {guests}",
            highlight=False,
        )
    console.print(
        f"{found.state} took part as a guest in {len(found.entries)} activit(ies) in {found.year}; "
        "they count against none of its quotas.",
        highlight=False,
    )
