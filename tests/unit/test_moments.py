"""Canonical moment text: what the hash chain and the CSV store for a datetime."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from app.domain.moments import format_moment, parse_moment

zones = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=3)), dt.timezone(dt.timedelta(hours=-9, minutes=-30))])


@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=zones))
def test_a_datetime_is_written_in_utc_to_the_second_and_reads_back_as_that_instant(moment: dt.datetime) -> None:
    text = format_moment(moment)
    utc = moment.astimezone(dt.UTC)
    assert text == (f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z")
    assert parse_moment(text, field="start") == utc.replace(microsecond=0)


def test_a_date_stays_a_date() -> None:
    assert format_moment(dt.date(25, 4, 1)) == "0025-04-01"
    assert format_moment(dt.datetime(2025, 4, 1, 9, 0, 0, 999_999, tzinfo=dt.UTC)) == "2025-04-01T09:00:00Z"
