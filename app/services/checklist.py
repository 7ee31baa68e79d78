"""Who else must be told: each received activity's checklist of agencies to inform of the
team's arrival and departure (the home-state file), and marking an item done."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from app.catalog.home import load_home
from app.db import notices as repo
from app.db.migrate import shipped_path
from app.domain.checklist import HomeAgencies, Item, Mark, checklist
from app.domain.ledger import LedgerEntry
from app.domain.messages import N_
from app.services.accounts import audit
from app.services.errors import Conflict, InvalidInput

ALREADY_DONE = N_("this item is already marked done")
NOT_ON_LIST = N_("not an item of this entry's checklist")


@cache
def home_agencies(state: str | None) -> HomeAgencies | None:
    """The agencies of the home-state file shipped for ``state`` (agreements/home/), if any."""
    return load_home(shipped_path("agreements") / "home", state) if state else None


def items(session: Session, entry: LedgerEntry, home: str | None) -> list[Item]:
    agencies = home_agencies(home)
    return checklist(entry, agencies, repo.marks(session, entry.ref)) if agencies else []


def item_json(item: Item) -> dict[str, Any]:
    mark = item.mark
    return {
        "agency": item.agency.id,
        "name": {"en": item.agency.name_en, "ru": item.agency.name_ru},
        "event": str(item.event),
        "done": item.done,
        "done_at": mark.done_at.isoformat() if mark else None,
        "done_by": mark.done_by if mark else None,
    }


def checklist_json(session: Session, entry: LedgerEntry, home: str | None) -> dict[str, Any] | None:
    """The checklist with its source, or None where the entry has none."""
    found = items(session, entry, home)
    agencies = home_agencies(home)
    if not found or agencies is None:
        return None
    source = agencies.source
    return {
        "items": [item_json(i) for i in found],
        "source": {"document": source.document, "confidence": str(source.confidence), "note": source.note},
    }


def mark_done(
    session: Session, entry: LedgerEntry, home: str | None, fields: dict[str, str], *, by: str, at: dt.datetime
) -> Item:
    """Record that an agency was informed: when (``done_at``, default now) and by whom
    (``done_by``, default the user). Audited; a done item is never marked again."""
    item = _item(session, entry, home, fields.get("agency", ""), fields.get("event", ""))
    mark = Mark(
        agency=item.agency.id,
        event=item.event,
        done_at=_when(fields.get("done_at"), at),
        done_by=_who(fields.get("done_by"), by),
    )
    if item.done or not repo.add_mark(session, entry.ref, mark, at=at, by=by):
        raise Conflict(ALREADY_DONE, field="agency")
    audit(
        session,
        by=by,
        at=at,
        action="checklist.done",
        target=entry.ref,
        after=item_json(Item(agency=item.agency, event=item.event, mark=mark)),
    )
    return Item(agency=item.agency, event=item.event, mark=mark)


def _item(session: Session, entry: LedgerEntry, home: str | None, agency: str, event: str) -> Item:
    for item in items(session, entry, home):
        if item.agency.id == agency and str(item.event) == event:
            return item
    raise InvalidInput.one("agency", NOT_ON_LIST)


def _when(text: str | None, at: dt.datetime) -> dt.datetime:
    if not text or not text.strip():
        return at
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput.one("done_at", N_("a moment is YYYY-MM-DDTHH:MM (UTC)")) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if moment > at:
        raise InvalidInput.one("done_at", N_("this moment is in the future"))
    return moment.astimezone(dt.UTC)


def _who(text: str | None, by: str) -> str:
    who = (text or "").strip() or by
    if len(who) > 120:
        raise InvalidInput.one("done_by", N_("a name is at most 120 characters"))
    return who
