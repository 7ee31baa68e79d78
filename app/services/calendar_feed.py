"""The calendar as an ICS file, and each user's private feed.

A feed token reads the user's calendar feed and nothing else: it is no API token and
opens no page. It is random, shown once, and only its sha256 is stored (like every other
secret here, app/services/accounts.py); a user has at most one, and a new one revokes the
one before. Creating and revoking are audited, without the token.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db import calendar as repo
from app.reporting.i18n import Localizer
from app.reporting.ics import calendar_ics, deadline_event
from app.services import calendar, catalog
from app.services.accounts import Principal, Role, audit, digest, existing_user
from app.services.errors import InvalidInput

TOKEN_PREFIX = "csbmcal_"
# What a feed shows: a year back and two ahead, so a subscribed client keeps the recent
# past and sees what was requested well ahead.
FEED_BACK = dt.timedelta(days=366)
FEED_AHEAD = dt.timedelta(days=731)


def create_token(session: Session, *, username: str, at: dt.datetime, by: str) -> str:
    """A new feed token for the user, shown once; the one before stops working."""
    user = existing_user(session, username)
    repo.revoke_tokens(session, user_id=user.id, at=at)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    repo.add_token(session, user_id=user.id, token_hash=digest(token), at=at)
    audit(session, by=by, at=at, action="calendar_token.create", target=username)
    return token


def revoke_token(session: Session, *, username: str, at: dt.datetime, by: str) -> bool:
    """Revoke the user's feed token; False when there was none."""
    user = existing_user(session, username)
    revoked = repo.revoke_tokens(session, user_id=user.id, at=at) > 0
    if revoked:
        audit(session, by=by, at=at, action="calendar_token.revoke", target=username)
    return revoked


def token_since(session: Session, username: str) -> dt.datetime | None:
    """When the user's active feed token was made, or None."""
    return repo.active_token_since(session, existing_user(session, username).id)


def feed_holders(session: Session) -> set[str]:
    """The users with a feed token, for the users page."""
    return repo.holders(session)


def feed_principal(session: Session, token: str) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = repo.token_holder(session, digest(token))
    if found is None or found.revoked_at is not None or found.disabled:
        return None
    return Principal(found.id, found.username, Role(found.role))


@dataclass(frozen=True, slots=True)
class Export:
    first: dt.date
    last: dt.date
    activities: int
    deadlines: int
    content: bytes


def export(
    session: Session,
    first: dt.date,
    last: dt.date,
    chosen: calendar.CalendarFilter,
    *,
    lang: str,
    at: dt.datetime,
    home: str | None,
) -> Export:
    """The activities and deadlines of [first, last] as one ICS calendar."""
    if lang not in ("en", "ru"):
        raise InvalidInput.one("lang", f"{lang!r} is not one of en, ru")
    loc = Localizer(lang)
    found = calendar.period(session, first, last, chosen, at=at, home=home)
    agreements = catalog.agreements_as_of(session)
    events = [deadline_event(d, agreements, loc, at=at) for d in found.deadlines]
    content = calendar_ics(found.activities, events, name="csbm", loc=loc)
    return Export(first, last, len(found.activities), len(events), content)


def feed(session: Session, chosen: calendar.CalendarFilter, *, lang: str, at: dt.datetime, home: str | None) -> bytes:
    today = at.date()
    return export(session, today - FEED_BACK, today + FEED_AHEAD, chosen, lang=lang, at=at, home=home).content
