"""The scheduled jobs: one registry, each cron trigger declared beside its job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from app.config import Settings
from app.domain.report import ReportPeriod, last_completed_quarter, parse_period, quarter_period


@dataclass(frozen=True, slots=True)
class JobSpec:
    id: str
    func: str  # "module:function", so the database job store can hold it
    cron: str
    description: str
    # For report jobs: which period a run at a given local time files, and
    # which periods catch-up checks, newest first, as of a local date.
    # Maintenance jobs (backup, verification) have neither and are not caught up.
    period_for: Callable[[dt.date], ReportPeriod] | None = None
    due_periods: Callable[[dt.date, int], list[ReportPeriod]] | None = None


def _previous_year(today: dt.date) -> ReportPeriod:
    return parse_period(str(today.year - 1))


def _due_quarters(today: dt.date, count: int) -> list[ReportPeriod]:
    periods, period = [], last_completed_quarter(today)
    for _ in range(count):
        periods.append(period)
        year, quarter = int(period.label[:4]), int(period.label[5])
        period = quarter_period(year - 1, 4) if quarter == 1 else quarter_period(year, quarter - 1)
    return periods


def _due_years(today: dt.date, quarters: int) -> list[ReportPeriod]:
    return [parse_period(str(today.year - n)) for n in range(1, max(1, (quarters + 3) // 4) + 1)]


def _job(
    job_id: str,
    cron: str,
    description: str,
    period_for: Callable[[dt.date], ReportPeriod] | None = None,
    due_periods: Callable[[dt.date, int], list[ReportPeriod]] | None = None,
) -> JobSpec:
    """A job run by app/scheduler/jobs.py's function of the same name (``daily-audit``: ``daily_audit``)."""
    func = f"app.scheduler.jobs:{job_id.replace('-', '_')}"
    return JobSpec(job_id, func, cron, description, period_for, due_periods)


def job_specs(settings: Settings) -> list[JobSpec]:
    quarterly, annual = (f"the last {what}'s report, every format, English and Russian" for what in ("quarter", "year"))
    backup = f"a backup archive in {settings.backup_dir}/, keeping the newest {settings.backup_keep}"
    audit = "verify the hash chains and filed reports; a break raises a dashboard alert"
    return [
        _job("quarterly-report", settings.schedule_quarterly, quarterly, last_completed_quarter, _due_quarters),
        _job("annual-report", settings.schedule_annual, annual, _previous_year, _due_years),
        _job("nightly-backup", settings.schedule_backup, backup),
        _job("daily-audit", settings.schedule_audit, audit),
        _job(
            "alerts", settings.schedule_alerts, "raise our deadlines' alerts; deliver queued alerts by mail and webhook"
        ),
    ]


def trigger(spec: JobSpec, timezone: str) -> CronTrigger:
    return CronTrigger.from_crontab(spec.cron, timezone=ZoneInfo(timezone))


def next_run(spec: JobSpec, timezone: str, now: dt.datetime) -> dt.datetime | None:
    """When the job next runs after ``now`` (an aware datetime); the clock is passed in."""
    fire: dt.datetime | None = trigger(spec, timezone).get_next_fire_time(None, now)
    return fire


def spec_by_id(settings: Settings, job_id: str) -> JobSpec:
    return next(s for s in job_specs(settings) if s.id == job_id)
