"""The checks of ``csbm doctor`` that read the database: migrations, agreements, chains,
the scheduler's lease, the clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.db import health, leases
from app.db.migrate import current_revision, head_revision, revisions
from app.domain.messages import N_
from app.services.doctor.model import Check, moment, span

# A revision recorded this far ahead of the clock means the clock was set back.
CLOCK_TOLERANCE = dt.timedelta(minutes=1)


def database_check(engine: Engine) -> Check:
    url = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            health.ping(connection)
            current = current_revision(connection)
    except Exception as exc:  # any failure to connect is the answer
        return Check.failed(
            "database",
            N_("cannot connect to {url}: {error}"),
            N_("check CSBM_DATABASE_URL, and that the database server runs and accepts this user"),
            url=url,
            error=str(exc).splitlines()[0],
        )
    return _migration_check(url, current)


def _migration_check(url: str, current: str | None) -> Check:
    head = head_revision()
    if current is None:
        return Check.failed("database", N_("{url} is not set up"), N_("run `csbm db upgrade`"), url=url)
    if current == head:
        return Check.ok("database", N_("{url}: reachable, at the newest migration ({head})"), url=url, head=head)
    if current in revisions():
        found = N_("{url} is at migration {current}; this csbm's newest is {head}")
        action = N_("take a backup (`csbm backup FILE`), then run `csbm db upgrade` and `csbm audit verify`")
    else:
        found = N_("{url} is at migration {current}, which this csbm does not know (its newest is {head})")
        action = N_("a newer csbm has upgraded this database: install that version")
    return Check.failed("database", found, action, url=url, current=current, head=head)


def agreements_check(session: Session) -> Check:
    from app.catalog.loader import load_directory
    from app.services import catalog

    shipped = {item.agreement.id: item.sha256 for item in load_directory(catalog.shipped_agreements())}
    loaded = {v.agreement_id: v.sha256 for v in catalog.agreement_versions(session)}
    if not loaded:
        return Check.failed("agreements", N_("no agreements are loaded"), N_("run `csbm agreements load`"))
    missing = sorted(set(shipped) - set(loaded))
    differ = sorted(a for a in set(shipped) & set(loaded) if shipped[a] != loaded[a])
    if missing or differ:
        return Check.warning(
            "agreements",
            N_("not as shipped: {differ}; shipped but not loaded: {missing}"),
            N_("run `csbm agreements load`, unless these versions were loaded on purpose"),
            differ=", ".join(differ) or "-",
            missing=", ".join(missing) or "-",
        )
    return Check.ok("agreements", N_("{count} agreements loaded, each as shipped"), count=str(len(loaded)))


def chains_check(session: Session, reports_dir: Path) -> Check:
    from app.services.integrity import describe_breaks, verify

    result = verify(session, reports_dir=reports_dir)
    if not result.ok:
        return Check.failed(
            "chains",
            N_("the recorded history was changed outside csbm: {breaks}"),
            N_(
                "record nothing more; compare with the newest backup whose chains verify (restore it into a new "
                "database, run `csbm audit verify`) and see SECURITY.md"
            ),
            breaks="; ".join(describe_breaks(result.breaks)),
        )
    return Check.ok(
        "chains",
        N_("{ledger} ledger and {declarations} declaration revisions verify; {reports} filed reports tie in"),
        ledger=str(result.checked.get("ledger", 0)),
        declarations=str(result.checked.get("declarations", 0)),
        reports=str(result.reports_checked),
    )


def scheduler_check(session: Session, now: dt.datetime) -> Check:
    lease = leases.current(session, leases.SCHEDULER)
    if lease is None:
        return Check.warning(
            "scheduler",
            N_("no scheduler holds the lease: reports and nightly backups are not being scheduled"),
            N_("start one scheduler for this database: `systemctl start csbm-scheduler`"),
        )
    if lease.expires_at < now:
        return Check.failed(
            "scheduler",
            N_("the lease of {holder} expired at {expires} ({ago} ago): that scheduler stopped or hangs"),
            N_("see `journalctl -u csbm-scheduler` and restart it: `systemctl restart csbm-scheduler`"),
            holder=lease.holder,
            expires=moment(lease.expires_at),
            ago=span(now - lease.expires_at),
        )
    return Check.ok(
        "scheduler", N_("held by {holder} until {expires}"), holder=lease.holder, expires=moment(lease.expires_at)
    )


def clock_check(session: Session, now: dt.datetime) -> Check:
    newest = health.newest_recorded_at(session)
    if newest is None:
        return Check.ok("clock", N_("nothing recorded yet to compare the clock with"))
    if newest - now > CLOCK_TOLERANCE:
        return Check.failed(
            "clock",
            N_("the clock ({now}) is {behind} behind the newest revision, recorded at {newest}"),
            N_("set the time right (NTP) before recording anything: new revisions would seem older than old ones"),
            now=moment(now),
            newest=moment(newest),
            behind=span(newest - now),
        )
    return Check.ok(
        "clock", N_("{now}; the newest revision was recorded at {newest}"), now=moment(now), newest=moment(newest)
    )
