"""``csbm report``: file a compliance report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import Json, Url, commands, fail, now, period_option, session, settings
from app.cli.lazy import EXIT_USAGE
from app.cli.output import console, print_json

app = commands()


def _split(value: str, allowed: tuple[str, ...], option: str) -> list[str]:
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [c for c in chosen if c not in allowed]
    if unknown or not chosen:
        fail(f"{option}: {', '.join(unknown) or 'nothing'} is not one of {', '.join(allowed)}", EXIT_USAGE)
    return list(dict.fromkeys(chosen))


@app.command("report")
def report(
    period: Annotated[str, typer.Option("--period", help="2026Q1, 2026, or 2026-01-01..2026-03-31")],
    formats: Annotated[str, typer.Option("--format", help="html,pdf,xlsx,csv,json (comma-separated)")],
    lang: Annotated[str, typer.Option("--lang", help="en or ru, or both: en,ru")] = "en",
    home_state: Annotated[
        str | None, typer.Option("--home-state", help="Default CSBM_HOME_STATE; none: all states")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for reports")] = Path("reports"),
    url: Url = None,
    as_json: Json = False,
) -> None:
    """Write a compliance report; a report once filed is never overwritten."""
    from app.reporting.i18n import LANGUAGES
    from app.services import reports

    chosen_period = period_option(period)
    chosen_formats = _split(formats, reports.FORMATS, "--format")
    languages = _split(lang, LANGUAGES, "--lang")
    configured = settings(url)
    with session(url, write=True) as s:
        written = reports.generate_report(
            s,
            chosen_period,
            formats=chosen_formats,
            languages=languages,
            out=out,
            generated_at=now(),
            home_state=home_state or configured.home_state,
            by=configured.resolved_user(),
        )
    if as_json:
        print_json({"folder": str(written.folder), "written": written.written, "unchanged": written.unchanged})
    elif written.written:
        console.print(f"{written.folder}: wrote {', '.join(written.written)}")
    else:
        console.print(f"{written.folder}: unchanged (the inputs have not changed since it was filed)")
