import datetime as dt
from zoneinfo import ZoneInfo

from app.config import Settings
from app.scheduler.registry import next_run, spec_by_id

UTC = dt.UTC


class TestTheJobRegistry:
    def test_the_quarterly_report_runs_at_six_on_the_first_day_after_each_quarter(self) -> None:
        spec = spec_by_id(Settings(), "quarterly-report")
        assert next_run(spec, "UTC", dt.datetime(2026, 3, 31, 23, 0, tzinfo=UTC)) == dt.datetime(
            2026, 4, 1, 6, 0, tzinfo=UTC
        )
        assert next_run(spec, "UTC", dt.datetime(2026, 4, 1, 6, 30, tzinfo=UTC)) == dt.datetime(
            2026, 7, 1, 6, 0, tzinfo=UTC
        )

    def test_the_time_is_local_to_the_configured_timezone(self) -> None:
        spec = spec_by_id(Settings(), "annual-report")
        minsk = ZoneInfo("Europe/Minsk")
        fire = next_run(spec, "Europe/Minsk", dt.datetime(2026, 11, 22, 12, 0, tzinfo=minsk))
        assert fire == dt.datetime(2027, 1, 1, 6, 0, tzinfo=minsk)
        assert fire is not None
        assert fire.astimezone(UTC).hour == 3

    def test_each_jobs_cron_comes_from_settings(self) -> None:
        settings = Settings(schedule_quarterly="30 7 2 1,4,7,10 *")
        spec = spec_by_id(settings, "quarterly-report")
        assert next_run(spec, "UTC", dt.datetime(2026, 1, 1, tzinfo=UTC)) == dt.datetime(2026, 1, 2, 7, 30, tzinfo=UTC)

    def test_each_job_files_the_period_that_just_ended(self) -> None:
        quarterly, annual = (spec_by_id(Settings(), name) for name in ("quarterly-report", "annual-report"))
        assert quarterly.period_for is not None
        assert quarterly.due_periods is not None
        assert annual.period_for is not None
        assert annual.due_periods is not None
        assert quarterly.period_for(dt.date(2026, 4, 1)).label == "2026Q1"
        assert annual.period_for(dt.date(2027, 1, 1)).label == "2026"
        assert [p.label for p in quarterly.due_periods(dt.date(2026, 11, 22), 4)] == [
            "2026Q3",
            "2026Q2",
            "2026Q1",
            "2025Q4",
        ]
        assert [p.label for p in annual.due_periods(dt.date(2026, 11, 22), 4)] == ["2025"]

    def test_the_backup_and_the_verification_run_every_night_and_are_never_caught_up(self) -> None:
        settings = Settings(schedule_backup="15 1 * * *", schedule_audit="45 1 * * *")
        night = dt.datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
        for job, minute in (("nightly-backup", 15), ("daily-audit", 45)):
            spec = spec_by_id(settings, job)
            assert next_run(spec, "UTC", night) == dt.datetime(2026, 11, 22, 1, minute, tzinfo=UTC)
            assert spec.due_periods is None
