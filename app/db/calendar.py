"""Queries for the calendar feed tokens (their hashes only: see app/services/calendar_feed.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import CalendarToken, User


def add_token(session: Session, *, user_id: int, token_hash: str, at: dt.datetime) -> None:
    session.add(CalendarToken(user_id=user_id, token_hash=token_hash, created_at=at, revoked_at=None))
    session.flush()


def revoke_tokens(session: Session, *, user_id: int, at: dt.datetime) -> int:
    """Revoke the user's active tokens; how many there were."""
    result = session.execute(
        update(CalendarToken)
        .where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def active_token_since(session: Session, user_id: int) -> dt.datetime | None:
    query = select(CalendarToken.created_at).where(CalendarToken.user_id == user_id, CalendarToken.revoked_at.is_(None))
    return session.scalars(query).first()


def token_holder(session: Session, token_hash: str) -> Any | None:
    """The token's state and its user's, in one round trip."""
    query = (
        select(CalendarToken.revoked_at, User.id, User.username, User.role, User.disabled)
        .join(User, User.id == CalendarToken.user_id)
        .where(CalendarToken.token_hash == token_hash)
    )
    return session.execute(query).first()


def holders(session: Session) -> set[str]:
    """The users who have a feed token that is not revoked."""
    query = (
        select(User.username)
        .join(CalendarToken, CalendarToken.user_id == User.id)
        .where(CalendarToken.revoked_at.is_(None))
    )
    return set(session.scalars(query))
