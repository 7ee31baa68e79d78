"""The agreement file schema: what a file in agreements/ may contain.

Validated with pydantic; every model forbids unknown keys so that a typo in a
field name is an error, not a silently ignored rule.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.domain.agreement import Activity, Confidence, CountUnit, DateParties, RuleKind, TeamScope, TimingKind
from app.domain.ledger import Cause, Status
from app.domain.periods import PeriodKind

StateCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
PartyId = Annotated[str, Field(pattern=r"^[A-Za-z0-9+_-]{2,40}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceModel(Strict):
    document: str = Field(min_length=1)
    paragraph: str | None = None
    confidence: Confidence
    note: str | None = None


class Titles(Strict):
    en: str = Field(min_length=1)
    ru: str = Field(min_length=1)


def _ends_after(start: str, end: str) -> Any:
    """A model validator: the optional date ``end`` must come after the date ``start``."""

    def check(model: BaseModel) -> BaseModel:
        last = getattr(model, end)
        if last is not None and last <= getattr(model, start):
            raise ValueError(f"{end} must be after {start}")
        return model

    return model_validator(mode="after")(check)


class StatusModel(Strict):
    in_force_from: dt.date
    terminated_on: dt.date | None = None
    source: SourceModel
    _ordered = _ends_after("in_force_from", "terminated_on")


class SuspensionModel(Strict):
    start: dt.date
    end: dt.date | None = None
    toward: list[StateCode] | None = None
    source: SourceModel
    _ordered = _ends_after("start", "end")


class PartyBlock(Strict):
    states: list[StateCode] = Field(min_length=1)
    joined_on: dt.date | None = None
    # Where the agreement's accession rule applies: the day the instrument was deposited.
    deposited_on: dt.date | None = None
    withdrew_on: dt.date | None = None
    suspensions: list[SuspensionModel] = []
    source: SourceModel | None = None
    note: str | None = None


class MemberModel(Strict):
    state: StateCode
    start: dt.date
    end: dt.date | None = None


class GroupModel(Strict):
    id: PartyId
    name: Titles
    shares_quota: bool
    members: list[MemberModel] = Field(min_length=1)
    source: SourceModel


class PeriodModel(Strict):
    kind: PeriodKind = PeriodKind.CALENDAR_YEAR
    start: str | None = Field(default=None, description="MM-DD, for a treaty year")

    @field_validator("start")
    @classmethod
    def _month_day(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^\d{2}-\d{2}$", value):
            raise ValueError("start must be MM-DD, e.g. 03-16")
        return value

    @model_validator(mode="after")
    def _start_for_treaty_year(self) -> PeriodModel:
        if (self.kind is PeriodKind.TREATY_YEAR) != (self.start is not None):
            raise ValueError("a treaty_year period needs start (MM-DD); other kinds take none")
        return self


class RefModel(Strict):
    rule: str
    side: str = Field(default="receiving", pattern=r"^(receiving|inspecting)$")


class LimitModel(Strict):
    constant: int | None = Field(default=None, ge=0)
    formula: str | None = None
    share: dict[str, str | RefModel] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> LimitModel:
        if self.constant is not None and (self.formula is not None or self.share is not None):
            raise ValueError("a limit is either constant, or a formula (with share for another rule's limit)")
        if self.constant is None and self.formula is None:
            raise ValueError("a limit needs constant or formula")
        if self.share is not None and not self.share:
            raise ValueError("share names at least one rule")
        return self


class QuotaRuleModel(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,79}$")
    activity: Activity
    counts: list[Activity] | None = None
    kind: RuleKind
    period: PeriodKind | PeriodModel = PeriodKind.CALENDAR_YEAR
    limit: LimitModel
    party_limits: dict[PartyId, LimitModel] = {}
    counts_per: CountUnit = CountUnit.MISSION
    counts_per_source: SourceModel | None = None
    description: str = ""
    source: SourceModel

    @model_validator(mode="after")
    def _per_object_cited(self) -> QuotaRuleModel:
        if self.counts_per is CountUnit.OBJECT and self.counts_per_source is None:
            raise ValueError("a rule that counts once per object cites its source (counts_per_source)")
        return self


class TimingRuleModel(Strict):
    activity: Activity
    kind: TimingKind
    value: int = Field(ge=0)
    source: SourceModel
    team: TeamScope | None = None
    team_source: SourceModel | None = None
    per_further_object: int = Field(default=0, ge=0)
    cap: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _fits_kind(self) -> TimingRuleModel:
        if (self.team is not None or self.team_source is not None) and self.kind is not TimingKind.MAX_TEAM_SIZE:
            raise ValueError("team and team_source belong to max_team_size rules only")
        if self.team is not None and self.team_source is None:
            raise ValueError("a team-size rule that says whom it counts cites its source (team_source)")
        if (self.per_further_object or self.cap is not None) and self.kind is not TimingKind.MAX_DURATION_HOURS:
            raise ValueError("per_further_object and cap belong to max_duration_hours rules only")
        return self


class OutcomeModel(Strict):
    """What a status beyond the basic ones means under this agreement, and whether it counts."""

    status: Status
    counted: bool
    compliant: bool = True
    uncounted_causes: list[Cause] = []
    source: SourceModel

    @field_validator("status")
    @classmethod
    def _own_status(cls, value: Status) -> Status:
        if value not in (Status.CURTAILED, Status.PROHIBITED, Status.REFUSED_FORCE_MAJEURE):
            raise ValueError("outcomes define curtailed, prohibited or refused_force_majeure")
        return value


class AccessionModel(Strict):
    """A state that joins later is a party from this many days after depositing its instrument."""

    delay_days: int = Field(ge=0)
    source: SourceModel


class ProvisionModel(Strict):
    """A rule kept for reference that csbm does not count (e.g. force majeure)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,79}$")
    text: str = Field(min_length=1)
    source: SourceModel


class DateModel(Strict):
    """A date that falls due every year under the agreement as a whole."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,79}$")
    day: str = Field(description="MM-DD, every year")
    title: Titles
    parties: DateParties = DateParties.EACH_PARTY
    source: SourceModel

    @field_validator("day")
    @classmethod
    def _month_day(cls, value: str) -> str:
        if not re.match(r"^\d{2}-\d{2}$", value):
            raise ValueError("day must be MM-DD, e.g. 12-15")
        month, day = (int(x) for x in value.split("-"))
        try:
            dt.date(2024, month, day)  # a leap year, so 02-29 is allowed
        except ValueError:
            raise ValueError(f"{value} is not a day of the year") from None
        return value


class RefusableModel(Strict):
    """An activity the receiving state may refuse even within quota."""

    activity: Activity
    source: SourceModel


class AgreementFile(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{0,39}$")
    title: Titles
    legal_basis: str = Field(min_length=1)
    status: StatusModel
    parties: list[PartyBlock] = Field(min_length=1)
    groups: list[GroupModel] = []
    quota_rules: list[QuotaRuleModel] = []
    timing_rules: list[TimingRuleModel] = []
    provisions: list[ProvisionModel] = []
    dates: list[DateModel] = []
    refusable_activities: list[RefusableModel] = []
    outcomes: list[OutcomeModel] = []
    accession: AccessionModel | None = None
    notes: str | None = None
