"""``csbm scheduler``: the report scheduler, a process of its own."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from app.cli.common import Json, Url, commands, database, fail, group, settings
from app.cli.output import console, print_json

app = commands()
scheduler = group(app, "scheduler", "The report scheduler (its own process).")
CatchUpOnly = Annotated[bool, typer.Option("--catch-up-only", help="File missing due reports, then exit")]
Wait = Annotated[float, typer.Option("--wait", help="Seconds to wait for another scheduler's lease")]


@scheduler.command("run")
def run(catch_up_only: CatchUpOnly = False, wait: Wait = 0.0, url: Url = None) -> None:
    """Run the scheduler: take the database lease, catch up on missing reports, run the cron jobs."""
    from app.scheduler import runner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("weasyprint", "fontTools", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    with database(url) as engine:
        try:
            runner.run(settings(url), engine, catch_up_only=catch_up_only, wait=wait)
        except runner.LeaseHeld as exc:
            fail(f"csbm scheduler: {exc}")


@scheduler.command("list")
def listed(url: Url = None, as_json: Json = False) -> None:
    """Each scheduled job with its next run, and which scheduler holds the lease."""
    from app.scheduler import runner

    configured = settings(url)
    with database(url) as engine:
        described = runner.describe(configured, engine, dt.datetime.now(ZoneInfo(configured.timezone)))
    if as_json:
        print_json(described)
        return
    for job in described["jobs"]:
        console.print(f"[bold]{job['id']}[/] {job['cron']} ({described['timezone']}): next run {job['next_run']}")
        console.print(f"  {job['description']}")
    lease = described["lease"]
    console.print(f"Lease: held by {lease['holder']} until {lease['expires_at']}" if lease else "Lease: free")
