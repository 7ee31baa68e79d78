"""``csbm doctor``: whether this installation is fit to use, check by check.

Each check is ok, warning or failed, says what it found and, unless ok, what to do.
``csbm doctor [--json]`` and the admin page (/admin/doctor) show the same checks; any
failed check makes the command exit 1. The texts are gettext templates with
parameters, as findings are, so the page shows them in Russian as well.

- database: reachable, and at the newest migration this csbm ships;
- agreements: the loaded versions are the shipped files (those that differ are named);
- chains: the ledger's and the declarations' hash chains verify, and filed reports tie in;
- fonts: fontconfig gives the report fonts with Cyrillic glyphs (app/reporting/fonts.py);
- reports folder, backup folder: a file can be created there;
- backups: the newest archive, its age against the CSBM_BACKUP_KEEP nightly archives kept;
- scheduler: whether a scheduler holds the lease, and renews it in time;
- mail: the SMTP server of CSBM_SMTP_URL answers, when mail is configured;
- clock: not behind the newest revision's ``recorded_at``.

Where the database is not usable, the checks that read it say "not checked" (a warning:
the database check has already failed). A check never raises: whatever goes wrong in it
is its answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.session import transaction
from app.domain.messages import N_
from app.services.doctor import database, files
from app.services.doctor.model import STATUS_WORDS, Check, Diagnosis, Status

__all__ = ["LABELS", "STATUS_WORDS", "Check", "Diagnosis", "Status", "diagnose"]

# The checks' names, in the order they are shown; their labels for the page.
LABELS = {
    "database": N_("Database"),
    "agreements": N_("Agreements"),
    "chains": N_("Hash chains"),
    "fonts": N_("Fonts for PDF"),
    "reports_folder": N_("Reports folder"),
    "backup_folder": N_("Backup folder"),
    "backups": N_("Backups"),
    "scheduler": N_("Scheduler"),
    "mail": N_("Mail"),
    "clock": N_("Clock"),
}
_READS_DATABASE = ("agreements", "chains", "scheduler", "clock")


def diagnose(settings: Settings, engine: Engine, *, now: dt.datetime) -> Diagnosis:
    """Run every check against this installation's settings and database."""
    found = {"database": _guarded("database", lambda: database.database_check(engine))}
    if found["database"].status is Status.OK:
        found.update(_database_checks(settings, engine, now))
    else:
        found.update({name: _not_checked(name) for name in _READS_DATABASE})
    found.update(
        {
            "fonts": _guarded("fonts", files.fonts_check),
            "reports_folder": _guarded(
                "reports_folder", lambda: files.folder_check("reports_folder", Path(settings.reports_dir))
            ),
            "backup_folder": _guarded(
                "backup_folder", lambda: files.folder_check("backup_folder", Path(settings.backup_dir))
            ),
            "backups": _guarded("backups", lambda: files.backups_check(settings, now)),
            "mail": _guarded("mail", lambda: files.mail_check(settings.smtp_url)),
        }
    )
    return Diagnosis([found[name] for name in LABELS])


def _database_checks(settings: Settings, engine: Engine, now: dt.datetime) -> dict[str, Check]:
    reads: dict[str, Callable[[Session], Check]] = {
        "agreements": database.agreements_check,
        "chains": lambda session: database.chains_check(session, Path(settings.reports_dir)),
        "scheduler": lambda session: database.scheduler_check(session, now),
        "clock": lambda session: database.clock_check(session, now),
    }
    return {name: _guarded(name, lambda read=read: _read(engine, read)) for name, read in reads.items()}  # type: ignore[misc]


def _read(engine: Engine, check: Callable[[Session], Check]) -> Check:
    """Each check in a transaction of its own: one that fails leaves the others theirs."""
    with transaction(engine) as session:
        return check(session)


def _guarded(name: str, run: Callable[[], Check]) -> Check:
    try:
        return run()
    except Exception as exc:  # a doctor reports what went wrong; it does not crash on it
        return Check(
            name=name,
            status=Status.FAILED,
            found=N_("the check itself failed: {error}"),
            action=N_("run `csbm doctor` as the user csbm runs as, with its settings, and read the error"),
            params={"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"},
        )


def _not_checked(name: str) -> Check:
    return Check(
        name=name, status=Status.WARNING, found=N_("not checked: the database is not usable (see the database check)")
    )
