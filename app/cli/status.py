"""``csbm quota``, ``csbm findings`` and ``csbm check``: where the quotas stand."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import AsOf, Json, Url, commands, entry_fields, entry_options, now, session
from app.cli.lazy import error
from app.cli.output import print_json, show_check, show_findings, show_quota
from app.services import status

app = commands()

Agreement = Annotated[str | None, typer.Option("--agreement")]


Year = Annotated[int | None, typer.Option("--year", help="Calendar year; default: this year")]
State = Annotated[str | None, typer.Option("--state", help="Only rows where this state receives or inspects")]
ShowAll = Annotated[bool, typer.Option("--all", help="Also show untouched pairwise rows")]
From = Annotated[str | None, typer.Option("--from", help="First start date (default: 1 January this year)")]
To = Annotated[str | None, typer.Option("--to", help="Last start date (default: 31 December of --from's year)")]


@app.command("quota")
def quota(
    year: Year = None,
    agreement: Agreement = None,
    state: State = None,
    as_of: AsOf = None,
    show_all: ShowAll = False,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """How much of each quota is used, pending and left, in both directions."""
    with session(url) as s:
        query = status.quota_query(s, year=year, agreement=agreement, state=state, as_of=as_of, today=now().date())
        found = status.quota_status(s, query, show_all=show_all)
    if not query.agreements:
        error("no agreements are loaded: run `csbm agreements load` (or `csbm demo`)")
    if as_json:
        print_json([r.as_json() for r in found.rows])
    else:
        show_quota(found, query.state)


@app.command("findings")
def findings(
    date_from: From = None,
    date_to: To = None,
    agreement: Agreement = None,
    state: Annotated[str | None, typer.Option("--state")] = None,
    as_of: AsOf = None,
    url: Url = None,
    as_json: Json = False,
) -> None:
    """List findings about entries that start in a date range."""
    with session(url) as s:
        query = status.findings_query(
            s, date_from=date_from, date_to=date_to, agreement=agreement, state=state, as_of=as_of, today=now().date()
        )
        found = status.findings(s, query)
    if as_json:
        print_json([f.as_json() for f in found])
    else:
        show_findings(found)


@app.command("check")
@entry_options(ref="PROPOSED", status="requested")
def check(url: Url = None, as_json: Json = False, **options: str | None) -> None:
    """What a proposed entry would do to the quotas and which findings it would raise; records nothing."""
    from app.services import entries  # the ledger's write path: only a check needs it

    with session(url) as s:
        result = entries.check(s, entry_fields(options))
    if as_json:
        print_json(result.as_json())
    else:
        show_check(result)
