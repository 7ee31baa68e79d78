"""Alerts that reach people: who is told, when a deadline's alert is due, and how long a
failed delivery waits before it is tried again.

Each alert is raised once per occasion: for a deadline, once per entry, kind and stage
(the warning window, then missed). Deliveries that fail are retried with a doubling
wait, capped, and never given up on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol

from app.domain.errors import DomainError

LANGUAGES = ("en", "ru")
DEFAULT_WARNING_HOURS = 6
_ADDRESS = re.compile(r"^[^@\s,/]+@[^@\s,/]+$")

# Who must see an alert of each kind: a deadline or a filled quota is the duty
# officer's business, a break in the recorded history the administrator's.
ROLE_OF_KIND = {"chain_break": "admin"}


def role_of(kind: str) -> str:
    return ROLE_OF_KIND.get(kind, "officer")


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    lang: str = "en"


def parse_recipients(text: str, *, field: str) -> list[Recipient]:
    """``"duty@centre.by/ru, chief@centre.by"``: addresses, each with its language (default en)."""
    found = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        address, _, lang = part.partition("/")
        lang = lang.strip() or "en"
        if not _ADDRESS.match(address.strip()):
            raise DomainError(f"{address.strip()!r} is not a mail address", field=field)
        if lang not in LANGUAGES:
            raise DomainError(f"{lang!r} is not a language csbm writes (en, ru)", field=field)
        found.append(Recipient(address.strip(), lang))
    return found


def backoff(attempts: int, *, base_seconds: int, cap_seconds: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: base, 2 x base, 4 x base, ... up to the cap."""
    if attempts < 1:
        return dt.timedelta(0)
    return dt.timedelta(seconds=min(cap_seconds, base_seconds * 2 ** min(attempts - 1, 30)))


class DeadlineLike(Protocol):
    """What an alert needs of a deadline (app/domain/deadlines.py's Deadline has it)."""

    @property
    def ref(self) -> str: ...
    @property
    def agreement(self) -> str: ...
    @property
    def responsible_state(self) -> str: ...
    @property
    def kind(self) -> object: ...
    @property
    def due_at(self) -> dt.datetime: ...
    @property
    def status(self) -> object: ...


WARNING, MISSED = "warning", "missed"


def deadline_stage(deadline: DeadlineLike, at: dt.datetime, warning_hours: dict[str, int]) -> str | None:
    """The stage a deadline has reached at ``at``: missed, within its warning window, or none.
    A deadline met has no stage."""
    status = str(getattr(deadline.status, "value", deadline.status)).lower()
    if status == MISSED:
        return MISSED
    if status != "open":
        return None
    kind = str(getattr(deadline.kind, "value", deadline.kind))
    window = dt.timedelta(hours=warning_hours.get(kind, DEFAULT_WARNING_HOURS))
    if deadline.due_at <= at:
        return MISSED
    return WARNING if deadline.due_at - at <= window else None


def deadline_key(deadline: DeadlineLike, stage: str) -> str:
    """The occasion an alert is raised once for: this entry, deadline kind and stage."""
    kind = str(getattr(deadline.kind, "value", deadline.kind))
    return f"deadline:{deadline.ref}:{kind}:{stage}"
