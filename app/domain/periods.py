"""Quota periods (docs/semantics.md section 3).

A rule counts over calendar years by default, or quarters, months, or a treaty
year that starts on a given month and day. The CFE residual-period year starts
on 16 March (agreements/cfe.yaml, with its source), while its same-inspector cap
(PoI section II para 23) counts per calendar year: both kinds must coexist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.errors import DomainError

PeriodKind = StrEnum("PeriodKind", "CALENDAR_YEAR QUARTER MONTH TREATY_YEAR")


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise DomainError(f"period ends {self.end} before it starts {self.start}")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodSpec:
    kind: PeriodKind = PeriodKind.CALENDAR_YEAR
    start_month: int = 1
    start_day: int = 1

    def __post_init__(self) -> None:
        if self.kind is PeriodKind.TREATY_YEAR:
            try:
                date(2001, self.start_month, self.start_day)  # not a leap year
            except ValueError:
                raise DomainError(
                    f"treaty year cannot start on month {self.start_month} day {self.start_day}",
                    field="period",
                ) from None

    def containing(self, day: date) -> Period:
        if self.kind is PeriodKind.CALENDAR_YEAR:
            return Period(start=date(day.year, 1, 1), end=date(day.year, 12, 31))
        if self.kind is PeriodKind.QUARTER:
            first_month = 3 * ((day.month - 1) // 3) + 1
            return Period(start=date(day.year, first_month, 1), end=_month_end(day.year, first_month + 2))
        if self.kind is PeriodKind.MONTH:
            return Period(start=date(day.year, day.month, 1), end=_month_end(day.year, day.month))
        anchor = date(day.year, self.start_month, self.start_day)
        year = day.year if day >= anchor else day.year - 1
        start = date(year, self.start_month, self.start_day)
        return Period(start=start, end=date(year + 1, self.start_month, self.start_day) - timedelta(days=1))

    def overlapping(self, start: date, end: date) -> list[Period]:
        """Every period of this kind that overlaps [start, end], in order."""
        periods: list[Period] = []
        current = self.containing(start)
        while current.start <= end:
            periods.append(current)
            current = self.containing(current.end + timedelta(days=1))
        return periods


def _month_end(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)
