import datetime as dt

import pytest

from app.domain.errors import DomainError
from app.domain.report import last_completed_quarter, parse_period, previous_period

D = dt.date


class TestReportPeriods:
    @pytest.mark.parametrize(
        ("text", "start", "end"),
        [
            ("2019Q2", D(2019, 4, 1), D(2019, 6, 30)),
            ("2019Q4", D(2019, 10, 1), D(2019, 12, 31)),
            ("2019", D(2019, 1, 1), D(2019, 12, 31)),
            ("2019-01-15..2019-02-14", D(2019, 1, 15), D(2019, 2, 14)),
        ],
    )
    def test_periods_parse_to_their_first_and_last_days(self, text: str, start: dt.date, end: dt.date) -> None:
        period = parse_period(text)
        assert (period.start, period.end, period.label) == (start, end, text)

    @pytest.mark.parametrize("text", ["2019Q5", "19", "2019-02-30..2019-03-01", "2019-03-01..2019-01-01", "Q1"])
    def test_bad_periods_are_refused(self, text: str) -> None:
        with pytest.raises(DomainError):
            parse_period(text)

    def test_the_previous_period_has_the_same_length(self) -> None:
        assert previous_period(parse_period("2019Q1")).label == "2018Q4"
        assert previous_period(parse_period("2019")).label == "2018"
        custom = previous_period(parse_period("2019-01-11..2019-01-20"))
        assert (custom.start, custom.end) == (D(2019, 1, 1), D(2019, 1, 10))

    def test_the_last_completed_quarter_is_the_one_before_today(self) -> None:
        assert last_completed_quarter(D(2026, 1, 1)).label == "2025Q4"
        assert last_completed_quarter(D(2026, 5, 20)).label == "2026Q1"

    def test_a_range_label_becomes_a_safe_folder_name(self) -> None:
        assert parse_period("2019-01-11..2019-01-20").slug == "2019-01-11_2019-01-20"
