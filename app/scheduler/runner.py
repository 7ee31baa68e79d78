"""Running the scheduler: hold the database lease, catch up, then run the cron jobs.

APScheduler 3 runs in this process only (never in web workers). Its job store
is the application database, so the schedule survives restarts; the lease
makes sure a second `csbm scheduler run` against the same database does not
run the jobs again.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.db import leases
from app.db.session import transaction
from app.scheduler import jobs
from app.scheduler.registry import job_specs, next_run, trigger

LEASE = leases.SCHEDULER
log = logging.getLogger("csbm.scheduler")


class LeaseHeld(Exception):
    def __init__(self, state: leases.LeaseState) -> None:
        self.state = state
        super().__init__(
            f"another scheduler holds the lease: {state.holder}, since {state.acquired_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"until {state.expires_at:%Y-%m-%d %H:%M:%S} UTC unless it renews it"
        )


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(slots=True)
class Lease:
    engine: Engine
    holder: str
    ttl: dt.timedelta

    def take(self) -> leases.LeaseState:
        with transaction(self.engine, write=True) as session:
            return leases.try_acquire(session, LEASE, self.holder, now=dt.datetime.now(dt.UTC), ttl=self.ttl)

    def wait_for(self, seconds: float) -> leases.LeaseState:
        deadline = time.monotonic() + seconds
        while True:
            state = self._ask(busy_is_fatal=time.monotonic() >= deadline)
            if state is not None and (state.ours or time.monotonic() >= deadline):
                return state
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))

    def _ask(self, *, busy_is_fatal: bool) -> leases.LeaseState | None:
        """The lease's state; None while the holder's long write (a report being filed on a
        busy SQLite file) keeps the lease table locked, which waiting is meant to outlast."""
        try:
            return self.take()
        except OperationalError as exc:
            if busy_is_fatal or "database is locked" not in str(exc):
                raise
            return None

    def release(self) -> None:
        with transaction(self.engine, write=True) as session:
            leases.release(session, LEASE, self.holder)


def run(settings: Settings, engine: Engine, *, catch_up_only: bool = False, wait: float = 0.0) -> None:
    """Raises LeaseHeld when another scheduler works against this database."""
    lease = Lease(engine, holder_name(), dt.timedelta(seconds=settings.scheduler_lease_seconds))
    state = lease.wait_for(wait)
    if not state.ours:
        raise LeaseHeld(state)
    yield_processor(settings.scheduler_nice)
    log.info("lease taken by %s until %s", state.holder, state.expires_at.isoformat())
    jobs.set_runtime(settings, engine)
    try:
        with renewed(lease, _renewal_seconds(settings)):
            jobs.catch_up(jobs.Runtime(settings, engine), jobs.local_now(settings).date())
        if not catch_up_only:
            _serve(settings, engine, lease)
    finally:
        lease.release()
        log.info("lease released")


def _renewal_seconds(settings: Settings) -> int:
    return max(1, settings.scheduler_lease_seconds // 3)


@contextmanager
def renewed(lease: Lease, every: float) -> Iterator[None]:
    """The lease renewed every ``every`` seconds while the block runs: a catch-up filing
    several quarters' reports can outlast the lease, and a second scheduler would take it
    over and file beside it."""
    done = threading.Event()

    def keep() -> None:
        while not done.wait(every):
            try:
                state = lease.take()
            except OperationalError:  # a report being filed on SQLite holds the file; next time
                continue
            if not state.ours:
                log.error("lost the lease to %s during catch-up", state.holder)
                return

    keeper = threading.Thread(target=keep, name="lease-renewal", daemon=True)
    keeper.start()
    try:
        yield
    finally:
        done.set()
        keeper.join()


def yield_processor(nice: int) -> None:
    """Lower this process's priority by ``nice``: a quarterly report renders its PDFs for
    seconds of processor time, and where the scheduler shares the machine's cores with the
    web workers, requests then waited behind it."""
    if nice and hasattr(os, "nice"):
        os.nice(nice)


def _serve(settings: Settings, engine: Engine, lease: Lease) -> None:
    scheduler = BlockingScheduler(
        jobstores={
            "default": SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs"),
            "local": MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.scheduler_misfire_grace_seconds,
        },
        timezone=ZoneInfo(settings.timezone),
    )
    for spec in job_specs(settings):
        scheduler.add_job(
            spec.func, trigger(spec, settings.timezone), id=spec.id, name=spec.description, replace_existing=True
        )

    def renew() -> None:
        state = lease.take()
        if not state.ours:
            log.error("lost the lease to %s; stopping so that jobs do not run twice", state.holder)
            scheduler.shutdown(wait=False)

    scheduler.add_job(renew, "interval", seconds=_renewal_seconds(settings), id="lease", jobstore="local")

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for spec in job_specs(settings):
        log.info(
            "%s (%s): next run %s", spec.id, spec.cron, next_run(spec, settings.timezone, jobs.local_now(settings))
        )
    scheduler.start()


def describe(settings: Settings, engine: Engine, now: dt.datetime) -> dict[str, Any]:
    """Each job with its next run after ``now``, and who holds the lease."""
    with transaction(engine) as session:
        state = leases.current(session, LEASE)
    return {
        "timezone": settings.timezone,
        "jobs": [
            {
                "id": spec.id,
                "cron": spec.cron,
                "description": spec.description,
                "next_run": (fire.isoformat() if (fire := next_run(spec, settings.timezone, now)) else None),
            }
            for spec in job_specs(settings)
        ],
        "lease": None
        if state is None
        else {
            "holder": state.holder,
            "acquired_at": state.acquired_at.isoformat(),
            "expires_at": state.expires_at.isoformat(),
        },
    }
