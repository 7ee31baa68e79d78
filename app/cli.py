"""The ``csbm`` command line (SEMANTICS section 6).

Exit codes: 0 success; 1 bad input, nothing written; 2 usage error;
3 refused by a quota check, nothing written.

Reports, the scheduler, migrations and the demo data are imported inside
their commands: they pull in openpyxl, WeasyPrint, APScheduler and Alembic,
and every other command (an import, a quota look-up) would pay for them at
start-up.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app import cli_doctor
from app.catalog.loader import CatalogError, load_directory
from app.cli_output import console, print_json, show_agreement, show_check, show_findings, show_quota
from app.config import Settings
from app.db.migrate import upgrade
from app.db.session import make_engine, transaction
from app.domain.errors import DomainError
from app.domain.ledger import Declaration
from app.domain.moments import parse_moment
from app.domain.report import parse_period
from app.services import accounts, catalog, ledger
from app.services.evaluation import evaluate_range, findings_of, party_has_state, quota_rows
from app.services.ledger_csv import EntryContext, LedgerFileError, parse_entry
from app.services.states import known_states

EXIT_BAD_INPUT, EXIT_USAGE, EXIT_REFUSED = 1, 2, 3

app = typer.Typer(
    help="csbm: compliance tracker for confidence- and security-building measures.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
agreements_app = typer.Typer(help="Agreements: load, list, validate.", no_args_is_help=True)
ledger_app = typer.Typer(help="The ledger of inspections, visits and flights.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(agreements_app, name="agreements")
app.add_typer(ledger_app, name="ledger")
scheduler_app = typer.Typer(help="The report scheduler (its own process).", no_args_is_help=True)
app.add_typer(scheduler_app, name="scheduler")
users_app = typer.Typer(help="Web users and roles (viewer, officer, admin).", no_args_is_help=True)
app.add_typer(users_app, name="users")
tokens_app = typer.Typer(help="API tokens (stored hashed, with an expiry).", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")

DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL; default CSBM_DATABASE_URL or var/csbm.sqlite3")
]
User = Annotated[str | None, typer.Option("--user", help="Who records this; default CSBM_USER or the OS user")]
Json = Annotated[bool, typer.Option("--json", help="Print the documented JSON shape")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Replay as recorded at this ISO datetime")]


def _settings(database_url: str | None = None, user: str | None = None) -> Settings:
    settings = Settings()
    if database_url:
        settings.database_url = database_url
    if user:
        settings.user = user
    return settings


def _engine(database_url: str | None) -> Engine:
    return make_engine(_settings(database_url).resolved_database_url())


@contextmanager
def _session(database_url: str | None, *, write: bool = False) -> Iterator[Session]:
    """One transaction against the configured database; the engine is disposed after."""
    engine = _engine(database_url)
    try:
        with transaction(engine, write=write) as session:
            yield session
    finally:
        engine.dispose()


@contextmanager
def _database(database_url: str | None) -> Iterator[Engine]:
    """The configured database's engine, disposed after; a database error ends the
    command with the one-line message of _database_errors."""
    engine = _engine(database_url)
    try:
        yield engine
    except OperationalError as exc:
        _database_errors(exc)
    finally:
        engine.dispose()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _error(message: str) -> None:
    """Errors go to stderr unwrapped: one located problem per line, greppable."""
    sys.stderr.write(message + "\n")


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    _error(message)
    raise typer.Exit(code)


def _as_of(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        moment = parse_moment(value, field="--as-of")
    except DomainError as exc:
        _fail(str(exc), EXIT_USAGE)
    if isinstance(moment, dt.datetime):
        return moment
    # A date means "as recorded by the end of that day".
    return dt.datetime.combine(moment, dt.time.max, tzinfo=dt.UTC)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: {value!r} is not an ISO date (YYYY-MM-DD)", EXIT_USAGE)


def _database_errors(exc: Exception) -> NoReturn:
    text = str(exc).splitlines()[0]
    if "no such table" in text or "does not exist" in text:
        _fail(f"the database is not set up: run `csbm db upgrade` first ({text})")
    _fail(f"database error: {text}")


# ---- db ---------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Apply the migrations."""
    engine = _engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    console.print(f"Database at {engine.url.render_as_string(hide_password=True)} is up to date.")


# ---- agreements -------------------------------------------------------------


@agreements_app.command("load")
def agreements_load(
    directory: Annotated[
        Path | None, typer.Argument(help="Folder of agreement files; default: the shipped ones")
    ] = None,
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Validate and load agreements; each changed file becomes a new version."""
    settings = _settings(database_url, user)
    try:
        with _session(database_url, write=True) as session:
            results = catalog.load_agreements(session, directory, at=_now(), by=settings.resolved_user())
    except CatalogError as exc:
        _fail(str(exc))
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json(
            [
                {"agreement": r.agreement_id, "version": r.version, "changed": r.changed, "sha256": r.sha256}
                for r in results
            ]
        )
        return
    for r in results:
        state = "loaded as version" if r.changed else "unchanged, version"
        console.print(f"{r.agreement_id}: {state} {r.version} ({r.sha256[:12]})")


@agreements_app.command("validate")
def agreements_validate(
    directory: Annotated[Path | None, typer.Argument(help="Folder or file; default: the shipped agreements")] = None,
) -> None:
    """Validate agreement files without touching the database."""
    try:
        loaded = load_directory(directory or catalog.shipped_agreements())
    except CatalogError as exc:
        _fail(str(exc))
    for item in loaded:
        console.print(f"{item.filename}: valid ({item.agreement.id}, {len(item.agreement.quota_rules)} quota rules)")


@agreements_app.command("list")
def agreements_list(database_url: DatabaseUrl = None, as_of: AsOf = None, json_out: Json = False) -> None:
    """List the loaded agreements."""
    when = _as_of(as_of)
    try:
        with _session(database_url) as session:
            rows = catalog.list_agreements(session, when)
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
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


@agreements_app.command("show")
def agreements_show(
    agreement_id: Annotated[str, typer.Argument(metavar="AGREEMENT")],
    database_url: DatabaseUrl = None,
    as_of: AsOf = None,
    json_out: Json = False,
) -> None:
    """One agreement: its rules with their sources, and the parties' status timelines."""
    when = _as_of(as_of)
    try:
        with _session(database_url) as session:
            agreements = catalog.agreements_as_of(session, when)
    except OperationalError as exc:
        _database_errors(exc)
    _known_agreement(agreements, agreement_id)
    described = catalog.describe_agreement(agreements[agreement_id])
    if json_out:
        print_json(described)
    else:
        show_agreement(described)


# ---- ledger -----------------------------------------------------------------


def _context(session: Any) -> EntryContext:
    agreements = catalog.agreements_as_of(session)
    if not agreements:
        _fail("no agreements are loaded: run `csbm agreements load` first")
    return EntryContext(agreements=agreements, states=known_states())


@ledger_app.command("import")
def ledger_import(
    file: Annotated[Path, typer.Argument(help="Ledger CSV")],
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Import a ledger CSV, all or nothing. Changed rows become new revisions."""
    settings = _settings(database_url, user)
    try:
        with _session(database_url, write=True) as session:
            summary = ledger.import_ledger(session, file, _context(session), at=_now(), by=settings.resolved_user())
    except LedgerFileError as exc:
        for message in exc.messages:
            _error(message)
        _fail(f"{file}: nothing was imported ({len(exc.messages)} error(s))")
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json({"created": summary.created, "revised": summary.revised, "unchanged": summary.unchanged})
    else:
        console.print(f"{file}: {summary.created} new, {summary.revised} revised, {summary.unchanged} unchanged.")


EntryOption = Annotated[str | None, typer.Option()]


def _entry_from_options(session: Any, options: dict[str, str | None]) -> Any:
    values = {k: v or "" for k, v in options.items()}
    entry, problems = parse_entry(values, _context(session))
    if entry is None:
        _fail("\n".join(f"--{column.replace('_', '-')}: {message}" for column, message in problems))
    return entry


@ledger_app.command("add")
def ledger_add(
    ref: EntryOption = None,
    agreement: EntryOption = None,
    activity: EntryOption = None,
    inspecting_state: EntryOption = None,
    receiving_state: EntryOption = None,
    requested_at: EntryOption = None,
    replied_at: EntryOption = None,
    start: EntryOption = None,
    end: EntryOption = None,
    status: EntryOption = None,
    team_size: EntryOption = None,
    location: EntryOption = None,
    object: EntryOption = None,
    notes: EntryOption = None,
    within_quota: Annotated[
        bool, typer.Option("--within-quota", help="Refuse (exit 3) if it would go over any limit")
    ] = False,
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Record one entry (a new revision when the ref exists with other values)."""
    options = {k: v for k, v in locals().items() if k not in ("within_quota", "database_url", "user", "json_out")}
    settings = _settings(database_url, user)
    try:
        with _session(database_url, write=True) as session:
            entry = _entry_from_options(session, options)
            agreements = catalog.agreements_as_of(session)
            outcome = ledger.record_entry(
                session, entry, agreements, at=_now(), by=settings.resolved_user(), within_quota=within_quota
            )
    except ledger.QuotaRefused as exc:
        if json_out:
            print_json({"ref": options["ref"], "outcome": "refused", **exc.result.as_json()})
        for finding in exc.result.over_limit:
            _error(finding.message)
        _fail(f"{options['ref']}: refused by --within-quota; nothing was recorded", EXIT_REFUSED)
    except IntegrityError:
        _fail(f"{options['ref']}: recorded by someone else at the same moment; run the command again")
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json({"ref": entry.ref, "outcome": str(outcome)})
    else:
        console.print(f"{entry.ref}: {outcome}")


@ledger_app.command("export")
def ledger_export(
    file: Annotated[Path, typer.Argument(help="Where to write the CSV ('-' for standard output)")],
    database_url: DatabaseUrl = None,
    as_of: AsOf = None,
) -> None:
    """Export the ledger (as of a time) as CSV in the import format."""
    when = _as_of(as_of)
    try:
        with _session(database_url) as session:
            if str(file) == "-":
                count = ledger.export_ledger(session, sys.stdout, as_of=when)
                return
            tmp = file.with_name(file.name + ".part")
            with tmp.open("w", encoding="utf-8", newline="") as stream:
                count = ledger.export_ledger(session, stream, as_of=when)
            tmp.replace(file)
    except OperationalError as exc:
        _database_errors(exc)
    _error(f"{file}: {count} entries written.")


@ledger_app.command("history")
def ledger_history(
    ref: Annotated[str, typer.Argument()],
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """Every revision of an entry, with who recorded it and when."""
    try:
        with _session(database_url) as session:
            revisions = ledger.entry_history(session, ref)
    except OperationalError as exc:
        _database_errors(exc)
    if not revisions:
        _fail(f"no entry with ref {ref!r}")
    rows = [
        {
            **r.entry.as_record(),
            "team_size": r.entry.team_size,
            "replied_at": r.entry.as_record()["replied_at"] or None,
            "revision": r.revision,
            "recorded_at": _utc(r.recorded_at).isoformat(),
            "recorded_by": r.recorded_by,
        }
        for r in revisions
    ]
    if json_out:
        print_json(rows)
        return
    previous: dict[str, Any] = {}
    for row in rows:
        changed = [
            k for k, v in row.items() if k not in ("revision", "recorded_at", "recorded_by") and previous.get(k) != v
        ]
        what = (
            "created"
            if not previous
            else "changed " + ", ".join(f"{k}: {previous[k]!r} -> {row[k]!r}" for k in changed)
        )
        console.print(f"[bold]revision {row['revision']}[/] {row['recorded_at']} by {row['recorded_by']}: {what}")
        previous = row


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


# ---- declarations -----------------------------------------------------------


@app.command("declare")
def declare(
    state: Annotated[str, typer.Argument(help="State code, or a group id such as BY+RU")],
    year: Annotated[int, typer.Argument()],
    name: Annotated[str, typer.Argument(help="e.g. units (VD), oov (CFE), passive_quota (Open Skies)")],
    value: Annotated[int, typer.Argument()],
    source: Annotated[str, typer.Option("--source", help="Where the figure comes from")] = "",
    database_url: DatabaseUrl = None,
    user: User = None,
    json_out: Json = False,
) -> None:
    """Record a declaration that a quota is computed from."""
    settings = _settings(database_url, user)
    try:
        declaration = Declaration(state=state, year=year, name=name, value=value, source=source)
    except DomainError as exc:
        _fail(str(exc))
    try:
        with _session(database_url, write=True) as session:
            changed = ledger.declare(session, declaration, at=_now(), by=settings.resolved_user())
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json({"state": state, "year": year, "name": name, "value": value, "changed": changed})
    else:
        console.print(f"{state} {year} {name} = {value}: {'recorded' if changed else 'unchanged'}")


@app.command("declarations")
def declarations_list(
    year: Annotated[int | None, typer.Option("--year")] = None,
    state: Annotated[str | None, typer.Option("--state")] = None,
    as_of: AsOf = None,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """List the declarations quotas are computed from (latest value of each)."""
    when = _as_of(as_of)
    try:
        with _session(database_url) as session:
            found = [
                d
                for d in ledger.list_declarations(session, as_of=when)
                if (year is None or d.year == year) and (state is None or d.state == state)
            ]
    except OperationalError as exc:
        _database_errors(exc)
    rows = [{"state": d.state, "year": d.year, "name": d.name, "value": d.value, "source": d.source} for d in found]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['state']} {r['year']} {r['name']} = {r['value']}  [dim]{r['source']}[/]")
    if not rows:
        console.print("No declarations.")


# ---- quota, findings, check -------------------------------------------------


@app.command("quota")
def quota(
    year: Annotated[int | None, typer.Option("--year", help="Calendar year; default: this year")] = None,
    agreement: Annotated[str | None, typer.Option("--agreement")] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="Only rows where this state receives or inspects")
    ] = None,
    as_of: AsOf = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also show untouched pairwise rows")] = False,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """How much of each quota is used, pending and left, in both directions."""
    when = _as_of(as_of)
    the_year = year or (when or _now()).year
    start, end = dt.date(the_year, 1, 1), dt.date(the_year, 12, 31)
    try:
        with _session(database_url) as session:
            agreements = catalog.agreements_as_of(session, when)
            _known_agreement(agreements, agreement)
            evaluations = evaluate_range(session, agreements, start=start, end=end, agreement=agreement, as_of=when)
    except OperationalError as exc:
        _database_errors(exc)
    rows = quota_rows(evaluations, state)
    if not evaluations:
        _error("no agreements are loaded: run `csbm agreements load` (or `csbm demo`)")
    if json_out:
        print_json([r.as_json() for r in rows])
        return
    by_id = {ev.agreement.id: ev.agreement for ev in evaluations}

    def concerns(row: Any, side: str) -> bool:
        party = row.receiving_state if side == "receiving" else row.inspecting_state
        return state is not None and party_has_state(by_id[row.agreement], party, state)

    show_quota(rows, state=state, show_all=show_all, concerns=concerns)


def _known_agreement(agreements: dict[str, Any], agreement: str | None) -> None:
    if agreement is not None and agreement not in agreements:
        _fail(
            f"--agreement: unknown agreement {agreement!r} (known: {', '.join(sorted(agreements)) or 'none loaded'})",
            EXIT_USAGE,
        )


@app.command("findings")
def findings(
    date_from: Annotated[
        str | None, typer.Option("--from", help="First start date (default: 1 January this year)")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last start date (default: 31 December of --from's year)")
    ] = None,
    agreement: Annotated[str | None, typer.Option("--agreement")] = None,
    state: Annotated[str | None, typer.Option("--state")] = None,
    as_of: AsOf = None,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """List findings about entries that start in a date range."""
    when = _as_of(as_of)
    start = _date(date_from, "--from") or dt.date((when or _now()).year, 1, 1)
    end = _date(date_to, "--to") or dt.date(start.year, 12, 31)
    if end < start:
        _fail("--to is before --from", EXIT_USAGE)
    try:
        with _session(database_url) as session:
            agreements = catalog.agreements_as_of(session, when)
            _known_agreement(agreements, agreement)
            found = findings_of(
                evaluate_range(session, agreements, start=start, end=end, agreement=agreement, as_of=when), state
            )
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json([f.as_json() for f in found])
    else:
        show_findings(found)


@app.command("check")
def check(
    ref: Annotated[str, typer.Option(help="A ref for the proposed entry")] = "PROPOSED",
    agreement: EntryOption = None,
    activity: EntryOption = None,
    inspecting_state: EntryOption = None,
    receiving_state: EntryOption = None,
    requested_at: EntryOption = None,
    replied_at: EntryOption = None,
    start: EntryOption = None,
    end: EntryOption = None,
    status: Annotated[str, typer.Option()] = "requested",
    team_size: EntryOption = None,
    location: EntryOption = None,
    object: EntryOption = None,
    notes: EntryOption = None,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """What a proposed entry would do to the quotas and which findings it would raise; records nothing."""
    options = {k: v for k, v in locals().items() if k not in ("database_url", "json_out")}
    try:
        with _session(database_url) as session:
            entry = _entry_from_options(session, options)
            result = ledger.check_entry(session, entry, catalog.agreements_as_of(session)[entry.agreement])
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json(result.as_json())
    else:
        show_check(result)


# ---- reports ----------------------------------------------------------------


def _split(value: str, allowed: tuple[str, ...], option: str) -> list[str]:
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    unknown = [c for c in chosen if c not in allowed]
    if unknown or not chosen:
        _fail(f"{option}: {', '.join(unknown) or 'nothing'} is not one of {', '.join(allowed)}", EXIT_USAGE)
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
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """Write a compliance report; a report once filed is never overwritten."""
    from app.reporting.i18n import LANGUAGES
    from app.services import reports

    try:
        chosen_period = parse_period(period)
    except DomainError as exc:
        _fail(f"--period: {exc.message}", EXIT_USAGE)
    chosen_formats = _split(formats, reports.FORMATS, "--format")
    languages = _split(lang, LANGUAGES, "--lang")
    home = home_state or _settings(database_url).home_state
    try:
        with _session(database_url, write=True) as session:
            written = reports.generate_report(
                session,
                chosen_period,
                formats=chosen_formats,
                languages=languages,
                out=out,
                generated_at=_now(),
                home_state=home,
                by=_settings(database_url).resolved_user(),
            )
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json({"folder": str(written.folder), "written": written.written, "unchanged": written.unchanged})
        return
    if written.written:
        console.print(f"{written.folder}: wrote {', '.join(written.written)}")
    else:
        console.print(f"{written.folder}: unchanged (the inputs have not changed since it was filed)")


# ---- scheduler --------------------------------------------------------------


@scheduler_app.command("run")
def scheduler_run(
    catch_up_only: Annotated[bool, typer.Option("--catch-up-only", help="File missing due reports, then exit")] = False,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for another scheduler's lease")] = 0.0,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the scheduler: take the database lease, catch up on missing reports, run the cron jobs."""
    from app.scheduler import runner

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("weasyprint", "fontTools", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = _settings(database_url)
    with _database(database_url) as engine:
        try:
            runner.run(settings, engine, catch_up_only=catch_up_only, wait=wait)
        except runner.LeaseHeld as exc:
            _fail(f"csbm scheduler: {exc}")


@scheduler_app.command("list")
def scheduler_list(database_url: DatabaseUrl = None, json_out: Json = False) -> None:
    """Each scheduled job with its next run, and which scheduler holds the lease."""
    from app.scheduler import runner

    settings = _settings(database_url)
    with _database(database_url) as engine:
        described = runner.describe(settings, engine, dt.datetime.now(ZoneInfo(settings.timezone)))
    if json_out:
        print_json(described)
        return
    for job in described["jobs"]:
        console.print(f"[bold]{job['id']}[/] {job['cron']} ({described['timezone']}): next run {job['next_run']}")
        console.print(f"  {job['description']}")
    lease = described["lease"]
    console.print(f"Lease: held by {lease['holder']} until {lease['expires_at']}" if lease else "Lease: free")


# ---- web --------------------------------------------------------------------


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Uvicorn worker processes")] = 1,
    database_url: DatabaseUrl = None,
) -> None:
    """Serve the web app and the API (the scheduler runs separately: csbm scheduler run)."""
    import uvicorn

    if database_url:
        os.environ["CSBM_DATABASE_URL"] = database_url
    # Each worker process builds its own app (and engine) from the environment.
    os.environ.setdefault("CSBM_DATABASE_URL", _settings(database_url).resolved_database_url())
    console.print(f"csbm is serving on http://{host}:{port}/ (API docs: http://{host}:{port}/api/docs)")
    from app.web import serving

    config = uvicorn.Config(
        "app.web.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )
    with suppress(KeyboardInterrupt):  # Ctrl-C is how a foreground server is stopped
        serving.run(config)


# ---- users and tokens -------------------------------------------------------

RoleOption = Annotated[str, typer.Option("--role", help="viewer, officer or admin")]


def _role(value: str) -> accounts.Role:
    try:
        return accounts.Role(value)
    except ValueError:
        _fail(f"--role: {value!r} is not one of viewer, officer, admin", EXIT_USAGE)


def _password(password_stdin: bool) -> tuple[str, bool]:
    """The password from standard input, or a generated one (then printed once)."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return accounts.generate_password(), True


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument()],
    role: RoleOption = "viewer",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
    exist_ok: Annotated[
        bool, typer.Option("--exist-ok", help="If the user exists, give it a new password instead")
    ] = False,
    database_url: DatabaseUrl = None,
    user: User = None,
) -> None:
    """Add a user. Without --password-stdin a password is generated and printed once."""
    chosen_role = _role(role)
    password, generated = _password(password_stdin)
    try:
        with _session(database_url, write=True) as session:
            by = _settings(database_url, user).resolved_user()
            if exist_ok and accounts.exists(session, username):
                accounts.set_password(session, username=username, password=password, at=_now(), by=by)
            else:
                accounts.add_user(session, username=username, password=password, role=chosen_role, at=_now(), by=by)
    except DomainError as exc:
        _fail(str(exc))
    except OperationalError as exc:
        _database_errors(exc)
    console.print(
        f"user {username} ({chosen_role})" + (f"; password: {password}" if generated else ""), highlight=False
    )


@users_app.command("list")
def users_list(database_url: DatabaseUrl = None, json_out: Json = False) -> None:
    """List the users with their roles."""
    try:
        with _session(database_url) as session:
            found = accounts.list_users(session)
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json(found)
        return
    for u in found:
        console.print(f"{u['username']}: {u['role']}{' (disabled)' if u['disabled'] else ''}", highlight=False)


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument()],
    enable: Annotated[bool, typer.Option("--enable", help="Enable the user again")] = False,
    database_url: DatabaseUrl = None,
    user: User = None,
) -> None:
    """Disable a user (their sessions and tokens stop working at once)."""
    try:
        with _session(database_url, write=True) as session:
            accounts.set_disabled(
                session,
                username=username,
                disabled=not enable,
                at=_now(),
                by=_settings(database_url, user).resolved_user(),
            )
    except DomainError as exc:
        _fail(str(exc))
    except OperationalError as exc:
        _database_errors(exc)
    console.print(f"user {username}: {'enabled' if enable else 'disabled'}")


@users_app.command("set-password")
def users_set_password(
    username: Annotated[str, typer.Argument()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin")] = False,
    database_url: DatabaseUrl = None,
    user: User = None,
) -> None:
    """Set a user's password (generated and printed once without --password-stdin)."""
    password, generated = _password(password_stdin)
    try:
        with _session(database_url, write=True) as session:
            accounts.set_password(
                session,
                username=username,
                password=password,
                at=_now(),
                by=_settings(database_url, user).resolved_user(),
            )
    except DomainError as exc:
        _fail(str(exc))
    except OperationalError as exc:
        _database_errors(exc)
    console.print(f"user {username}: password set" + (f" to {password}" if generated else ""), highlight=False)


@tokens_app.command("create")
def tokens_create(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option("--name", help="What the token is for")] = "api",
    days: Annotated[int, typer.Option("--days", help="Days until it expires")] = 90,
    database_url: DatabaseUrl = None,
    user: User = None,
) -> None:
    """Create an API token for a user; it is shown once and stored only as a hash."""
    try:
        with _session(database_url, write=True) as session:
            token = accounts.create_token(
                session,
                username=username,
                name=name,
                days=days,
                at=_now(),
                by=_settings(database_url, user).resolved_user(),
            )
    except DomainError as exc:
        _fail(str(exc))
    except OperationalError as exc:
        _database_errors(exc)
    sys.stdout.write(token + "\n")


@tokens_app.command("revoke")
def tokens_revoke(
    token_stdin: Annotated[bool, typer.Option("--token-stdin", help="Read the token from stdin")] = True,
    database_url: DatabaseUrl = None,
    user: User = None,
) -> None:
    """Revoke an API token, read from standard input (so it never appears in a process list)."""
    token = sys.stdin.readline().strip()
    try:
        with _session(database_url, write=True) as session:
            revoked = accounts.revoke_token(
                session, token=token, at=_now(), by=_settings(database_url, user).resolved_user()
            )
    except OperationalError as exc:
        _database_errors(exc)
    if not revoked:
        _fail("no such active token")
    console.print("token revoked")


# ---- demo -------------------------------------------------------------------


@app.command("demo")
def demo_command(database_url: DatabaseUrl = None, user: User = None, json_out: Json = False) -> None:
    """Load the shipped agreements and the illustrative Belarus sample data (idempotent)."""
    from app.services import demo

    settings = _settings(database_url, user)
    try:
        with _session(database_url, write=True) as session:
            summary = demo.load_demo(session, at=_now(), by=settings.resolved_user() or "demo")
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json(summary)
    else:
        console.print(
            f"Sample data (illustrative): {summary['entries_created']} entries new, "
            f"{summary['entries_revised']} revised, {summary['declarations_recorded']} declarations recorded."
        )


# ---- audit: the hash chains ---------------------------------------------------

audit_app = typer.Typer(help="Tamper evidence: verify the revision hash chains.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify(
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Filed reports to tie in; default CSBM_REPORTS_DIR")
    ] = None,
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """Recompute the ledger's and the declarations' hash chains; exit 1 naming the first break."""
    from app.services import integrity

    settings = _settings(database_url)
    try:
        with _session(database_url) as session:
            result = integrity.verify(session, reports_dir=reports or Path(settings.reports_dir))
    except OperationalError as exc:
        _database_errors(exc)
    if json_out:
        print_json(result.as_json())
    else:
        for name, count in result.checked.items():
            head = result.heads[name]
            console.print(f"{name}: {count} revision(s) checked; head {head.seq} {head.hash}")
        console.print(f"reports: {result.reports_checked} manifest(s) tied to the chains")
        console.print(f"statements: {result.statements_checked} countersigned statement(s) checked against the ledger")
        for line in integrity.describe_breaks(result.breaks):
            _error(f"BROKEN: {line}")
        if result.ok:
            console.print("The chains verify: no revision was changed, removed or reordered outside csbm.")
    if not result.ok:
        raise typer.Exit(EXIT_BAD_INPUT)


# ---- backup and restore ----------------------------------------------------------


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="The archive to write (a .zip)")],
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """Write one consistent, portable archive of every table (safe while the app runs)."""
    from app.services import backup

    with _database(database_url) as engine:
        try:
            summary = backup.backup(engine, file, at=_now())
        except backup.BackupError as exc:
            _fail(f"{file}: {exc}")
    if json_out:
        print_json(summary.as_json())
    else:
        rows = sum(summary.tables.values())
        console.print(f"{file}: {rows} rows from {len(summary.tables)} tables, schema {summary.schema}")
        for name, head in summary.heads.items():
            console.print(f"  {name} chain head: {head['seq']} {head['hash']}")
        console.print(f"  sha256 {summary.sha256}")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="An archive written by csbm backup")],
    database_url: DatabaseUrl = None,
    json_out: Json = False,
) -> None:
    """Load an archive into an empty database of either kind; its chains must verify, or nothing is loaded."""
    from app.services import backup, restore

    with _database(database_url) as engine:
        try:
            summary = restore.restore(engine, file)
        except backup.BackupError as exc:
            _fail(str(exc))
    if json_out:
        print_json(summary.as_json())
    else:
        console.print(f"{file}: restored {sum(summary.tables.values())} rows; the hash chains verify.")


app.command("doctor")(cli_doctor.doctor)

# Statements, keys and reconciliation: their own module, registered here.
from app.cli_reconcile import register as _register_reconciliation  # noqa: E402

_register_reconciliation(app)


def main() -> None:
    try:
        app()
    except DomainError as exc:
        # A domain rule refused something no earlier check caught: say what, not how.
        _error(f"csbm: {exc}")
        sys.exit(EXIT_BAD_INPUT)
