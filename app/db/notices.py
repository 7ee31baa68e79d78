"""Queries for quota-filled notices and the arrival and departure checklists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.base import add_once
from app.db.live_models import ChecklistMark, QuotaNotice
from app.domain.checklist import Event, Mark
from app.domain.notices import FilledQuota


def notice_for(session: Session, filled: FilledQuota) -> QuotaNotice | None:
    return session.scalar(
        select(QuotaNotice).where(
            QuotaNotice.agreement == filled.agreement,
            QuotaNotice.rule == filled.rule,
            QuotaNotice.party == filled.party,
            QuotaNotice.period_start == filled.period_start,
        )
    )


def add_notice(
    session: Session, filled: FilledQuota, *, filled_by: str, texts: dict[str, str], at: dt.datetime
) -> QuotaNotice | None:
    """The new draft; None when a concurrent writer drafted the same one first."""
    notice = QuotaNotice(
        agreement=filled.agreement,
        rule=filled.rule,
        party=filled.party,
        period_start=filled.period_start,
        period_end=filled.period_end,
        quota_limit=filled.limit,
        filled_by=filled_by,
        drafted_at=at,
        text_en=texts["en"],
        text_ru=texts["ru"],
    )
    return notice if add_once(session, notice) else None


def notices(session: Session) -> list[QuotaNotice]:
    return list(session.scalars(select(QuotaNotice).order_by(QuotaNotice.period_start.desc(), QuotaNotice.id)))


def notice_by_id(session: Session, notice_id: int) -> QuotaNotice | None:
    return session.get(QuotaNotice, notice_id)


def marks(session: Session, ref: str) -> list[Mark]:
    rows = session.scalars(select(ChecklistMark).where(ChecklistMark.entry_ref == ref))
    return [Mark(agency=r.agency, event=Event(r.event), done_at=r.done_at, done_by=r.done_by) for r in rows]


def add_mark(session: Session, ref: str, mark: Mark, *, at: dt.datetime, by: str) -> bool:
    """Record the mark; False when that item was already marked done."""
    row = ChecklistMark(
        entry_ref=ref,
        agency=mark.agency,
        event=str(mark.event),
        done_at=mark.done_at,
        done_by=mark.done_by,
        recorded_at=at,
        recorded_by=by,
    )
    return add_once(session, row)
