"""The quota-filled notice: drafted once when an entry fills a quota of our state whose
agreement asks for one; csbm never sends it, the officer records that it was sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.db import notices as repo
from app.db.live_models import QuotaNotice
from app.domain.agreement import Agreement
from app.domain.ledger import LedgerEntry, Status
from app.domain.messages import N_
from app.domain.notices import FilledQuota, filled_quotas, is_ours
from app.services.accounts import audit
from app.services.errors import Conflict, InvalidInput, NotFound

QUOTA_FILLED = "quota_filled"
FILLED_MESSAGE = N_(
    "{party}: the quota {rule} of {agreement} for {period} is filled (last entry {ref}); "
    "a notice to the other participating States is drafted for you to send"
)
ALREADY_SENT = N_("this notice is already recorded as sent")
NO_NOTICE = N_("no notice with this number")


def after_recording(
    session: Session, agreement: Agreement, entry: LedgerEntry, *, at: dt.datetime, home: str | None
) -> list[QuotaNotice]:
    """Draft the notices the entry's recording calls for: a quota of ours it filled."""
    if home is None or not _may_fill(agreement, entry, home):
        return []
    # The engine, for a quota of ours only. Only the counted columns are read, and only the
    # rows our state takes part in are built: every write by the home state comes here,
    # and a whole evaluation of the agreement made each one allocate megabytes.
    from app.services.quota_rows import rows_in_range

    day = entry.start_day
    rows = rows_in_range(session, {agreement.id: agreement}, start=day, end=day, state=home)
    drafted = []
    for filled in filled_quotas(agreement, rows, home):
        notice = draft(session, agreement, filled, filled_by=entry.ref, at=at)
        if notice is not None:
            drafted.append(notice)
    return drafted


def review(session: Session, agreements: Mapping[str, Agreement], *, at: dt.datetime, home: str | None) -> int:
    """Draft the notices of quotas of ours filled in the periods running at ``at`` that have
    none yet (entries loaded by an import, which records no single entry); how many."""
    chosen = {a.id: a for a in agreements.values() if any(r.notice_when_filled for r in a.quota_rules)}
    if home is None or not chosen:
        return 0
    from app.services.evaluation import evaluate_range  # the engine, for a quota of ours only

    drafted = 0
    for evaluation in evaluate_range(session, chosen, start=at.date(), end=at.date()):
        agreement = evaluation.agreement
        for filled in filled_quotas(agreement, evaluation.result.rows, home):
            last = _last_counted(agreement, evaluation.entries, filled)
            drafted += draft(session, agreement, filled, filled_by=last, at=at) is not None
    return drafted


def _last_counted(agreement: Agreement, entries: list[LedgerEntry], filled: FilledQuota) -> str:
    """The ref of the latest-starting entry that takes a slot of the filled quota."""
    rule = agreement.rule(filled.rule)
    taking = [
        e
        for e in entries
        if e.activity in rule.counts
        and filled.period_start <= e.start_day <= filled.period_end
        and agreement.quota_party(e.receiving_state, e.start_day) == filled.party
        and (e.status.is_pending or e.status is Status.CONDUCTED)
    ]
    return max(taking, key=lambda e: (e.start_day, e.ref)).ref if taking else "—"


def _may_fill(agreement: Agreement, entry: LedgerEntry, home: str) -> bool:
    """Whether the entry counts against a quota of ours that asks for a notice (a cheap
    test, so that entries elsewhere cost no evaluation)."""
    party = agreement.quota_party(entry.receiving_state, entry.start_day)
    counted = any(r.notice_when_filled and entry.activity in r.counts for r in agreement.quota_rules)
    return counted and is_ours(agreement, party, home)


def draft(
    session: Session, agreement: Agreement, filled: FilledQuota, *, filled_by: str, at: dt.datetime
) -> QuotaNotice | None:
    """The notice for a filled quota, drafted once per quota and period, with its alert."""
    if repo.notice_for(session, filled) is not None:
        return None
    # Here, not at the top: the templates (Jinja) are what a drafted notice needs, and
    # every import imports this module to see whether one is due.
    from app.reporting.notice import notice_texts
    from app.services.alerts import raise_once

    notice = repo.add_notice(
        session, filled, filled_by=filled_by, texts=notice_texts(agreement, filled, filled_by), at=at
    )
    if notice is None:
        return None
    period = f"{filled.period_start.isoformat()}/{filled.period_end.isoformat()}"
    params = {"party": filled.party, "rule": filled.rule, "agreement": agreement.id, "period": period, "ref": filled_by}
    key = f"{QUOTA_FILLED}:{agreement.id}:{filled.rule}:{filled.party}:{filled.period_start.isoformat()}"
    raise_once(session, kind=QUOTA_FILLED, key=key, message=FILLED_MESSAGE, params=params, at=at)
    audit(session, by="csbm", at=at, action="notice.draft", target=str(notice.id), after=notice_json(notice))
    return notice


def notice_json(notice: QuotaNotice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "agreement": notice.agreement,
        "rule": notice.rule,
        "party": notice.party,
        "period_start": notice.period_start.isoformat(),
        "period_end": notice.period_end.isoformat(),
        "limit": notice.quota_limit,
        "filled_by": notice.filled_by,
        "drafted_at": notice.drafted_at.isoformat(),
        "status": "sent" if notice.sent_on else "draft",
        "sent_on": notice.sent_on.isoformat() if notice.sent_on else None,
        "sent_reference": notice.sent_reference,
        "sent_by": notice.sent_by,
        "text": {"en": notice.text_en, "ru": notice.text_ru},
    }


def list_notices(session: Session) -> list[dict[str, Any]]:
    """Every notice drafted, newest period first, with its status (draft or sent)."""
    return [notice_json(n) for n in repo.notices(session)]


@dataclass(frozen=True, slots=True)
class Sending:
    """What the officer records about a notice sent: the day, and the outgoing reference."""

    on: dt.date
    reference: str


def sending(on: str, reference: str) -> Sending:
    """The officer's text fields as a Sending; InvalidInput naming the bad field."""
    try:
        day = dt.date.fromisoformat(on.strip())
    except ValueError:
        raise InvalidInput.one("on", N_("a date is YYYY-MM-DD")) from None
    reference = reference.strip()
    if not reference or len(reference) > 120:
        raise InvalidInput.one("reference", N_("the outgoing reference is 1 to 120 characters"))
    return Sending(day, reference)


def mark_sent(session: Session, notice_id: int, sent: Sending, *, by: str, at: dt.datetime) -> dict[str, Any]:
    """Record that the officer sent the notice; audited, and never overwritten."""
    notice = repo.notice_by_id(session, notice_id)
    if notice is None:
        raise NotFound(NO_NOTICE)
    if notice.sent_on is not None:
        raise Conflict(ALREADY_SENT, field="id")
    before = notice_json(notice)
    notice.sent_on, notice.sent_reference, notice.sent_by, notice.sent_recorded_at = sent.on, sent.reference, by, at
    after = notice_json(notice)
    audit(session, by=by, at=at, action="notice.sent", target=str(notice_id), before=before, after=after)
    return after
