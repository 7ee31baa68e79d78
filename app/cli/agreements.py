"""``csbm agreements``: load, validate, list and show the agreement files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.catalog.loader import CatalogError, load_directory
from app.cli.common import AsOf, Json, Url, User, commands, fail, group, now, session, who
from app.cli.lazy import EXIT_USAGE
from app.cli.output import console, print_json, show_agreement
from app.services import catalog
from app.services.errors import InvalidInput
from app.services.status import chosen_agreements, replay_moment

app = commands()
agreements = group(app, "agreements", "Agreements: load, list, validate.")
AgreementId = Annotated[str, typer.Argument(metavar="AGREEMENT")]
Folder = Annotated[Path | None, typer.Argument(help="Folder or file of agreements; default: the shipped ones")]


@agreements.command("load")
def load(directory: Folder = None, url: Url = None, user: User = None, as_json: Json = False) -> None:
    """Validate and load agreements; each changed file becomes a new version."""
    try:
        with session(url, write=True) as s:
            results = catalog.load_agreements(s, directory, at=now(), by=who(url, user))
    except CatalogError as exc:
        fail(str(exc))
    if as_json:
        print_json([r.as_json() for r in results])
        return
    for r in results:
        state = "loaded as version" if r.changed else "unchanged, version"
        console.print(f"{r.agreement_id}: {state} {r.version} ({r.sha256[:12]})")


@agreements.command("validate")
def validate(directory: Folder = None) -> None:
    """Validate agreement files without touching the database."""
    try:
        loaded = load_directory(directory or catalog.shipped_agreements())
    except CatalogError as exc:
        fail(str(exc))
    for item in loaded:
        console.print(f"{item.filename}: valid ({item.agreement.id}, {len(item.agreement.quota_rules)} quota rules)")


@agreements.command("doc")
def doc(
    directory: Folder = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write it (default: standard output)")] = None,
) -> None:
    """Write every rule, value, source and confidence of the agreement files as Markdown (docs/rules.md)."""
    from app.catalog.rules_doc import render

    try:
        loaded = load_directory(directory or catalog.shipped_agreements())
    except CatalogError as exc:
        fail(str(exc))
    text = render(item.agreement for item in loaded)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@agreements.command("list")
def listed(url: Url = None, as_of: AsOf = None, as_json: Json = False) -> None:
    """List the loaded agreements."""
    with session(url) as s:
        rows = catalog.list_agreements(s, replay_moment(as_of))
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No agreements loaded; run `csbm agreements load`.")
    for r in rows:
        ended = f", terminated {r['terminated_on']}" if r["terminated_on"] else ""
        console.print(
            f"[bold]{r['id']}[/] v{r['version']}: {r['title']} "
            f"(in force {r['in_force_from']}{ended}; {r['parties']} parties)"
        )


@agreements.command("show")
def show(agreement_id: AgreementId, url: Url = None, as_of: AsOf = None, as_json: Json = False) -> None:
    """One agreement: its rules with their sources, and the parties' status timelines."""
    when = replay_moment(as_of)
    try:
        with session(url) as s:
            loaded = chosen_agreements(s, agreement_id, when)
    except InvalidInput as exc:
        # An AGREEMENT that is not loaded is a usage error, like an option value that is not allowed.
        fail(f"AGREEMENT: {exc.problems[0].message}", EXIT_USAGE)
    described = catalog.describe_agreement(loaded[agreement_id])
    if as_json:
        print_json(described)
    else:
        show_agreement(described)
