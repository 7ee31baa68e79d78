"""Report periods and report content (docs/semantics.md section 6, "the JSON report").

A report covers a period: a quarter (``2019Q2``), a year (``2019``) or any
date range (``2019-01-01..2019-03-31``). Its quota rows cover every quota
period that overlaps the report period, counting only entries that start on
or before the report period's last day; its entries are those that start in
the period; its findings are about those entries, plus period-level ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from app.domain.agreement import Agreement, StatusChange
from app.domain.counting import tally
from app.domain.errors import DomainError
from app.domain.findings import Finding, Severity
from app.domain.ledger import LedgerEntry
from app.domain.quota import QuotaRow

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportPeriod:
    start: date
    end: date
    label: str

    @property
    def slug(self) -> str:
        """The label as a folder name: ranges use an underscore instead of '..'."""
        return self.label.replace("..", "_")

    def as_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def parse_period(text: str) -> ReportPeriod:
    value = text.strip()
    if match := _QUARTER.match(value):
        year, quarter = int(match.group(1)), int(match.group(2))
        return quarter_period(year, quarter)
    if match := _YEAR.match(value):
        year = int(match.group(1))
        return ReportPeriod(start=date(year, 1, 1), end=date(year, 12, 31), label=str(year))
    if match := _RANGE.match(value):
        try:
            start, end = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
        except ValueError as exc:
            raise DomainError(f"{value!r}: {exc}", field="period") from None
        if end < start:
            raise DomainError(f"{value!r} ends before it starts", field="period")
        return ReportPeriod(start=start, end=end, label=value)
    raise DomainError(f"{value!r} is not a period: use 2019Q2, 2019 or 2019-01-01..2019-03-31", field="period")


def quarter_period(year: int, quarter: int) -> ReportPeriod:
    start = date(year, 3 * quarter - 2, 1)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return ReportPeriod(start=start, end=following - timedelta(days=1), label=f"{year}Q{quarter}")


def previous_period(period: ReportPeriod) -> ReportPeriod:
    """The period of the same length just before: the previous quarter, year or range."""
    if match := _QUARTER.match(period.label):
        year, quarter = int(match.group(1)), int(match.group(2))
        return quarter_period(year - 1, 4) if quarter == 1 else quarter_period(year, quarter - 1)
    if _YEAR.match(period.label):
        return parse_period(str(period.start.year - 1))
    length = period.end - period.start
    end = period.start - timedelta(days=1)
    start = end - length
    return ReportPeriod(start=start, end=end, label=f"{start.isoformat()}..{end.isoformat()}")


def last_completed_quarter(today: date) -> ReportPeriod:
    quarter = (today.month - 1) // 3 + 1
    return quarter_period(today.year - 1, 4) if quarter == 1 else quarter_period(today.year, quarter - 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodTotals:
    """Counts for comparing one period with the previous one."""

    entries_by_activity: dict[str, int]
    counted: int
    refused: int
    findings_by_severity: dict[str, int]


def period_totals(
    entries: list[LedgerEntry], findings: list[Finding], agreements: Mapping[str, Agreement]
) -> PeriodTotals:
    by_activity = Counter(str(e.activity) for e in entries)
    by_severity = Counter(str(f.severity) for f in findings)
    return PeriodTotals(
        entries_by_activity=dict(sorted(by_activity.items())),
        counted=sum(1 for e in entries if e.agreement in agreements and tally(agreements[e.agreement], e)),
        refused=sum(1 for e in entries if e.status.is_refusal),
        findings_by_severity={str(s): by_severity.get(str(s), 0) for s in Severity},
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    period: ReportPeriod
    generated_at: datetime
    input_sha256: str
    home_state: str | None
    version: str
    quotas: list[QuotaRow]
    entries: list[LedgerEntry]
    findings: list[Finding]
    status_changes: list[StatusChange]
    previous: ReportPeriod
    totals: PeriodTotals
    previous_totals: PeriodTotals
    # The hash-chain heads the report was generated from ({"ledger": {"seq", "hash"}, ...}):
    # they tie a filed report to the exact history it came from. Not part of input_sha256,
    # so an unrelated later entry does not make an unchanged report a new revision.
    chain: dict[str, dict[str, object]] | None = None
    # Activities of others in which the home state took part as a guest: counted nowhere.
    as_guest: list[LedgerEntry] = field(default_factory=list)


def entry_json(entry: LedgerEntry) -> dict[str, Any]:
    """An entry's fields as JSON: moments in ISO 8601, team size a number, empty reply null."""
    record: dict[str, Any] = dict(entry.as_record())
    record["team_size"] = entry.team_size
    record["replied_at"] = record["replied_at"] or None
    record["objects"] = list(entry.objects)
    record["guests"] = [{"state": g.state, "count": g.count} for g in entry.guests]
    record["cause"] = record["cause"] or None
    return record


def report_json(report: Report, messages: list[str] | None = None) -> dict[str, Any]:
    """Exactly the documented shape. ``messages`` replaces finding messages (a translation)."""
    findings = [f.as_json() for f in report.findings]
    if messages is not None:
        for finding, message in zip(findings, messages, strict=True):
            finding["message"] = message
    return {
        "period": report.period.as_json(),
        "generated_at": report.generated_at.isoformat(),
        "input_sha256": report.input_sha256,
        "quotas": [r.as_json() for r in report.quotas],
        "entries": [entry_json(e) for e in report.entries],
        **({"as_guest": [entry_json(e) for e in report.as_guest]} if report.home_state else {}),
        "findings": findings,
        **({"chain": report.chain} if report.chain is not None else {}),
    }


def canonical_hash(parts: Any) -> str:
    """sha256 of canonical JSON: sorted keys, no whitespace, UTF-8."""
    data = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
