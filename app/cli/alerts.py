"""``csbm alerts``: the alert step, run by hand (the scheduler runs it every 5 minutes)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import Json, Url, commands, group, now, session, settings
from app.cli.output import emit

app = commands()
alerts = group(app, "alerts", "Alerts: raise our deadlines' alerts and deliver queued alerts (mail, webhook).")
At = Annotated[str | None, typer.Option("--at", help="The moment to act as of (ISO 8601, UTC); default now")]


@alerts.command("notify")
def notify(at: At = None, url: Url = None, as_json: Json = False) -> None:
    """Raise each of our deadlines' alerts once per stage, then deliver what is queued."""
    from app.services.deadlines import parse_at
    from app.services.notify import run

    moment = parse_at(at, now())
    with session(url, write=True) as s:
        done = run(s, settings(url), at=moment)
    counts = done.as_json()
    emit(as_json, counts, ", ".join(f"{k} {v}" for k, v in counts.items()))
