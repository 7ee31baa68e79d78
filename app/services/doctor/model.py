"""What a check of ``csbm doctor`` answers: a status, what it found, what to do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.domain.messages import N_


class Status(StrEnum):
    OK = "ok"
    WARNING = "warning"
    FAILED = "failed"


# The statuses as words for the page (gettext ids).
STATUS_WORDS = {Status.OK: N_("ok"), Status.WARNING: N_("warning"), Status.FAILED: N_("failed")}


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    name: str
    status: Status
    found: str  # a message template (gettext id) with {params}
    action: str = ""  # what to do, a template too; empty when nothing is to be done
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def ok(cls, name: str, found: str, **params: str) -> Check:
        return cls(name=name, status=Status.OK, found=found, params=params)

    @classmethod
    def warning(cls, name: str, found: str, action: str = "", **params: str) -> Check:
        return cls(name=name, status=Status.WARNING, found=found, action=action, params=params)

    @classmethod
    def failed(cls, name: str, found: str, action: str, **params: str) -> Check:
        return cls(name=name, status=Status.FAILED, found=found, action=action, params=params)

    def message(self, translate: Callable[[str], str] = str) -> str:
        return translate(self.found).format(**self.params)

    def todo(self, translate: Callable[[str], str] = str) -> str:
        return translate(self.action).format(**self.params) if self.action else ""

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "status": str(self.status), "message": self.message(), "action": self.todo()}


@dataclass(frozen=True, slots=True)
class Diagnosis:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.status is not Status.FAILED for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [c.as_json() for c in self.checks]}


def moment(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def span(delta: dt.timedelta) -> str:
    seconds = int(abs(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
