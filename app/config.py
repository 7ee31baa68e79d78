"""Settings: one pydantic-settings class, read from CSBM_* environment variables."""

from __future__ import annotations

import getpass
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    """A SQLite file in a var/ folder of the working directory."""
    return f"sqlite:///{Path.cwd() / 'var' / 'csbm.sqlite3'}"


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CSBM_", extra="ignore")

    database_url: str = ""
    user: str = ""
    home_state: str | None = None
    timezone: str = "UTC"
    reports_dir: str = "reports"
    # The centre's private signing key for statements (csbm keys create); its passphrase,
    # when it has one, comes from CSBM_KEY_PASSPHRASE or a prompt, never from a file.
    signing_key: str = "var/signing-key.pem"
    # Database connections per web process. Requests hold one for their whole
    # transaction, and writes queue behind each other (SQLite's write lock, the
    # quota lock row), so the pool must be generous and wait long; four workers
    # at 20 stay within PostgreSQL's default 100 connections. All 20 are kept
    # once opened: "overflow" connections are closed when handed back, and under
    # 32 concurrent clients a process opened and closed one per request.
    db_pool_size: int = 20
    db_max_overflow: int = 0
    db_pool_timeout: int = 120
    # Threads for blocking request work per web process (anyio's default is 40).
    web_threads: int = 400
    # Scheduler: cron expressions (minute hour day month weekday) in `timezone`.
    schedule_quarterly: str = "0 6 1 1,4,7,10 *"
    schedule_annual: str = "0 6 1 1 *"
    # The nightly backup and the daily verification of the hash chains.
    schedule_backup: str = "0 2 * * *"
    schedule_audit: str = "30 2 * * *"
    backup_dir: str = "backups"
    # Nightly archives kept (the oldest beyond this are removed after each backup).
    backup_keep: int = 14
    # How long a scheduler's database lease lasts unless renewed; a crashed
    # holder loses it after this.
    scheduler_lease_seconds: int = 60
    # A job that should have run while the scheduler was down still runs if it
    # is at most this late; older misses are left to catch-up.
    scheduler_misfire_grace_seconds: int = 6 * 3600
    # How much the scheduler yields the processor to the web workers (added to its nice
    # value, 0 to 19): its reports and backups are never waited on at a desk, requests are.
    scheduler_nice: int = Field(default=10, ge=0, le=19)
    # Catch-up looks back this many quarters (and the matching years).
    catch_up_quarters: int = 4
    # Mail: smtp://host[:port] or smtps://host[:port]; empty, nothing is sent
    # (csbm doctor checks that the server answers).
    smtp_url: str = ""
    smtp_from: str = "csbm@localhost"
    # Who is mailed an alert, by role: comma-separated addresses, each optionally with the
    # language it is written in ("duty@centre.by/ru"; default English). Deadline and
    # quota-filled alerts go to officers, breaks in the recorded history to admins.
    alert_mail_officer: str = ""
    alert_mail_admin: str = ""
    # An internal HTTP(S) address that is sent each alert as JSON; empty, none is.
    alert_webhook_url: str = ""
    # Hours before a deadline of each kind at which its warning is raised (JSON, e.g.
    # {"reply_due": 6, "report_due": 48}); a kind not named gets 6.
    alert_warning_hours: dict[str, int] = {}
    # How often the alert step runs (cron), and the retry backoff of failed deliveries:
    # the first retry after this many seconds, doubling each time, never longer than the cap.
    schedule_alerts: str = "*/5 * * * *"
    alert_retry_seconds: int = 60
    alert_retry_max_seconds: int = 3600

    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url()

    def resolved_user(self) -> str:
        return self.user or os_user()
