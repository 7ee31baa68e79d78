"""Quota rows: how much of each quota is used, pending and left."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from app.domain.messages import standing_words

RowKey = tuple[str | None, str | None, str | None]  # (receiving, inspecting, object)


class QuotaRow(NamedTuple):
    """One quota's standing for one group of parties in one period.

    A named tuple rather than a frozen dataclass: a year's status builds about ten
    thousand rows (every pair of parties has one), and a tuple is built in a fifth of
    the time; it is as immutable, and compares the same.
    """

    agreement: str
    rule: str
    kind: str
    activity: str
    receiving_state: str | None
    inspecting_state: str | None
    object: str | None
    period_start: date
    period_end: date
    limit: int | None
    used: int
    pending: int
    # The obligation's force as at the period's end (or the replay time), and since when;
    # force_changed: it stood otherwise on some earlier day of the period.
    force: str = "in_force"
    force_since: date | None = None
    force_changed: bool = False

    @property
    def binds(self) -> bool:
        return self.force == "in_force"

    @property
    def remaining(self) -> int | None:
        """limit - used - pending; below zero means beyond the obligation. A suspended or
        withdrawn obligation has nothing remaining: it is no obligation at all."""
        if self.limit is None or not self.binds:
            return None
        return self.limit - self.used - self.pending

    def as_json(self) -> dict[str, Any]:
        return {
            "agreement": self.agreement,
            "rule": self.rule,
            "kind": self.kind,
            "activity": self.activity,
            "receiving_state": self.receiving_state,
            "inspecting_state": self.inspecting_state,
            "object": self.object,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "limit": self.limit,
            "used": self.used,
            "pending": self.pending,
            "remaining": self.remaining,
            "force": self.force,
            "force_since": self.force_since.isoformat() if self.force_since else None,
            "force_changed": self.force_changed,
        }

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.agreement,
            self.period_start,
            self.rule,
            self.receiving_state or "",
            self.inspecting_state or "",
            self.object or "",
        )

    def describe_remaining(self) -> str:
        """Human wording: "2 of 3 left", "beyond the obligation by 1" or "suspended since 2024-05-24"."""
        if not self.binds:
            return standing_words(self.force, self.force_since.isoformat() if self.force_since else None)
        if self.limit is None:
            return "unknown (declaration missing)"
        if self.limit == 0 and not self.used + self.pending:
            return "none provided"
        remaining = self.limit - self.used - self.pending
        if remaining < 0:
            return f"beyond the obligation by {-remaining}"
        return f"{remaining} of {self.limit} left"
