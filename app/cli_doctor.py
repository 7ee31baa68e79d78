"""``csbm doctor``: whether this installation is fit to use (app/services/doctor/).

Registered by app/cli.py; exit 1 when any check failed, 0 otherwise (warnings too).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.markup import escape

from app.cli_output import console, print_json
from app.config import Settings
from app.db.session import make_engine
from app.services import doctor as checkup

_STYLE = {checkup.Status.OK: "green", checkup.Status.WARNING: "yellow", checkup.Status.FAILED: "bold red"}


def doctor(
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="SQLAlchemy URL; default CSBM_DATABASE_URL or var/csbm.sqlite3")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the documented JSON shape")] = False,
) -> None:
    """Check this installation: database and migrations, agreements, chains, fonts, folders,
    backups, scheduler, mail, clock. Exit 1 if any check failed."""
    settings = Settings()
    if database_url:
        settings.database_url = database_url
    engine = make_engine(settings.resolved_database_url())
    try:
        diagnosis = checkup.diagnose(settings, engine, now=dt.datetime.now(dt.UTC))
    finally:
        engine.dispose()
    if json_out:
        print_json(diagnosis.as_json())
    else:
        _show(diagnosis)
    if not diagnosis.ok:
        raise typer.Exit(1)


def _show(diagnosis: checkup.Diagnosis) -> None:
    for check in diagnosis.checks:
        status = f"[{_STYLE[check.status]}]{check.status.upper():8}[/]"
        console.print(f"{status} {checkup.LABELS[check.name]:15} {escape(check.message())}", highlight=False)
        if check.action:
            console.print(f"{'':8} {'':15} [dim]->[/] {escape(check.todo())}", highlight=False)
    counts = {s: sum(c.status is s for c in diagnosis.checks) for s in checkup.Status}
    verdict = "fit to use" if diagnosis.ok else "NOT fit to use"
    console.print(
        f"csbm doctor: {verdict} ({counts[checkup.Status.OK]} ok, {counts[checkup.Status.WARNING]} warning(s), "
        f"{counts[checkup.Status.FAILED]} failed)"
    )
