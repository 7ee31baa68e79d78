"""The alert step (``csbm alerts notify``, ``csbm due --notify`` and the scheduler's job):
raise an alert for each of our deadlines that entered its warning window or was missed,
once per entry, kind and stage; then deliver what is queued through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.config import Settings
from app.domain.alerting import MISSED, DeadlineLike, deadline_key, deadline_stage
from app.domain.deadlines import Deadline
from app.domain.messages import N_
from app.services import catalog, notices
from app.services.alerts import raise_once
from app.services.deadlines import due
from app.services.outbox import Channels, Delivered, deliver

DEADLINE = "deadline"
KIND_LABELS = {
    "reply": N_("reply"),
    "earliest_start": N_("earliest start"),
    "entry": N_("entry into the territory"),
    "latest_end": N_("latest end"),
    "report": N_("report"),
    "annual": N_("annual date"),
}
WARNING_MESSAGE = N_("{ref}: the {kind} deadline under {agreement} is due at {due} UTC; {state} must act")
MISSED_MESSAGE = N_("{ref}: the {kind} deadline under {agreement} was missed at {due} UTC; {state} was to act")

Deadlines = Callable[[Session, dt.datetime, str], Iterable[DeadlineLike]]


@dataclass(frozen=True, slots=True)
class Notified:
    raised: int
    delivered: Delivered

    def as_json(self) -> dict[str, int]:
        return {"raised": self.raised, **self.delivered._asdict()}


def deadline_alerts(
    session: Session, deadlines: Iterable[DeadlineLike], *, at: dt.datetime, home: str, warning_hours: dict[str, int]
) -> int:
    """Raise the alert of each of our deadlines' stage not raised before; how many were raised."""
    raised = 0
    for deadline in deadlines:
        if deadline.responsible_state != home:
            continue
        stage = deadline_stage(deadline, at, warning_hours)
        if stage is not None:
            raised += _raise(session, deadline, stage, at) is not None
    return raised


def _raise(session: Session, deadline: DeadlineLike, stage: str, at: dt.datetime) -> object:
    kind = str(getattr(deadline.kind, "value", deadline.kind))
    params = {
        "ref": deadline.ref,
        "kind": KIND_LABELS.get(kind, kind),
        "agreement": deadline.agreement,
        "due": deadline.due_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "state": deadline.responsible_state,
    }
    message = MISSED_MESSAGE if stage == MISSED else WARNING_MESSAGE
    key = deadline_key(deadline, stage)
    return raise_once(session, kind=DEADLINE, key=key, message=message, params=params, at=at, translated=("kind",))


def notify(
    session: Session,
    channels: Channels,
    *,
    at: dt.datetime,
    home: str | None,
    warning_hours: dict[str, int],
    deadlines: Deadlines | None = None,
) -> Notified:
    """One run of the alert step: our deadlines' alerts and notices of quotas filled by an
    import (with a home state), then delivery."""
    raised = 0
    if home and deadlines is not None:
        raised = deadline_alerts(session, deadlines(session, at, home), at=at, home=home, warning_hours=warning_hours)
    if home:
        raised += notices.review(session, catalog.agreements_as_of(session), at=at, home=home)
    return Notified(raised, deliver(session, channels, at))


def ours_due(session: Session, at: dt.datetime, home: str) -> list[Deadline]:
    """The open and missed deadlines of the home state's entries and agreement dates."""
    return due(session, at=at, state=home, home=home)


def run(session: Session, settings: Settings, *, at: dt.datetime, deadlines: Deadlines | None = ours_due) -> Notified:
    """The alert step as the settings configure it (the CLI and the scheduler both call this)."""
    return notify(
        session,
        Channels.from_settings(settings),
        at=at,
        home=settings.home_state,
        warning_hours=settings.alert_warning_hours,
        deadlines=deadlines,
    )
