"""``csbm statement``, ``csbm reconcile`` and ``csbm reconciliation`` (and ``csbm keys``, app/cli/keys.py).

Key operations need ``--user`` (or CSBM_USER) to
name an enabled admin account; the passphrase of the signing key comes from
CSBM_KEY_PASSPHRASE or a prompt, never from the command line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.common import Json, User, commands, group, period_option
from app.cli.common import Url as DatabaseUrl
from app.cli.common import fail as _fail
from app.cli.common import now as _now
from app.cli.common import session as _session
from app.cli.common import settings as _settings
from app.cli.output import console, emit_rows, print_json
from app.domain.errors import DomainError
from app.domain.reconcile import DEFAULT_TOLERANCE_DAYS, Resolution

PASSPHRASE_ENV = "CSBM_KEY_PASSPHRASE"
EXIT_USAGE = 2

app = commands()
statement_app = group(app, "statement", "Statements of what we recorded with a partner.")
reconciliation_app = group(app, "reconciliation", "Reconciliations with partners' statements.")

KeyFile = Annotated[Path | None, typer.Option("--key", help="The private key file; default CSBM_SIGNING_KEY")]
HomeState = Annotated[str | None, typer.Option("--home-state", help="Default CSBM_HOME_STATE")]
Countersignature = Annotated[Path, typer.Argument(help="The countersignature file the partner sent")]
PartnerStatement = Annotated[Path, typer.Argument(help="The partner's statement: csbm JSON, or the CSV form")]


def _home(home_state: str | None, database_url: str | None) -> str:
    home = home_state or _settings(database_url).home_state
    if not home:
        _fail("the home state is not set: give --home-state or set CSBM_HOME_STATE", EXIT_USAGE)
    return home.upper()


def _key_path(key: Path | None, database_url: str | None) -> Path:
    return key or Path(_settings(database_url).signing_key)


def _passphrase(path: Path) -> str | None:
    from app.services.keys import is_encrypted

    if not is_encrypted(path):
        return None
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        _fail(f"{path} is encrypted: set {PASSPHRASE_ENV} or run the command at a terminal to be asked")
    return str(typer.prompt(f"Passphrase for {path}", hide_input=True))


def _run(database_url: str | None, action: Any, *, write: bool = True) -> Any:
    """Run ``action(session)`` in one transaction; bad input ends the command with its message."""
    try:
        with _session(database_url, write=write) as session:
            return action(session)
    except DomainError as exc:
        _fail(str(exc))


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        _fail(f"{file}: cannot read: {exc.strerror or exc}")


def _write(file: Path, data: bytes) -> None:
    from app.reporting.output import write_atomic

    write_atomic(file, data)


# ---- statements -----------------------------------------------------------------------


@statement_app.command("export")
def statement_export(
    partner: Annotated[str, typer.Option("--partner", help="The partner state, e.g. LT")],
    period: Annotated[str, typer.Option("--period", help="2019, 2019Q2 or 2019-01-01..2019-06-30")],
    out: Annotated[Path, typer.Option("--out", help="The statement (JSON); the CSV form is written beside it")],
    agreement: Annotated[str | None, typer.Option("--agreement", help="Only this agreement")] = None,
    home_state: HomeState = None,
    key: KeyFile = None,
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Write our signed statement with a partner for a period, as JSON and as CSV."""
    from app.services.statements import export_statement

    chosen = period_option(period)
    home, path = _home(home_state, database_url), _key_path(key, database_url)
    passphrase, by = _passphrase(path), _settings(database_url, user).resolved_user()

    def export(session: Any) -> Any:
        exported = export_statement(
            session,
            home=home,
            partner=partner.upper(),
            period=chosen,
            agreement=agreement,
            key_path=path,
            passphrase=passphrase,
            at=_now(),
            by=by,
        )
        # Written inside the transaction: a statement on disk is always one that is recorded.
        _write(out, exported.json)
        _write(out.with_suffix(".csv"), exported.csv)
        return exported

    exported = _run(database_url, export)
    statement = exported.statement
    if json_out:
        print_json(
            {
                "file": str(out),
                "csv": str(out.with_suffix(".csv")),
                "sha256": statement.sha256(),
                "entries": len(statement.entries),
                "quotas": len(statement.quotas),
            }
        )
        return
    console.print(
        f"{out}: {statement.issuer}-{statement.partner} {statement.period.label}, {len(statement.entries)} entries, "
        f"{len(statement.quotas)} quota rows; sha256 {statement.sha256()}; CSV form {out.with_suffix('.csv')}",
        highlight=False,
    )


@statement_app.command("accept-countersignature")
def statement_accept_countersignature(
    file: Countersignature, home_state: HomeState = None, database_url: DatabaseUrl = None, user: User = None
) -> None:
    """Verify the partner's countersignature over one of our statements, and keep it."""
    from app.services.countersign import accept_countersignature

    data, home, by = _read(file), _home(home_state, database_url), _settings(database_url, user).resolved_user()
    sha = _run(database_url, lambda s: accept_countersignature(s, data, str(file), home=home, at=_now(), by=by))
    console.print(f"{file}: the countersignature verifies; statement {sha} is countersigned.", highlight=False)


# ---- reconcile ----------------------------------------------------------------------------


@app.command("reconcile")
def reconcile_command(
    file: PartnerStatement,
    tolerance_days: Annotated[
        int, typer.Option("--tolerance-days", min=0, max=31, help="How far apart matching start dates may be")
    ] = DEFAULT_TOLERANCE_DAYS,
    home_state: HomeState = None,
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Reconcile a partner's statement with our ledger and record the result."""
    from app.services import reconciliation
    from app.services.reconciliation_view import load_reconciliation

    data, home, by = _read(file), _home(home_state, database_url), _settings(database_url, user).resolved_user()

    def run(session: Any) -> Any:
        number = reconciliation.reconcile(
            session, data, str(file), home=home, tolerance_days=tolerance_days, at=_now(), by=by
        )
        return load_reconciliation(session, number)

    view = _run(database_url, run)
    _show(view, json_out)


def _show(view: Any, json_out: bool) -> None:
    from app.cli.reconcile_output import show_reconciliation

    if json_out:
        print_json(view.as_json())
    else:
        show_reconciliation(view)


@reconciliation_app.command("list")
def reconciliation_list(database_url: DatabaseUrl = None, json_out: Json = False) -> None:
    """Every recorded reconciliation, newest first."""
    from app.services.reconciliation_view import list_reconciliations

    found = _run(database_url, list_reconciliations, write=False)
    emit_rows(json_out, found, _reconciliation_line, "No reconciliations are recorded.")


def _reconciliation_line(r: dict[str, Any]) -> str:
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in r["summary"].items())
    signed = "signed" if r["signed"] else "UNSIGNED"
    return f"{r['number']}: {r['partner']} {r['period']} ({signed}) {counts}"


@reconciliation_app.command("show")
def reconciliation_show(
    number: Annotated[int, typer.Argument()], database_url: DatabaseUrl = None, json_out: Json = False
) -> None:
    """One reconciliation with its resolutions."""
    from app.services.reconciliation_view import load_reconciliation

    _show(_run(database_url, lambda s: load_reconciliation(s, number), write=False), json_out)


@reconciliation_app.command("resolve")
def reconciliation_resolve(
    number: Annotated[int, typer.Argument(help="The reconciliation")],
    item: Annotated[int, typer.Argument(help="The item (a difference) of it")],
    resolution: Annotated[str, typer.Option("--as", help="agreed-as-ours, agreed-as-theirs or disputed")],
    note: Annotated[str, typer.Option("--note", help="What was agreed, and by whom")],
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Record how a difference was resolved. Agreed-as-theirs proposes a revision; it records none."""
    from app.services.reconciliation import resolve

    try:
        chosen = Resolution(resolution)
    except ValueError:
        _fail(f"--as: {resolution!r} is not one of {', '.join(r.value for r in Resolution)}", EXIT_USAGE)
    by = _settings(database_url, user).resolved_user()
    outcome = _run(database_url, lambda s: resolve(s, number, item, chosen, note, at=_now(), by=by))
    if json_out:
        print_json(outcome)
        return
    console.print(f"reconciliation {number}, item {item}: {chosen}", highlight=False)
    if outcome["command"]:
        console.print("Nothing was changed in the ledger. To record the partner's version, run:", highlight=False)
        sys.stdout.write(outcome["command"] + "\n")


@reconciliation_app.command("report")
def reconciliation_report(
    number: Annotated[int, typer.Argument()],
    out: Annotated[Path, typer.Option("--out", help="Folder for the report files")] = Path("reports"),
    formats: Annotated[str, typer.Option("--format", help="html,pdf")] = "html,pdf",
    lang: Annotated[str, typer.Option("--lang", help="en, ru or en,ru")] = "en,ru",
    database_url: DatabaseUrl = None,
) -> None:
    """Write the reconciliation report (HTML, PDF; English, Russian), laid out for both heads of delegation to sign."""
    from app.services.reconciliation_report import FORMATS, render_report
    from app.services.reconciliation_view import load_reconciliation

    chosen = [f for f in formats.split(",") if f]
    languages = [x for x in lang.split(",") if x]
    if any(f not in FORMATS for f in chosen) or any(x not in ("en", "ru") for x in languages):
        _fail(f"--format is among {', '.join(FORMATS)} and --lang among en, ru", EXIT_USAGE)
    view = _run(database_url, lambda s: load_reconciliation(s, number), write=False)
    for language in languages:
        for fmt in chosen:
            path = out / f"reconciliation-{number}" / f"reconciliation-{number}.{language}.{fmt}"
            _write(path, render_report(view, fmt, language))
            console.print(f"{path}", highlight=False)


@reconciliation_app.command("countersign")
def reconciliation_countersign(
    number: Annotated[int, typer.Argument()],
    out: Annotated[Path, typer.Option("--out", help="The countersignature file to send the partner")],
    key: KeyFile = None,
    database_url: DatabaseUrl = None,
    user: User = None,
) -> None:
    """Countersign the partner's statement once every difference is agreed as theirs."""
    from app.services.countersign import countersign

    path = _key_path(key, database_url)
    passphrase, by = _passphrase(path), _settings(database_url, user).resolved_user()

    def sign(session: Any) -> bytes:
        data = countersign(session, number, key_path=path, passphrase=passphrase, at=_now(), by=by)
        _write(out, data)
        return data

    _run(database_url, sign)
    console.print(
        f"{out}: countersignature of reconciliation {number}'s statement; send it to the partner.", highlight=False
    )
