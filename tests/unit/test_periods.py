import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.periods import PeriodKind, PeriodSpec

CFE_YEAR = PeriodSpec(kind=PeriodKind.TREATY_YEAR, start_month=3, start_day=16)
KINDS = [
    PeriodSpec(),
    PeriodSpec(kind=PeriodKind.QUARTER),
    PeriodSpec(kind=PeriodKind.MONTH),
    CFE_YEAR,
]


class TestPeriodKinds:
    def test_the_cfe_treaty_year_runs_from_16_march_to_15_march(self) -> None:
        period = CFE_YEAR.containing(dt.date(2025, 3, 15))
        assert (period.start, period.end) == (dt.date(2024, 3, 16), dt.date(2025, 3, 15))
        assert CFE_YEAR.containing(dt.date(2025, 3, 16)).start == dt.date(2025, 3, 16)

    def test_quarters_and_months_end_on_their_last_day(self) -> None:
        q = PeriodSpec(kind=PeriodKind.QUARTER).containing(dt.date(2024, 2, 29))
        assert (q.start, q.end) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
        m = PeriodSpec(kind=PeriodKind.MONTH).containing(dt.date(2023, 2, 10))
        assert m.end == dt.date(2023, 2, 28)

    def test_a_calendar_year_overlaps_two_cfe_treaty_years(self) -> None:
        periods = CFE_YEAR.overlapping(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        assert [p.start for p in periods] == [dt.date(2024, 3, 16), dt.date(2025, 3, 16)]

    def test_a_treaty_year_cannot_start_on_an_impossible_day(self) -> None:
        with pytest.raises(DomainError):
            PeriodSpec(kind=PeriodKind.TREATY_YEAR, start_month=2, start_day=30)


class TestPeriodProperties:
    @given(st.sampled_from(KINDS), st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)))
    def test_every_day_lies_in_the_period_that_contains_it_and_periods_tile(
        self, spec: PeriodSpec, day: dt.date
    ) -> None:
        period = spec.containing(day)
        assert period.contains(day)
        assert spec.containing(period.end + dt.timedelta(days=1)).start == period.end + dt.timedelta(days=1)
        assert spec.containing(period.start - dt.timedelta(days=1)).end == period.start - dt.timedelta(days=1)

    @given(
        st.sampled_from(KINDS),
        st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1)),
        st.integers(min_value=0, max_value=800),
    )
    def test_overlapping_periods_cover_the_range_without_gaps(
        self, spec: PeriodSpec, start: dt.date, days: int
    ) -> None:
        end = start + dt.timedelta(days=days)
        periods = spec.overlapping(start, end)
        assert periods[0].contains(start)
        assert periods[-1].contains(end)
        for before, after in itertools.pairwise(periods):
            assert after.start == before.end + dt.timedelta(days=1)
