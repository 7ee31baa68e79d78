"""``csbm calendar``: the calendar as an ICS file, and the users' private feed tokens."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import Url, User, commands, fail, group, now, session, settings, who
from app.cli.output import console
from app.services import calendar, calendar_feed, status

app = commands()
cal = group(app, "calendar", "The calendar: activities and deadlines as ICS, and private feed tokens.")
tokens = typer.Typer(help="Private calendar feed tokens (read-only, revocable, stored hashed).", no_args_is_help=True)
cal.add_typer(tokens, name="token")

From = Annotated[str | None, typer.Option("--from", help="First day (default: 1 January this year)")]
To = Annotated[str | None, typer.Option("--to", help="Last day (default: 31 December of --from's year)")]
State = Annotated[str | None, typer.Option("--state", help="Only activities this state takes part in")]
Agreement = Annotated[str | None, typer.Option("--agreement")]
Direction = Annotated[
    str | None, typer.Option("--direction", help="received, conducted or guest: the state's part (default: all)")
]
Lang = Annotated[str, typer.Option("--lang", help="en or ru")]
Username = Annotated[str, typer.Argument()]


@cal.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="The .ics file to write ('-': standard output)")],
    date_from: From = None,
    date_to: To = None,
    state: State = None,
    agreement: Agreement = None,
    direction: Direction = None,
    lang: Lang = "en",
    url: Url = None,
) -> None:
    """Write the activities and deadlines of a period as an ICS calendar file."""
    with session(url) as s:
        first, last = status.findings_range(date_from, date_to, as_of=None, today=now().date())
        home = settings(url).home_state
        chosen = calendar.chosen_filter(s, agreement=agreement, state=state, direction=direction, home=home)
        found = calendar_feed.export(s, first, last, chosen, lang=lang, at=now(), home=home)
    if str(file) == "-":
        sys.stdout.buffer.write(found.content)
        return
    partial = file.with_name(file.name + ".part")
    partial.write_bytes(found.content)
    partial.replace(file)
    done = f"{file}: {found.activities} activities and {found.deadlines} deadlines from {first} to {last}"
    console.print(done, highlight=False)


@tokens.command("create")
def create(username: Username, url: Url = None, user: User = None) -> None:
    """Give a user a new feed token (shown once; the one before stops working)."""
    with session(url, write=True) as s:
        token = calendar_feed.create_token(s, username=username, at=now(), by=who(url, user))
    sys.stdout.write(token + "\n")
    sys.stderr.write(f"the feed: /calendar.ics?token=<the token above> (for {username})\n")


@tokens.command("revoke")
def revoke(username: Username, url: Url = None, user: User = None) -> None:
    """Revoke a user's feed token: calendar clients using it get nothing more."""
    with session(url, write=True) as s:
        revoked = calendar_feed.revoke_token(s, username=username, at=now(), by=who(url, user))
    if not revoked:
        fail(f"{username} has no feed token")
    console.print(f"feed token of {username} revoked", highlight=False)
