"""Scheduled jobs. Thin and idempotent: filing a report whose inputs have not
changed writes nothing, so a job that runs twice does no harm.

The database job store keeps only a reference to each function; the runner
sets the process's settings and engine here before it starts.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from app.config import Settings
from app.db.session import transaction
from app.domain.report import ReportPeriod
from app.reporting.i18n import LANGUAGES
from app.reporting.output import read_manifest
from app.scheduler.registry import JobSpec, job_specs, spec_by_id
from app.services.reports import FORMATS, expected_files, generate_report, report_folder_name

log = logging.getLogger("csbm.scheduler")


@dataclass(slots=True)
class Runtime:
    settings: Settings
    engine: Engine


_runtime: Runtime | None = None


def set_runtime(settings: Settings, engine: Engine) -> None:
    global _runtime
    _runtime = Runtime(settings, engine)


def _current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("the scheduler runtime is not set; jobs run only inside `csbm scheduler run`")
    return _runtime


def local_now(settings: Settings) -> dt.datetime:
    return dt.datetime.now(ZoneInfo(settings.timezone))


def file_report(runtime: Runtime, spec: JobSpec, period: ReportPeriod) -> None:
    settings = runtime.settings
    with transaction(runtime.engine, write=True) as session:
        written = generate_report(
            session,
            period,
            formats=list(FORMATS),
            languages=list(LANGUAGES),
            out=Path(settings.reports_dir),
            generated_at=dt.datetime.now(dt.UTC),
            home_state=settings.home_state,
            by="scheduler",
        )
    if written.written:
        log.info("%s %s: wrote %d files to %s", spec.id, period.label, len(written.written), written.folder)
    else:
        log.info("%s %s: already filed in %s, nothing to do", spec.id, period.label, written.folder)


def _run(job_id: str) -> None:
    runtime = _current()
    spec = spec_by_id(runtime.settings, job_id)
    assert spec.period_for is not None
    file_report(runtime, spec, spec.period_for(local_now(runtime.settings).date()))


def quarterly_report() -> None:
    _run("quarterly-report")


def annual_report() -> None:
    _run("annual-report")


def nightly_backup() -> Path:
    return run_backup(_current(), dt.datetime.now(dt.UTC))


def run_backup(runtime: Runtime, at: dt.datetime) -> Path:
    """One archive named by its UTC time; then only the newest ``backup_keep`` are kept."""
    from app.services.backup import backup

    folder = Path(runtime.settings.backup_dir)
    path = folder / f"csbm-{at.strftime('%Y%m%dT%H%M%SZ')}.zip"
    summary = backup(runtime.engine, path, at=at)
    log.info("nightly-backup: %s (%d rows, sha256 %s)", path, sum(summary.tables.values()), summary.sha256)
    archives = sorted(folder.glob("csbm-*.zip"))
    for old in archives[: max(0, len(archives) - max(1, runtime.settings.backup_keep))]:
        old.unlink()
        log.info("nightly-backup: removed %s (keeping %d)", old, runtime.settings.backup_keep)
    return path


def daily_audit() -> bool:
    return run_audit(_current(), dt.datetime.now(dt.UTC))


def run_audit(runtime: Runtime, at: dt.datetime) -> bool:
    """Verify the chains; each break is logged and raised as an alert until an admin acknowledges it."""
    from app.services.alerts import raise_alert
    from app.services.integrity import describe_breaks, verify

    with transaction(runtime.engine, write=True) as session:
        result = verify(session, reports_dir=Path(runtime.settings.reports_dir))
        for line in describe_breaks(result.breaks):
            log.error("daily-audit: the history was changed outside csbm: %s", line)
            raise_alert(session, kind="chain_break", message=line, at=at)
    if result.ok:
        log.info("daily-audit: the hash chains verify (%s)", ", ".join(f"{k} {v}" for k, v in result.checked.items()))
    return result.ok


def alerts() -> None:
    run_alerts(_current(), dt.datetime.now(dt.UTC))


def run_alerts(runtime: Runtime, at: dt.datetime) -> None:
    """The alert step: failed deliveries stay queued for the next run, never dropped."""
    from app.services.notify import run

    with transaction(runtime.engine, write=True) as session:
        done = run(session, runtime.settings, at=at).as_json()
    if done["failed"]:
        log.warning("alerts: %s", done)
    elif any(done.values()):
        log.info("alerts: %s", done)


def is_filed(reports_dir: Path, period: ReportPeriod, home_state: str | None) -> bool:
    """A complete filing of the period exists, in any revision."""
    base = report_folder_name(period, home_state)
    wanted = expected_files(list(FORMATS), list(LANGUAGES))
    for folder in [reports_dir / base, *sorted(reports_dir.glob(f"{base}-r*"))]:
        manifest = read_manifest(folder)
        if manifest and wanted <= set(manifest.get("files", {})) and all((folder / n).exists() for n in wanted):
            return True
    return False


def catch_up(runtime: Runtime, today: dt.date) -> list[str]:
    """File every due report that is missing, oldest first (the machine was off)."""
    settings, done = runtime.settings, []
    for spec in job_specs(settings):
        if spec.due_periods is None:
            continue
        for period in reversed(spec.due_periods(today, settings.catch_up_quarters)):
            if is_filed(Path(settings.reports_dir), period, settings.home_state):
                continue
            log.info("catch-up: %s %s is missing", spec.id, period.label)
            file_report(runtime, spec, period)
            done.append(period.label)
    if not done:
        log.info("catch-up: every due report is filed")
    return done
