"""Users, roles, passwords, API tokens, browser sessions and the audit trail.

Roles: ``viewer`` reads; ``officer`` also records entries and declarations and
generates reports; ``admin`` also manages users and loads agreements.
Passwords are hashed with argon2; tokens and session ids are random and only
their sha256 is stored. Failed logins are counted per user name and per client
in the database, so the limit holds across every web worker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.db import accounts as repo
from app.db.models import User
from app.domain.errors import DomainError

_hasher = PasswordHasher()
SESSION_LIFETIME = dt.timedelta(hours=12)
FAILURE_WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES = 5
MIN_PASSWORD = 10


class Role(StrEnum):
    VIEWER = "viewer"
    OFFICER = "officer"
    ADMIN = "admin"

    def can(self, needed: Role) -> bool:
        order = [Role.VIEWER, Role.OFFICER, Role.ADMIN]
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request."""

    user_id: int
    username: str
    role: Role
    csrf_token: str | None = None  # set for browser sessions


class LoginThrottled(Exception):
    pass


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"a password needs at least {MIN_PASSWORD} characters", field="password")


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def audit(
    session: Session, *, by: str, at: dt.datetime, action: str, target: str, before: Any = None, after: Any = None
) -> None:
    def text(value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    repo.add_audit(session, at=at, user=by, action=action, target=target, before=text(before), after=text(after))


def add_user(session: Session, *, username: str, password: str, role: Role, at: dt.datetime, by: str) -> User:
    if not username or len(username) > 80 or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise DomainError("a user name is letters, digits, '.', '-' or '_'", field="username")
    if repo.user_by_name(session, username) is not None:
        raise DomainError(f"user {username!r} exists", field="username")
    _check_password(password)
    user = repo.add_user(session, username=username, password_hash=_hasher.hash(password), role=str(role), at=at)
    audit(session, by=by, at=at, action="user.add", target=username, after={"role": str(role)})
    return user


def exists(session: Session, username: str) -> bool:
    return repo.user_by_name(session, username) is not None


def set_password(session: Session, *, username: str, password: str, at: dt.datetime, by: str) -> None:
    user = existing_user(session, username)
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    audit(session, by=by, at=at, action="user.set_password", target=username)


def set_disabled(session: Session, *, username: str, disabled: bool, at: dt.datetime, by: str) -> None:
    user = existing_user(session, username)
    before = user.disabled
    user.disabled = disabled
    audit(
        session,
        by=by,
        at=at,
        action="user.disable" if disabled else "user.enable",
        target=username,
        before={"disabled": before},
        after={"disabled": disabled},
    )


def existing_user(session: Session, username: str) -> User:
    user = repo.user_by_name(session, username)
    if user is None:
        raise DomainError(f"no user {username!r}", field="username")
    return user


# Bad API tokens count like failed logins, per client address: a script guessing
# tokens is slowed exactly like one guessing passwords.
TOKEN_FAILURE_NAME = "(api token)"
MAX_TOKEN_FAILURES = 20


def token_throttled(session: Session, *, client: str, now: dt.datetime) -> bool:
    recent = repo.recent_failures(session, username=TOKEN_FAILURE_NAME, client=client, since=now - FAILURE_WINDOW)
    return recent >= MAX_TOKEN_FAILURES


def record_token_failure(session: Session, *, client: str, now: dt.datetime) -> None:
    repo.add_failure(session, username=TOKEN_FAILURE_NAME, client=client, at=now, window=FAILURE_WINDOW)


def authenticate(session: Session, *, username: str, password: str, client: str, now: dt.datetime) -> User | None:
    """The user, or None; raises LoginThrottled after too many recent failures."""
    if repo.recent_failures(session, username=username, client=client, since=now - FAILURE_WINDOW) >= MAX_FAILURES:
        raise LoginThrottled(f"too many failed logins; try again in {FAILURE_WINDOW.seconds // 60} minutes")
    user = repo.user_by_name(session, username)
    valid = False
    if user is not None and not user.disabled:
        try:
            valid = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            valid = False
    else:
        # Spend the same time on unknown users, so timing does not reveal names.
        _hasher.hash(password)
    if not valid or user is None:
        repo.add_failure(session, username=username, client=client, at=now, window=FAILURE_WINDOW)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def start_session(session: Session, user: User, *, now: dt.datetime) -> tuple[str, str]:
    """A new session id (for the cookie) and its CSRF token. A new id at every login."""
    session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    repo.add_web_session(
        session, id_hash=digest(session_id), user_id=user.id, csrf_token=csrf, at=now, lifetime=SESSION_LIFETIME
    )
    return session_id, csrf


def session_principal(session: Session, session_id: str, *, now: dt.datetime) -> Principal | None:
    record = repo.session_by_hash(session, digest(session_id))
    if record is None or record.ended_at is not None or record.expires_at <= now:
        return None
    user = repo.user_by_id(session, record.user_id)
    if user is None or user.disabled:
        return None
    return Principal(user.id, user.username, Role(user.role), record.csrf_token)


def end_session(session: Session, session_id: str, *, now: dt.datetime) -> None:
    record = repo.session_by_hash(session, digest(session_id))
    if record is not None and record.ended_at is None:
        record.ended_at = now


def create_token(session: Session, *, username: str, name: str, days: int, at: dt.datetime, by: str) -> str:
    user = existing_user(session, username)
    if not 1 <= days <= 3650:
        raise DomainError("a token lasts 1 to 3650 days", field="days")
    token = "csbm_" + secrets.token_urlsafe(32)
    repo.add_token(session, user_id=user.id, name=name, token_hash=digest(token), at=at, days=days)
    audit(session, by=by, at=at, action="token.create", target=f"{username}/{name}", after={"days": days})
    return token


def revoke_token(session: Session, *, token: str, at: dt.datetime, by: str) -> bool:
    record = repo.token_by_hash(session, digest(token))
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = at
    audit(session, by=by, at=at, action="token.revoke", target=record.name)
    return True


def token_principal(session: Session, token: str, *, now: dt.datetime) -> Principal | None:
    found = repo.token_holder(session, digest(token))
    if found is None or found.revoked_at is not None or found.expires_at <= now or found.disabled:
        return None
    return Principal(found.id, found.username, Role(found.role))


def token_principal_with_version(
    connection: Connection, token: str, *, now: dt.datetime
) -> tuple[Principal, int] | None:
    """A valid token's principal and the ledger version, in one round trip; None when the
    token does not authenticate (the caller then takes the full path, which counts it)."""
    found = repo.token_holder_with_version(connection, digest(token))
    if found is None or found.revoked_at is not None or found.expires_at <= now or found.disabled:
        return None
    return Principal(found.id, found.username, Role(found.role)), int(found.version or 0)


def list_users(session: Session) -> list[dict[str, Any]]:
    return [
        {"username": u.username, "role": u.role, "disabled": u.disabled, "created_at": u.created_at.isoformat()}
        for u in repo.all_users(session)
    ]


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: dt.datetime
    user: str
    action: str
    target: str
    before: Any
    after: Any


def audit_trail(session: Session, *, page: int, size: int = 100) -> tuple[list[AuditRow], int]:
    """One page of the audit log, newest first, with the number of pages."""
    records, total = repo.audit_records(session, limit=size, offset=(page - 1) * size)

    def value(text: str | None) -> Any:
        return None if text is None else json.loads(text)

    rows = [AuditRow(r.at, r.user, r.action, r.target, value(r.before), value(r.after)) for r in records]
    return rows, max(1, -(-total // size))
