"""``csbm doctor``: whether this installation is fit to use (app/services/doctor/).

Exit 1 when any check failed, 0 otherwise (warnings too).
"""

from __future__ import annotations

import typer
from rich.markup import escape

from app.cli.common import Json, Url, commands, database, now, settings
from app.cli.output import console, print_json
from app.services import doctor as checkup

app = commands()

_STYLE = {checkup.Status.OK: "green", checkup.Status.WARNING: "yellow", checkup.Status.FAILED: "bold red"}


@app.command("doctor")
def doctor(database_url: Url = None, json_out: Json = False) -> None:
    """Check this installation: database, migrations, agreements, chains, fonts, folders, backups, mail.

    Also the scheduler's lease and the clock. Exit 1 if any check failed."""
    chosen = settings(database_url)
    with database(database_url) as engine:
        diagnosis = checkup.diagnose(chosen, engine, now=now())
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
