"""Agreements as obligations with quotas (docs/semantics.md sections 1, 3 and 4)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TypeVar

from app.domain.formula import Formula
from app.domain.periods import PeriodSpec

_Derived = TypeVar("_Derived")

Confidence = StrEnum("Confidence", "TEXT SECONDARY BELIEVED")


Activity = StrEnum(
    "Activity", "INSPECTION EVALUATION_VISIT DECLARED_SITE_INSPECTION CHALLENGE_INSPECTION OBSERVATION_FLIGHT"
)


RuleKind = StrEnum(
    "RuleKind", "PASSIVE PER_INSPECTING_STATE PAIR ACTIVE PER_OBJECT PER_OBJECT_PER_INSPECTING_STATE CONCURRENCY"
)


class TimingKind(StrEnum):
    REPLY_WITHIN_HOURS = "reply_within_hours"
    MIN_NOTICE_HOURS = "min_notice_hours"
    MAX_DURATION_HOURS = "max_duration_hours"
    MAX_TEAM_SIZE = "max_team_size"
    # Recorded for reference only: no finding is defined for it.
    ENTRY_WITHIN_HOURS = "entry_within_hours"
    # A report due so many hours after the activity ends (Open Skies: the mission report
    # within 7 days of departure). A deadline only: the ledger records no report.
    REPORT_WITHIN_HOURS = "report_within_hours"


# What one entry counts as against a rule: one mission, or each object it inspects.
CountUnit = StrEnum("CountUnit", "MISSION OBJECT")


# Whom a team-size limit counts: the whole team, guests included, or the lead state's own.
TeamScope = StrEnum("TeamScope", "WHOLE_TEAM LEAD_INSPECTORS")


LimitKind = StrEnum("LimitKind", "CONSTANT FORMULA SHARE")


RefSide = StrEnum("RefSide", "RECEIVING INSPECTING")


ChangeKind = StrEnum("ChangeKind", "ENTRY_INTO_FORCE JOINED SUSPENSION SUSPENSION_ENDED WITHDRAWAL TERMINATION")


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChange:
    """A change in an agreement's force; ``state`` is "*" for the agreement as a whole,
    and ``toward`` names the states a directed suspension concerns (empty: everyone)."""

    agreement: str
    day: date
    state: str
    change: ChangeKind
    toward: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    document: str
    paragraph: str | None = None
    confidence: Confidence
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitRef:
    """A named reference to another rule's limit for one side of the group."""

    name: str
    rule: str
    side: RefSide = RefSide.RECEIVING


@dataclass(frozen=True, slots=True, kw_only=True)
class Limit:
    kind: LimitKind
    value: int | None = None
    formula: Formula | None = None
    refs: tuple[LimitRef, ...] = ()


_PER_OBJECT = frozenset({RuleKind.PER_OBJECT, RuleKind.PER_OBJECT_PER_INSPECTING_STATE})
_SCOPES_INSPECTING = frozenset(
    {RuleKind.PER_INSPECTING_STATE, RuleKind.PAIR, RuleKind.ACTIVE, RuleKind.PER_OBJECT_PER_INSPECTING_STATE}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class QuotaRule:
    id: str
    activity: Activity
    counts: frozenset[Activity]
    kind: RuleKind
    period: PeriodSpec
    limit: Limit
    party_limits: Mapping[str, Limit] = field(default_factory=dict)
    counts_per: CountUnit = CountUnit.MISSION
    counts_per_source: Source | None = None
    description: str = ""
    source: Source
    # Filling this quota obliges the party to inform the others (Vienna Document text
    # (107.1) for evaluation visits): csbm drafts that notice; the officer sends it.
    notice_when_filled: Source | None = None

    def limit_for(self, party: str) -> Limit:
        return self.party_limits.get(party, self.limit)

    @property
    def per_object(self) -> bool:
        return self.kind in _PER_OBJECT

    @property
    def scopes_inspecting(self) -> bool:
        return self.kind in _SCOPES_INSPECTING


@dataclass(frozen=True, slots=True, kw_only=True)
class TimingRule:
    activity: Activity
    kind: TimingKind
    value: int
    source: Source
    # max_team_size: whom the limit counts.
    team: TeamScope = TeamScope.WHOLE_TEAM
    team_source: Source | None = None
    # max_duration_hours of a mission to several objects in sequence: hours added for each
    # object after the first, up to an overall cap (CFE: 48 h + 36 h each, at most 10 days).
    per_further_object: int = 0
    cap: int | None = None

    def limit_for(self, objects: int) -> int:
        """The limit for a mission to ``objects`` objects in sequence."""
        limit = self.value + self.per_further_object * max(0, objects - 1)
        return limit if self.cap is None else min(limit, self.cap)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What a ledger status beyond the basic ones means under this agreement.

    ``counted``: it counts as used against the quotas; ``uncounted_causes`` are the
    recorded causes for which it does not (a curtailed Open Skies flight counts
    unless the observed party or force-majeure air traffic control cut it short).
    ``compliant``: for a refusal, whether refusing so is within the agreement.
    """

    status: str
    counted: bool
    compliant: bool = True
    uncounted_causes: frozenset[str] = frozenset()
    source: Source


@dataclass(frozen=True, slots=True, kw_only=True)
class Provision:
    """A provision kept for reference; no count or finding depends on it."""

    id: str
    text: str
    source: Source


class DateParties(StrEnum):
    """Who must act on an agreement-level date: every party, or only the centre's home state."""

    EACH_PARTY = "each_party"
    HOME_STATE = "home_state"


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementDate:
    """A date that falls due every year under the agreement as a whole, not under one entry
    (the Vienna Document annual exchange of information by 15 December)."""

    id: str
    month: int
    day: int
    title_en: str
    title_ru: str
    parties: DateParties
    source: Source


@dataclass(frozen=True, slots=True, kw_only=True)
class Suspension:
    """A suspension by one party, toward everyone (``toward`` None) or named states."""

    start: date
    end: date | None = None  # exclusive: in force again from this day
    toward: frozenset[str] | None = None
    source: Source

    def covers(self, day: date, other: str) -> bool:
        if day < self.start or (self.end is not None and day >= self.end):
            return False
        return self.toward is None or other in self.toward


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyTimeline:
    state: str
    joined_on: date
    withdrew_on: date | None = None  # out of the agreement from this day
    suspensions: tuple[Suspension, ...] = ()
    source: Source | None = None
    note: str | None = None

    def is_party(self, day: date) -> bool:
        return self.joined_on <= day and (self.withdrew_on is None or day < self.withdrew_on)

    def change_days(self) -> set[date]:
        days = {self.joined_on}
        if self.withdrew_on:
            days.add(self.withdrew_on)
        for s in self.suspensions:
            days.add(s.start)
            if s.end:
                days.add(s.end)
        return days


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupMember:
    state: str
    start: date
    end: date | None = None  # exclusive

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyGroup:
    """A group of states. With ``shares_quota`` it is one party for quotas.

    Open Skies Art. III section II para 3: Belarus and the Russian Federation
    hold one common passive quota, so a rule scoped to the group counts the
    entries of every member on the dates it was a member.
    """

    id: str
    name_en: str
    name_ru: str
    members: tuple[GroupMember, ...]
    shares_quota: bool
    source: Source

    def member_on(self, state: str, day: date) -> bool:
        return any(m.state == state and m.covers(day) for m in self.members)

    def states(self) -> frozenset[str]:
        return frozenset(m.state for m in self.members)


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    id: str
    title_en: str
    title_ru: str
    legal_basis: str
    in_force_from: date
    terminated_on: date | None = None  # not in force from this day
    status_source: Source
    parties: Mapping[str, PartyTimeline]
    groups: tuple[PartyGroup, ...] = ()
    quota_rules: tuple[QuotaRule, ...] = ()
    timing_rules: tuple[TimingRule, ...] = ()
    provisions: tuple[Provision, ...] = ()
    dates: tuple[AgreementDate, ...] = ()
    # Activities the receiving state may refuse even within quota (CFE challenge
    # inspections, PoI section VIII para 4): refusing them is never a violation.
    refusable: Mapping[Activity, Source] = field(default_factory=dict)
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    # Memo of force-change days per state; derived data, not part of identity.
    _change_days: dict[str, frozenset[date]] = field(default_factory=dict, compare=False, repr=False)
    # Other memos of what the agreement alone decides (``derived``), by name.
    _derived: dict[str, object] = field(default_factory=dict, compare=False, repr=False)
    # The states ever in a group sharing one quota: any other state is its own quota party.
    _sharing: frozenset[str] = field(init=False, compare=False, repr=False, default=frozenset())

    def __post_init__(self) -> None:
        sharing = frozenset(m.state for g in self.groups if g.shares_quota for m in g.members)
        object.__setattr__(self, "_sharing", sharing)

    def derived(
        self, name: str, kind: type[_Derived], make: Callable[[Agreement], _Derived], fresh: Callable[[_Derived], bool]
    ) -> _Derived:
        """The memo ``name`` of what this agreement alone decides, made on first use and
        again when no longer ``fresh``: every evaluation of the agreement shares it, and a
        reloaded agreement starts its own."""
        found = self._derived.get(name)
        if not isinstance(found, kind) or not fresh(found):
            found = self._derived[name] = make(self)
        return found

    def change_days_of(self, state: str) -> frozenset[date]:
        """Days on which ``state``'s standing under this agreement changes."""
        days = self._change_days.get(state)
        if days is None:
            timeline = self.parties.get(state)
            days = frozenset(timeline.change_days()) if timeline else frozenset()
            self._change_days[state] = days
        return days

    def rule(self, rule_id: str) -> QuotaRule:
        for rule in self.quota_rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def activities(self) -> frozenset[Activity]:
        found = {r.activity for r in self.quota_rules} | {t.activity for t in self.timing_rules}
        for rule in self.quota_rules:
            found |= rule.counts
        return frozenset(found)

    def quota_party(self, state: str, day: date) -> str:
        """The party whose quota an activity of ``state`` on ``day`` counts against."""
        if state not in self._sharing:
            return state
        for group in self.groups:
            if group.shares_quota and group.member_on(state, day):
                return group.id
        return state

    def timing(self, activity: Activity) -> list[TimingRule]:
        return [t for t in self.timing_rules if t.activity is activity]
