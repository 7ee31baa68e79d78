"""Pydantic models at the HTTP boundary only; the domain never sees them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Guest(BaseModel):
    """Guest inspectors of one state in a team led by the inspecting state."""

    model_config = ConfigDict(extra="forbid")

    state: str = Field(max_length=40, examples=["IT"])
    count: int = Field(examples=[1], ge=-1000, le=1000)


class EntryIn(BaseModel):
    """A ledger entry as text fields, exactly like a CSV row (docs/semantics.md section 6)."""

    model_config = ConfigDict(extra="forbid")

    ref: str | None = Field(default=None, max_length=80, examples=["BY-2025-EV-03"])
    agreement: str = Field(max_length=40, examples=["vd2011"])
    activity: str = Field(max_length=40, examples=["evaluation_visit"])
    # Codes are checked as a CSV row's are, with the same messages; the lengths only bound the request.
    inspecting_state: str = Field(max_length=40, examples=["DE"])
    receiving_state: str = Field(max_length=40, examples=["BY"])
    requested_at: str = Field(max_length=40, examples=["2025-04-01T09:00:00Z"])
    replied_at: str | None = Field(default=None, max_length=40)
    start: str = Field(max_length=40, examples=["2025-04-15T08:00:00Z"])
    end: str = Field(max_length=40, examples=["2025-04-15T17:00:00Z"])
    status: str = Field(default="requested", max_length=40)
    team_size: int | None = Field(default=None, le=1000)
    location: str = Field(default="", max_length=2000)
    object: str | list[str] = Field(
        default="", description="The object, or the objects a mission inspects in sequence", max_length=2000
    )
    notes: str = Field(default="", max_length=10000)
    guests: list[Guest] = Field(default_factory=list, max_length=60, description="Guest inspectors by state")
    cause: str | None = Field(default=None, max_length=40, description="Why a flight was curtailed")

    def as_values(self, ref: str | None = None) -> dict[str, str]:
        """The entry as a CSV row's text fields: objects joined by ';', guests as STATE:N pairs."""
        data = self.model_dump(exclude={"object", "guests"})
        data["ref"] = ref or data["ref"] or ""
        values = {k: "" if v is None else str(v) for k, v in data.items()}
        values["object"] = self.object if isinstance(self.object, str) else "; ".join(self.object)
        values["guests"] = " ".join(f"{g.state}:{g.count}" for g in self.guests)
        return values


class DeclarationIn(BaseModel):
    """A declaration; its values are checked as a CSV row's are (state or group, year 1900-2200, ...)."""

    model_config = ConfigDict(extra="forbid")

    state: str = Field(max_length=40, examples=["BY"])
    year: int = Field(examples=[2026])
    name: str = Field(max_length=40, examples=["units"])
    value: int = Field(examples=[165])
    source: str = Field(default="", max_length=2000)

    def as_values(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.model_dump().items()}


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(max_length=30, examples=["2026Q1"])
    formats: list[str] = Field(default_factory=lambda: ["json"], min_length=1, max_length=5)
    languages: list[str] = Field(default_factory=lambda: ["en"], min_length=1, max_length=2)
    home_state: str | None = Field(default=None, max_length=2)


class QuotaRowOut(BaseModel):
    """One quota in one period: its limit and what is used and pending (requested or accepted) against it."""

    agreement: str = Field(examples=["vd2011"])
    rule: str = Field(description="The agreement's quota rule", examples=["inspection.passive"])
    kind: str = Field(description="passive, active, per_inspecting_state, pair, per_object, ...")
    activity: str = Field(examples=["inspection"])
    receiving_state: str | None = Field(description="A state or a group such as BY+RU; null: any")
    inspecting_state: str | None = Field(description="A state or a group; null: any")
    object: str | None = Field(description="The unit or object, for per-object quotas")
    period_start: str = Field(description="ISO date", examples=["2025-01-01"])
    period_end: str = Field(description="ISO date, inclusive", examples=["2025-12-31"])
    limit: int | None = Field(description="null when a declaration it is computed from is missing")
    used: int = Field(description="Conducted activities")
    pending: int = Field(description="Requested and accepted activities, which reserve a slot")
    remaining: int | None = Field(
        description="limit - used - pending; below zero is beyond the obligation; null when it is unknown or "
        "the obligation is not in force"
    )
    force: str = Field(description="in_force, suspended, withdrawn or not_in_force, as at the period's end")
    force_since: str | None = Field(description="ISO date the force has held since; null: always")
    force_changed: bool = Field(description="The obligation stood otherwise on an earlier day of the period")


class FindingOut(BaseModel):
    code: str
    severity: str
    entry_ref: str | None
    agreement: str
    rule: str
    responsible_state: str
    message: str


class EntryOut(BaseModel):
    ref: str
    agreement: str
    activity: str
    inspecting_state: str
    receiving_state: str
    requested_at: str
    replied_at: str | None
    start: str
    end: str
    status: str
    team_size: int | None
    location: str
    object: str
    notes: str
    objects: list[str]
    guests: list[Guest]
    cause: str | None


class EntryPage(BaseModel):
    items: list[EntryOut]
    total: int
    limit: int
    offset: int


class RevisionOut(EntryOut):
    revision: int
    recorded_at: str
    recorded_by: str


class EntryDetail(BaseModel):
    entry: EntryOut
    revision: int
    recorded_at: str
    recorded_by: str
    findings: list[FindingOut]


class RecordedOut(BaseModel):
    ref: str
    outcome: str


class CheckRowOut(QuotaRowOut):
    used_before: int
    pending_before: int
    remaining_before: int | None


class CheckOut(BaseModel):
    entry: dict[str, str]
    quotas: list[CheckRowOut]
    findings: list[FindingOut]
    within_quota: bool


class DeclarationOut(BaseModel):
    state: str
    year: int
    name: str
    value: int
    source: str


class ReportFileOut(BaseModel):
    path: str
    sha256: str
    bytes: int


class ReportOut(BaseModel):
    folder: str
    label: str | None
    home_state: str | None
    input_sha256: str | None
    generated_at: str | None
    files: list[ReportFileOut]


class WrittenOut(BaseModel):
    folder: str
    written: list[str]
    unchanged: list[str]


class ReplyIn(BaseModel):
    """The receiving state's reply to a request."""

    model_config = ConfigDict(extra="forbid")
    accept: bool = Field(description="true: accepted; false: refused")
    replied_at: str | None = Field(default=None, max_length=40, description="ISO 8601; default: now")


class ReplyOut(RecordedOut):
    status: str
    replied_at: str


class SourceOut(BaseModel):
    document: str
    paragraph: str | None
    confidence: str
    note: str | None


class DeadlineOut(BaseModel):
    ref: str = Field(description="The entry's; empty for a date of the agreement as a whole")
    agreement: str
    kind: str
    due_at: str = Field(description="UTC, ISO 8601")
    responsible_state: str
    status: str = Field(description="open or missed")
    hours_left: float = Field(description="Negative once missed")
    source: SourceOut
