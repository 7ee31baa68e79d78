"""``csbm quota``, ``csbm findings`` and ``csbm check``: where the quotas stand."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import AsOf, DatabaseUrl, EntryOption, Json, commands, entry_fields, now, session
from app.cli.lazy import error
from app.cli.output import print_json, show_check, show_findings, show_quota
from app.services import entries, status

app = commands()

Agreement = Annotated[str | None, typer.Option("--agreement")]


@app.command("quota")
def quota(
    year: Annotated[int | None, typer.Option("--year", help="Calendar year; default: this year")] = None,
    agreement: Agreement = None,
    state: Annotated[
        str | None, typer.Option("--state", help="Only rows where this state receives or inspects")
    ] = None,
    as_of: AsOf = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also show untouched pairwise rows")] = False,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """How much of each quota is used, pending and left, in both directions."""
    with session(database_url) as s:
        query = status.quota_query(s, year=year, agreement=agreement, state=state, as_of=as_of, today=now().date())
        found = status.quota_status(s, query, show_all=show_all)
    if not query.agreements:
        error("no agreements are loaded: run `csbm agreements load` (or `csbm demo`)")
    if json_out:
        print_json([r.as_json() for r in found.rows])
    else:
        show_quota(found, query.state)


@app.command("findings")
def findings(
    date_from: Annotated[
        str | None, typer.Option("--from", help="First start date (default: 1 January this year)")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last start date (default: 31 December of --from's year)")
    ] = None,
    agreement: Agreement = None,
    state: Annotated[str | None, typer.Option("--state")] = None,
    as_of: AsOf = None,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """List findings about entries that start in a date range."""
    with session(database_url) as s:
        query = status.findings_query(
            s, date_from=date_from, date_to=date_to, agreement=agreement, state=state, as_of=as_of, today=now().date()
        )
        found = status.findings(s, query)
    if json_out:
        print_json([f.as_json() for f in found])
    else:
        show_findings(found)


@app.command("check")
def check(
    ctx: typer.Context,
    ref: Annotated[str, typer.Option(help="A ref for the proposed entry")] = "PROPOSED",
    agreement: EntryOption = None,
    activity: EntryOption = None,
    inspecting_state: EntryOption = None,
    receiving_state: EntryOption = None,
    requested_at: EntryOption = None,
    replied_at: EntryOption = None,
    start: EntryOption = None,
    end: EntryOption = None,
    status: Annotated[str, typer.Option()] = "requested",
    team_size: EntryOption = None,
    location: EntryOption = None,
    object: EntryOption = None,
    notes: EntryOption = None,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """What a proposed entry would do to the quotas and which findings it would raise; records nothing."""
    values = entry_fields(ctx)
    with session(database_url) as s:
        result = entries.check(s, values)
    if json_out:
        print_json(result.as_json())
    else:
        show_check(result)
