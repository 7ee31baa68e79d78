"""The checks of ``csbm doctor`` that look outside the database: fonts, folders, backups, mail."""

from __future__ import annotations

import datetime as dt
import smtplib
import tempfile
from pathlib import Path

from app.config import Settings
from app.domain.messages import N_
from app.reporting import fonts
from app.services.backup import BackupError, read_manifest
from app.services.doctor.model import Check, moment, span
from app.services.senders import smtp_connection, smtp_server

# The nightly backup runs once a day; a day and a half allows for a late or slow one.
BACKUP_FRESH = dt.timedelta(hours=36)
MAIL_TIMEOUT_SECONDS = 5


def fonts_check() -> Check:
    try:
        missing = fonts.missing_pdf_fonts()
    except fonts.FontconfigMissing as exc:
        return Check.failed(
            "fonts",
            N_("fontconfig is not installed ({error}): no PDF can be made"),
            N_("install the Debian packages libpango-1.0-0, libpangoft2-1.0-0 and fonts-dejavu-core"),
            error=str(exc),
        )
    if missing:
        return Check.failed(
            "fonts",
            N_("fontconfig finds no {fonts} with Cyrillic glyphs: Russian PDF reports would be unreadable"),
            N_("install the Debian package fonts-dejavu-core (`apt-get install fonts-dejavu-core`)"),
            fonts=", ".join(missing),
        )
    # The shortest name is the regular face (DejaVuSans.ttf before DejaVuSans-Bold.ttf).
    regular = min(fonts.font_files(fonts.PDF_FONTS[0]), key=len)
    return Check.ok(
        "fonts", N_("{fonts} found with Cyrillic glyphs ({file})"), fonts=", ".join(fonts.PDF_FONTS), file=regular
    )


def folder_check(name: str, folder: Path) -> Check:
    """Whether csbm can write in ``folder``: tried with a file created and removed at once."""
    folder = folder.absolute()
    if folder.exists() and not folder.is_dir():
        return Check.failed(
            name, N_("{folder} is not a folder"), N_("point the setting at a folder"), folder=str(folder)
        )
    if not folder.exists():
        return _missing_folder(name, folder)
    problem = _write_problem(folder)
    if problem:
        return Check.failed(
            name,
            N_("cannot write in {folder}: {error}"),
            N_(
                "give the user csbm runs as write access to {folder} (`chown csbm {folder}`); "
                "under systemd it must also be in ReadWritePaths"
            ),
            folder=str(folder),
            error=problem,
        )
    return Check.ok(name, N_("{folder} is writable"), folder=str(folder))


def _missing_folder(name: str, folder: Path) -> Check:
    parent = next(p for p in folder.parents if p.exists())
    problem = _write_problem(parent) if parent.is_dir() else f"{parent} is not a folder"
    action = N_("create it for the user csbm runs as: `install -d -o csbm {folder}`")
    if problem:
        found = N_("{folder} does not exist, and cannot be created: {error}")
        return Check.failed(name, found, action, folder=str(folder), error=problem)
    return Check.warning(
        name, N_("{folder} does not exist yet (csbm creates it when first needed)"), action, folder=str(folder)
    )


def _write_problem(folder: Path) -> str | None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".csbm-doctor-"):
            return None
    except OSError as exc:
        return exc.strerror or str(exc)


def backups_check(settings: Settings, now: dt.datetime) -> Check:
    folder = Path(settings.backup_dir).absolute()
    newest = _newest_backup(folder)
    if newest is None:
        return Check.warning(
            "backups",
            N_("no backup in {folder} yet"),
            N_("start the scheduler (it takes one every night), or run `csbm backup {folder}/csbm-first.zip`"),
            folder=str(folder),
        )
    path, taken = newest
    params = {"file": path.name, "taken": moment(taken), "age": span(now - taken), "keep": str(settings.backup_keep)}
    action = N_("check that the scheduler runs, and its log; take a backup now: `csbm backup FILE`")
    if now - taken > dt.timedelta(days=max(1, settings.backup_keep)):
        found = N_(
            "the newest backup, {file}, was taken {age} ago ({taken}): longer ago than the {keep} nightly "
            "archives kept (CSBM_BACKUP_KEEP) reach back"
        )
        return Check.failed("backups", found, action, **params)
    if now - taken > BACKUP_FRESH:
        return Check.warning(
            "backups", N_("the newest backup, {file}, was taken {age} ago ({taken})"), action, **params
        )
    return Check.ok(
        "backups", N_("the newest backup, {file}, was taken {age} ago ({taken}); {keep} are kept"), **params
    )


def _newest_backup(folder: Path) -> tuple[Path, dt.datetime] | None:
    """The newest readable csbm archive in ``folder`` by the time its manifest records."""
    if not folder.is_dir():
        return None
    found = []
    for path in sorted(folder.glob("*.zip"), key=lambda p: p.stat().st_mtime, reverse=True)[:10]:
        try:
            created = dt.datetime.fromisoformat(str(read_manifest(path)["created_at"]))
        except (BackupError, KeyError, ValueError):
            continue
        found.append((path, created if created.tzinfo else created.replace(tzinfo=dt.UTC)))
    return max(found, key=lambda item: item[1], default=None)


def mail_check(smtp_url: str) -> Check:
    if not smtp_url:
        return Check.ok("mail", N_("not configured (CSBM_SMTP_URL is empty): nothing is sent by mail"))
    host, port, _ = smtp_server(smtp_url)
    server = f"{host}:{port}"
    try:
        with smtp_connection(smtp_url) as smtp:
            smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        return Check.failed(
            "mail",
            N_("the mail server {server} does not answer: {error}"),
            N_("check CSBM_SMTP_URL, and that the server accepts connections from this machine"),
            server=server,
            error=str(exc) or type(exc).__name__,
        )
    return Check.ok("mail", N_("the mail server {server} answers"), server=server)
