"""Finding codes, their severity and the state responsible (docs/semantics.md section 5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

Severity = StrEnum("Severity", "VIOLATION WARNING INFO")


Responsible = StrEnum("Responsible", "RECEIVING INSPECTING")


class Code(StrEnum):
    REFUSED_WITHIN_QUOTA = "refused_within_quota"
    LATE_REPLY = "late_reply"
    SHORT_NOTICE = "short_notice"
    DURATION_EXCEEDED = "duration_exceeded"
    TEAM_SIZE_EXCEEDED = "team_size_exceeded"
    BEYOND_QUOTA = "beyond_quota"
    BEYOND_COUNTERPARTY_CAP = "beyond_counterparty_cap"
    BEYOND_OBJECT_CAP = "beyond_object_cap"
    MISSING_DECLARATION = "missing_declaration"
    CONCURRENT_ACTIVITY = "concurrent_activity"
    ACTIVE_QUOTA_EXCEEDED = "active_quota_exceeded"
    NOT_IN_FORCE = "not_in_force"

    @property
    def severity(self) -> Severity:
        return _TABLE[self][0]

    @property
    def responsible(self) -> Responsible:
        return _TABLE[self][1]

    @property
    def over_limit(self) -> bool:
        """The codes that ``--within-quota`` refuses to create."""
        return self in OVER_LIMIT


# How grave each finding is, and which state answers for it.
_TABLE_TEXT = """
refused_within_quota     violation  receiving
late_reply               violation  receiving
short_notice             warning    inspecting
duration_exceeded        warning    inspecting
team_size_exceeded       warning    inspecting
beyond_quota             info       receiving
beyond_counterparty_cap  info       receiving
beyond_object_cap        info       receiving
missing_declaration      warning    receiving
concurrent_activity      info       receiving
active_quota_exceeded    violation  inspecting
not_in_force             violation  inspecting
"""
_TABLE: dict[Code, tuple[Severity, Responsible]] = {
    Code(code): (Severity(severity), Responsible(side))
    for code, severity, side in map(str.split, _TABLE_TEXT.strip().splitlines())
}

OVER_LIMIT = frozenset(
    {
        Code.BEYOND_QUOTA,
        Code.BEYOND_COUNTERPARTY_CAP,
        Code.BEYOND_OBJECT_CAP,
        Code.CONCURRENT_ACTIVITY,
        Code.ACTIVE_QUOTA_EXCEEDED,
    }
)

SEVERITY_ORDER = {Severity.VIOLATION: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    code: Code
    entry_ref: str | None
    agreement: str
    rule: str
    responsible_state: str
    # What a period-level finding is about, where entry_ref is None: "BY oov 2026" for
    # the one missing_declaration warning per state, year and declaration name.
    subject: str = ""
    # The values the message is rendered from, in English here and in another
    # language by the reports. Rendered on demand: a dense year can raise tens
    # of thousands of findings of which a view shows a few.
    params: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)

    @property
    def message(self) -> str:
        from app.domain.messages import render_message  # messages imports this module

        return render_message(self.code, self.params)

    @property
    def severity(self) -> Severity:
        return self.code.severity

    def identity(self) -> tuple[str, str | None, str, str, str]:
        return (self.code, self.entry_ref, self.agreement, self.rule, self.subject)

    def as_json(self) -> dict[str, str | None]:
        return {
            "code": str(self.code),
            "severity": str(self.severity),
            "entry_ref": self.entry_ref,
            "agreement": self.agreement,
            "rule": self.rule,
            "responsible_state": self.responsible_state,
            "message": self.message,
        }

    def sort_key(self) -> tuple[object, ...]:
        return (SEVERITY_ORDER[self.severity], self.entry_ref or "", self.agreement, self.rule, self.code, self.subject)
