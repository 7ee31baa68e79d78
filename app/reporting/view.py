"""The report as a reader sees it, in one language: the view model every human format shares."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.domain.findings import Finding, Severity
from app.domain.ledger import LedgerEntry
from app.domain.messages import render_message, standing_words
from app.domain.moments import Moment
from app.domain.quota import QuotaRow
from app.domain.report import Report
from app.domain.summary import shown_rows
from app.reporting.i18n import Localizer
from app.reporting.labels import (
    ACTIVITY_LABELS,
    CAUSE_LABELS,
    CHANGE_LABELS,
    KIND_LABELS,
    LABELS,
    SEVERITY_LABELS,
    SEVERITY_WORDS,
    STATUS_LABELS,
)


@dataclass(frozen=True, slots=True)
class SummaryRow:
    agreement: str
    quota: str
    period: str
    counterpart: str
    object: str
    limit: str
    used: str
    pending: str
    remaining: str
    over: bool
    unknown: bool
    used_share: float  # of the bar's full width
    pending_share: float
    row: QuotaRow


@dataclass(frozen=True, slots=True)
class SummarySection:
    title: str
    counterpart_header: str
    rows: list[SummaryRow]


@dataclass(frozen=True, slots=True)
class FindingView:
    severity: str
    severity_label: str
    code: str
    entry_ref: str
    agreement: str
    rule: str
    responsible: str
    message: str


@dataclass(frozen=True, slots=True)
class EntryView:
    ref: str
    agreement: str
    activity: str
    inspecting: str
    receiving: str
    start: str
    end: str
    status: str
    team_size: str
    location: str
    guests: str
    cause: str
    entry: LedgerEntry


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    label: str
    previous: int
    current: int

    @property
    def change(self) -> str:
        delta = self.current - self.previous
        return f"+{delta}" if delta > 0 else str(delta)


@dataclass(slots=True)
class ReportView:
    lang: str
    title: str
    period_label: str
    period_range: str
    home_state: str
    generated_at: str
    input_sha256: str
    version: str
    classification: str
    sections: list[SummarySection]
    findings: list[tuple[str, str, list[FindingView]]]  # (severity, heading, findings)
    entries: list[EntryView]
    as_guest: list[EntryView]
    show_as_guest: bool
    changes: list[tuple[str, str, str, str]]  # (date, agreement, state, change)
    previous_label: str
    comparison: list[ComparisonRow]
    labels: dict[str, str] = field(default_factory=dict)


def standing_text(force: str, since: dt.date | None, loc: Localizer) -> str:
    """ "suspended since 24 May 2024", in the words the not_in_force finding uses."""
    return standing_words(
        force, since.isoformat() if since else None, loc._, lambda iso: loc.date(dt.date.fromisoformat(iso))
    )


def remaining_text(row: QuotaRow, loc: Localizer) -> str:
    if not row.binds:
        return standing_text(row.force, row.force_since, loc)
    if row.limit is None or row.remaining is None:
        return loc._("unknown (declaration missing)")
    if row.limit == 0 and not row.used + row.pending:
        return loc._("none provided")
    if row.remaining < 0:
        return loc._("beyond the obligation by {count}").format(count=loc.number(-row.remaining))
    return loc._("{remaining} of {limit} left").format(remaining=loc.number(row.remaining), limit=loc.number(row.limit))


def quota_label(row: QuotaRow, loc: Localizer) -> str:
    return f"{loc._(ACTIVITY_LABELS.get(row.activity, row.activity))}: {loc._(KIND_LABELS.get(row.kind, row.kind))}"


def period_text(row: QuotaRow, loc: Localizer) -> str:
    start, end = row.period_start, row.period_end
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return f"{loc.date(start)} – {loc.date(end)}"


def summary_row(row: QuotaRow, counterpart: str | None, loc: Localizer) -> SummaryRow:
    scale = max(row.limit or 0, row.used + row.pending, 1)
    return SummaryRow(
        agreement=row.agreement,
        quota=quota_label(row, loc),
        period=period_text(row, loc),
        counterpart=loc.state(counterpart) if counterpart else "—",
        object=row.object or "",
        limit="?" if row.limit is None else loc.number(row.limit),
        used=loc.number(row.used),
        pending=loc.number(row.pending),
        remaining=remaining_text(row, loc),
        over=row.remaining is not None and row.remaining < 0,
        unknown=row.limit is None or not row.binds,
        used_share=row.used / scale,
        pending_share=row.pending / scale,
        row=row,
    )


def summary_sections(report: Report, loc: Localizer) -> list[SummarySection]:
    rows = shown_rows(report.quotas)
    home = report.home_state
    if home is None:
        return [
            SummarySection(
                loc._("Quota status"),
                loc._("Receiving state"),
                [summary_row(r, r.receiving_state or r.inspecting_state, loc) for r in rows],
            )
        ]

    def has(party: str | None) -> bool:
        return party is not None and home in party.split("+")

    accept = [summary_row(r, r.inspecting_state, loc) for r in rows if has(r.receiving_state)]
    conduct = [summary_row(r, r.receiving_state, loc) for r in rows if has(r.inspecting_state)]
    name = loc.state(home)
    return [
        SummarySection(loc._("What {state} must still accept").format(state=name), loc._("From"), accept),
        SummarySection(loc._("What {state} may still conduct").format(state=name), loc._("In"), conduct),
    ]


def moment_text(moment: Moment | None, loc: Localizer) -> str:
    """A date, or a date and time in UTC, written the way the language writes them."""
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        return f"{loc.datetime(moment.astimezone(dt.UTC))} UTC"
    return loc.date(moment)


def finding_view(finding: Finding, loc: Localizer) -> FindingView:
    message = render_message(finding.code, finding.params, loc._, lambda iso: loc.date(dt.date.fromisoformat(iso)))
    return FindingView(
        severity=str(finding.severity),
        severity_label=loc._(SEVERITY_WORDS[finding.severity]),
        code=str(finding.code),
        entry_ref=finding.entry_ref or "",
        agreement=finding.agreement,
        rule=finding.rule,
        responsible=loc.state(finding.responsible_state),
        message=message,
    )


def entry_view(entry: LedgerEntry, loc: Localizer) -> EntryView:
    return EntryView(
        ref=entry.ref,
        agreement=entry.agreement,
        activity=loc._(ACTIVITY_LABELS[entry.activity]),
        inspecting=loc.state(entry.inspecting_state),
        receiving=loc.state(entry.receiving_state),
        start=moment_text(entry.start, loc),
        end=moment_text(entry.end, loc),
        status=loc._(STATUS_LABELS[entry.status]),
        team_size="" if entry.team_size is None else loc.number(entry.team_size),
        location=entry.location or entry.object,
        guests=guests_text(entry, loc),
        cause=loc._(CAUSE_LABELS[entry.cause]) if entry.cause else "",
        entry=entry,
    )


def guests_text(entry: LedgerEntry, loc: Localizer) -> str:
    """ "Italy 1, Netherlands 1": the guest inspectors of a team, by state."""
    return ", ".join(f"{loc.state(g.state)} {loc.number(g.count)}" for g in entry.guests)


def comparison(report: Report, loc: Localizer) -> list[ComparisonRow]:
    now, before = report.totals, report.previous_totals
    rows = [
        ComparisonRow(
            loc._(ACTIVITY_LABELS[a]).capitalize(),
            before.entries_by_activity.get(a, 0),
            now.entries_by_activity.get(a, 0),
        )
        for a in ACTIVITY_LABELS
        if a in now.entries_by_activity or a in before.entries_by_activity
    ]
    rows.append(ComparisonRow(loc._("Counted against quotas"), before.counted, now.counted))
    rows.append(ComparisonRow(loc._("Refused"), before.refused, now.refused))
    rows += [
        ComparisonRow(loc._(SEVERITY_LABELS[s]), before.findings_by_severity[s], now.findings_by_severity[s])
        for s in ("violation", "warning", "info")
    ]
    return rows


def build_view(report: Report, lang: str) -> ReportView:
    loc = Localizer(lang)
    grouped = []
    for severity in Severity:
        views = [finding_view(f, loc) for f in report.findings if f.severity is severity]
        if views:
            grouped.append((str(severity), loc._(SEVERITY_LABELS[severity]), views))
    home = loc.state(report.home_state) if report.home_state else loc._("all states")
    return ReportView(
        lang=lang,
        title=loc._("Compliance report"),
        period_label=report.period.label,
        period_range=f"{loc.date(report.period.start)} – {loc.date(report.period.end)}",
        home_state=home,
        generated_at=loc.datetime(report.generated_at),
        input_sha256=report.input_sha256,
        version=report.version,
        classification=loc._("For official use"),
        sections=summary_sections(report, loc),
        findings=grouped,
        entries=[entry_view(e, loc) for e in report.entries],
        as_guest=[entry_view(e, loc) for e in report.as_guest],
        show_as_guest=report.home_state is not None,
        changes=[
            (
                loc.date(c.day),
                c.agreement,
                loc._("all parties") if c.state == "*" else loc.state(c.state),
                loc._(CHANGE_LABELS[c.change])
                + (
                    " " + loc._("toward {states}").format(states=", ".join(loc.state(s) for s in c.toward))
                    if c.toward
                    else ""
                ),
            )
            for c in report.status_changes
        ],
        previous_label=report.previous.label,
        comparison=comparison(report, loc),
        labels={key: loc._(message) for key, message in LABELS.items()},
    )
