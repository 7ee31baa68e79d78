"""``csbm due``: the open and missed deadlines, soonest first."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.common import Json, Url, commands, fail, now, session, settings
from app.cli.output import console, print_json

if TYPE_CHECKING:
    from app.domain.deadlines import Deadline

app = commands()

Within = Annotated[str | None, typer.Option("--within", help="Only what falls due this soon: 72h, 3d, 90m")]
State = Annotated[str | None, typer.Option("--state", help="Only the deadlines of this state's entries and dates")]
At = Annotated[str | None, typer.Option("--at", help="Answer as at this ISO 8601 moment (default: now)")]


@app.command("due")
def due(within: Within = None, state: State = None, at: At = None, url: Url = None, as_json: Json = False) -> None:
    """List open and missed deadlines, soonest first (missed ones stand first)."""
    from app.services import deadlines
    from app.services.states import checked_state

    moment = deadlines.parse_at(at, now())
    window = deadlines.parse_within(within) if within else None
    chosen = checked_state(state.upper() if state else None)
    config = settings(url)
    with session(url) as s:
        found = deadlines.due(s, at=moment, within=window, state=chosen, home=config.home_state)
    if as_json:
        print_json([d.as_json(moment) for d in found])
        return
    _show(found, moment, _zone(config.timezone))


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"CSBM_TIMEZONE: {name!r} is not a time zone (e.g. Europe/Minsk or UTC)")


def _show(found: list[Deadline], at: dt.datetime, zone: dt.tzinfo) -> None:
    from rich.table import Table

    if not found:
        console.print(f"Nothing falls due (as at {at:%Y-%m-%d %H:%M} UTC).")
        return
    table = Table(title=f"Due as at {at.astimezone(zone):%Y-%m-%d %H:%M %Z} ({at:%H:%M} UTC)")
    for column in ("status", "due", "UTC", "left", "kind", "ref", "agreement", "who", "source"):
        table.add_column(column)
    for d in found:
        missed = d.status == "missed"
        table.add_row(
            "[bold red]MISSED[/]" if missed else "open",
            f"{d.due_at.astimezone(zone):%Y-%m-%d %H:%M %Z}",
            f"{d.due_at:%Y-%m-%d %H:%M}",
            _left(d.hours_left(at)),
            str(d.kind) + (f" {d.subject}" if d.subject else ""),
            d.ref or "—",
            d.agreement,
            d.responsible_state,
            f"{d.source.paragraph or d.source.document} ({d.source.confidence})",
        )
    console.print(table)


def _left(hours: float) -> str:
    if hours < 0:
        return f"{-hours:.1f} h overdue"
    return f"{hours:.1f} h" if hours < 72 else f"{hours / 24:.1f} d"
