"""Queries for users, API tokens, browser sessions, login failures and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select
from sqlalchemy.orm import Session

from app.db.models import ApiToken, AuditRecord, LedgerState, LoginFailure, User, WebSession


def add_user(session: Session, *, username: str, password_hash: str, role: str, at: dt.datetime) -> User:
    user = User(username=username, password_hash=password_hash, role=role, disabled=False, created_at=at)
    session.add(user)
    session.flush()
    return user


def add_token(session: Session, *, user_id: int, name: str, token_hash: str, at: dt.datetime, days: int) -> None:
    session.add(
        ApiToken(
            user_id=user_id,
            name=name,
            token_hash=token_hash,
            created_at=at,
            expires_at=at + dt.timedelta(days=days),
            revoked_at=None,
        )
    )


def add_web_session(
    session: Session, *, id_hash: str, user_id: int, csrf_token: str, at: dt.datetime, lifetime: dt.timedelta
) -> None:
    session.add(
        WebSession(
            id_hash=id_hash,
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=at,
            expires_at=at + lifetime,
            ended_at=None,
        )
    )


def add_failure(session: Session, *, username: str, client: str, at: dt.datetime, window: dt.timedelta) -> None:
    """Count a failed attempt, and forget those older than the throttling window: under a
    password-guessing attack the table then holds one window's worth of rows, not every guess."""
    forget_failures(session, before=at - window)
    session.add(LoginFailure(username=username[:80], client=client[:64], at=at))


def add_audit(
    session: Session, *, at: dt.datetime, user: str, action: str, target: str, before: str | None, after: str | None
) -> None:
    session.add(AuditRecord(at=at, user=user, action=action, target=target, before=before, after=after))


def user_by_name(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).first()


def token_holder(session: Session, token_hash: str) -> Any | None:
    """The token's validity and its user in one round trip: every API call asks this."""
    query = (
        select(ApiToken.revoked_at, ApiToken.expires_at, User.id, User.username, User.role, User.disabled)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash)
    )
    return session.execute(query).first()


# Built once: the quota fast path runs it for every request, and building and
# cache-keying a select with a join and a subquery cost as much as the round trip.
_TOKEN_WITH_VERSION = (
    select(
        ApiToken.revoked_at,
        ApiToken.expires_at,
        User.id,
        User.username,
        User.role,
        User.disabled,
        select(LedgerState.version).where(LedgerState.id == 1).scalar_subquery().label("version"),
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def token_holder_with_version(connection: Connection, token_hash: str) -> Any | None:
    """token_holder and the ledger's version in one round trip, on a bare connection:
    what a cached answer needs, and nothing more."""
    return connection.execute(_TOKEN_WITH_VERSION, {"token_hash": token_hash}).first()


def session_by_hash(session: Session, id_hash: str) -> WebSession | None:
    return session.get(WebSession, id_hash)


def recent_failures(session: Session, *, username: str, client: str, since: dt.datetime) -> int:
    query = (
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.at >= since, (LoginFailure.username == username) | (LoginFailure.client == client))
    )
    return int(session.scalar(query) or 0)


def forget_failures(session: Session, *, before: dt.datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.at < before))


def audit_records(session: Session, *, limit: int, offset: int) -> tuple[list[AuditRecord], int]:
    total = int(session.scalar(select(func.count()).select_from(AuditRecord)) or 0)
    query = select(AuditRecord).order_by(AuditRecord.at.desc(), AuditRecord.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query)), total
