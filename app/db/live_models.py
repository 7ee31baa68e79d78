"""Tables of live operations: quota-filled notices, arrival checklists, the alert outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.db.types import UtcDateTime


class QuotaNotice(Base):
    """The draft of a notice that a quota of our state is filled: one per quota and period,
    in both languages as drafted. csbm never sends it; the officer records that it was sent."""

    __tablename__ = "quota_notices"
    __table_args__ = (UniqueConstraint("agreement", "rule", "party", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(80))
    party: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    quota_limit: Mapped[int] = mapped_column(Integer)
    filled_by: Mapped[str] = mapped_column(String(80))
    drafted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    text_en: Mapped[str] = mapped_column(Text)
    text_ru: Mapped[str] = mapped_column(Text)
    sent_on: Mapped[dt.date | None] = mapped_column(Date)
    sent_reference: Mapped[str | None] = mapped_column(String(120))
    sent_by: Mapped[str | None] = mapped_column(String(120))
    sent_recorded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ChecklistMark(Base):
    """One agency informed of a team's arrival or departure: when, and by whom."""

    __tablename__ = "checklist_marks"
    __table_args__ = (UniqueConstraint("entry_ref", "agency", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_ref: Mapped[str] = mapped_column(String(80))
    agency: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(20))
    done_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    done_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))


class AlertDelivery(Base):
    """One alert to one recipient over one channel: kept until delivered, retried with
    backoff when it fails, never dropped."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "channel", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
