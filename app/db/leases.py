"""The scheduler lease: at most one scheduler process works against a database.

A lease row names its holder and an expiry. The holder renews it well before
it expires; a holder that crashes stops renewing, and after the expiry any
other scheduler may take it. Taking or renewing happens in one write
transaction: on SQLite that transaction began with BEGIN IMMEDIATE; on
PostgreSQL the row is read FOR UPDATE, and two first-ever inserts race on the
primary key, which the loser sees as "held".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.models import SchedulerLease

# The one lease every `csbm scheduler run` competes for.
SCHEDULER = "scheduler"


@dataclass(frozen=True, slots=True)
class LeaseState:
    holder: str
    acquired_at: dt.datetime
    expires_at: dt.datetime
    ours: bool


def try_acquire(session: Session, name: str, holder: str, *, now: dt.datetime, ttl: dt.timedelta) -> LeaseState:
    """Take or renew the lease if it is free, expired or ours; say who holds it otherwise."""
    row = session.scalars(select(SchedulerLease).where(SchedulerLease.name == name).with_for_update()).first()
    if row is None:
        try:
            with session.begin_nested():
                session.add(SchedulerLease(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
        except IntegrityError:
            current = session.scalars(select(SchedulerLease).where(SchedulerLease.name == name)).one()
            return LeaseState(current.holder, current.acquired_at, current.expires_at, False)
        return LeaseState(holder, now, now + ttl, True)
    if row.holder != holder and row.expires_at > now:
        return LeaseState(row.holder, row.acquired_at, row.expires_at, False)
    if row.holder != holder:
        row.acquired_at = now
    row.holder, row.expires_at = holder, now + ttl
    session.flush()
    return LeaseState(holder, row.acquired_at, now + ttl, True)


def release(session: Session, name: str, holder: str) -> None:
    row = session.scalars(select(SchedulerLease).where(SchedulerLease.name == name).with_for_update()).first()
    if row is not None and row.holder == holder:
        session.delete(row)


def current(session: Session, name: str) -> LeaseState | None:
    row = session.get(SchedulerLease, name)
    if row is None:
        return None
    return LeaseState(row.holder, row.acquired_at, row.expires_at, False)
