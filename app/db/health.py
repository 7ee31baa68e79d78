"""Queries for ``csbm doctor`` (app/services/doctor.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from app.db.models import DeclarationRevision, EntryRevision


def ping(connection: Connection) -> None:
    connection.execute(text("SELECT 1"))


def newest_recorded_at(session: Session) -> dt.datetime | None:
    """When the newest ledger or declaration revision was recorded (UTC); None when there is none."""
    found = [session.scalar(select(func.max(model.recorded_at))) for model in (EntryRevision, DeclarationRevision)]
    moments = [m if m.tzinfo else m.replace(tzinfo=dt.UTC) for m in found if m is not None]
    return max(moments, default=None)
