"""The scheduler against real databases: the lease, catch-up, and two processes at once."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.db import leases
from app.db.session import transaction
from app.scheduler import jobs, runner
from tests.integration.cli_helpers import csbm

CSBM = str(Path(sys.executable).parent / "csbm")
NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
TTL = dt.timedelta(seconds=60)


def take(engine: Engine, holder: str, now: dt.datetime = NOW) -> leases.LeaseState:
    with transaction(engine, write=True) as session:
        return leases.try_acquire(session, "scheduler", holder, now=now, ttl=TTL)


class TestTheLease:
    def test_one_holder_at_a_time_and_the_holder_can_renew(self, engine: Engine) -> None:
        assert take(engine, "a").ours
        refused = take(engine, "b", NOW + dt.timedelta(seconds=10))
        assert (refused.ours, refused.holder) == (False, "a")
        renewed = take(engine, "a", NOW + dt.timedelta(seconds=30))
        assert renewed.ours
        assert renewed.expires_at == NOW + dt.timedelta(seconds=90)

    def test_a_crashed_holder_loses_the_lease_after_it_expires(self, engine: Engine) -> None:
        assert take(engine, "crashed").ours
        assert not take(engine, "next", NOW + dt.timedelta(seconds=59)).ours
        assert take(engine, "next", NOW + dt.timedelta(seconds=61)).ours

    def test_release_frees_it_only_for_the_holder(self, engine: Engine) -> None:
        take(engine, "a")
        with transaction(engine, write=True) as session:
            leases.release(session, "scheduler", "b")
        assert not take(engine, "b", NOW + dt.timedelta(seconds=1)).ours
        with transaction(engine, write=True) as session:
            leases.release(session, "scheduler", "a")
        assert take(engine, "b", NOW + dt.timedelta(seconds=2)).ours


class TestCatchUp:
    def test_catch_up_files_exactly_the_missing_reports(
        self, database_url: str, engine: Engine, tmp_path: Path
    ) -> None:
        tmp_path = tmp_path / "reports"
        csbm(database_url, "demo")
        settings = Settings(database_url=database_url, reports_dir=str(tmp_path), catch_up_quarters=2, home_state="BY")
        runtime = jobs.Runtime(settings, engine)
        csbm(
            database_url,
            "report",
            "--period",
            "2026Q2",
            "--format",
            "html,pdf,xlsx,csv,json",
            "--lang",
            "en,ru",
            "--home-state",
            "BY",
            "--out",
            str(tmp_path),
        )
        filed = {p: p.read_bytes() for p in (tmp_path / "2026Q2-BY").rglob("*") if p.is_file()}
        done = jobs.catch_up(runtime, dt.date(2026, 11, 22))
        assert sorted(done) == ["2025", "2026Q3"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-BY", "2026Q2-BY", "2026Q3-BY"]
        assert {p: p.read_bytes() for p in (tmp_path / "2026Q2-BY").rglob("*") if p.is_file()} == filed
        assert jobs.catch_up(runtime, dt.date(2026, 11, 22)) == []

    def test_the_quarterly_job_files_the_last_quarter(self, database_url: str, engine: Engine, tmp_path: Path) -> None:
        tmp_path = tmp_path / "reports"
        csbm(database_url, "agreements", "load")
        jobs.set_runtime(Settings(database_url=database_url, reports_dir=str(tmp_path)), engine)
        jobs.quarterly_report()
        [folder] = tmp_path.iterdir()
        manifest = json.loads((folder / "manifest.json").read_text())
        assert len(manifest["files"]) == 14  # 7 files in each of two languages


def test_two_catch_up_runs_started_together_file_each_report_once(database_url: str, tmp_path: Path) -> None:
    csbm(database_url, "agreements", "load")
    env = {
        **os.environ,
        "CSBM_DATABASE_URL": database_url,
        "CSBM_CATCH_UP_QUARTERS": "1",
        "CSBM_REPORTS_DIR": str(tmp_path / "reports"),
    }
    procs = [
        subprocess.Popen(
            [CSBM, "scheduler", "run", "--catch-up-only", "--wait", "120"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    folders = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert len(folders) == 2
    assert not [f for f in folders if "-r" in f]
    logs = "".join(err for _, err in outputs)
    assert logs.count("wrote 14 files") == 2
    assert "every due report is filed" in logs


def test_a_second_scheduler_is_told_who_holds_the_lease(database_url: str, engine: Engine) -> None:
    take(engine, "elsewhere:1", dt.datetime.now(dt.UTC))
    result = csbm(database_url, "scheduler", "run", "--catch-up-only", expect=1)
    assert "another scheduler holds the lease: elsewhere:1" in result.stderr


class TestTheNightlyTrustJobs:
    def test_the_backup_keeps_the_newest_archives_and_each_restores(
        self, database_url: str, engine: Engine, tmp_path: Path
    ) -> None:
        csbm(database_url, "demo")
        settings = Settings(database_url=database_url, backup_dir=str(tmp_path / "backups"), backup_keep=2)
        runtime = jobs.Runtime(settings, engine)
        made = [jobs.run_backup(runtime, NOW + dt.timedelta(days=day)) for day in range(4)]
        kept = sorted((tmp_path / "backups").glob("*.zip"))
        assert kept == made[-2:]
        restored = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        assert csbm(restored, "restore", str(kept[-1]), "--json")["verified"] is True

    def test_a_break_in_the_chain_raises_one_alert_until_acknowledged(
        self, database_url: str, engine: Engine, tmp_path: Path
    ) -> None:
        from sqlalchemy import text

        from app.services.alerts import acknowledge, open_alerts

        csbm(database_url, "demo")
        runtime = jobs.Runtime(Settings(database_url=database_url, reports_dir=str(tmp_path)), engine)
        assert jobs.run_audit(runtime, NOW) is True
        with engine.begin() as conn:
            conn.execute(text("UPDATE entry_revisions SET status = 'refused' WHERE seq = 3"))
        assert jobs.run_audit(runtime, NOW) is False
        assert jobs.run_audit(runtime, NOW + dt.timedelta(days=1)) is False  # the same break: no second alert
        with transaction(engine, write=True) as session:
            raised = open_alerts(session)
            assert len(raised) == 1
            assert "edited outside csbm" in raised[0]["message"]
            assert acknowledge(session, raised[0]["id"], by="admin", at=NOW)
        with transaction(engine) as session:
            assert open_alerts(session) == []


def _locked() -> OperationalError:
    return OperationalError("UPDATE scheduler_lease", {}, Exception("database is locked"))


def test_a_waiting_scheduler_outlasts_a_locked_lease_table_but_not_past_its_wait(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    lease = runner.Lease(engine, "waiting:1", dt.timedelta(seconds=60))
    real_take, calls = runner.Lease.take, []

    def locked_twice(self: runner.Lease) -> leases.LeaseState:
        calls.append(1)
        if len(calls) <= 2:
            raise _locked()
        return real_take(self)

    def always_locked(self: runner.Lease) -> leases.LeaseState:
        raise _locked()

    monkeypatch.setattr("app.scheduler.runner.time.sleep", lambda _seconds: None)
    monkeypatch.setattr(runner.Lease, "take", locked_twice)
    assert lease.wait_for(30).ours
    assert len(calls) == 3
    monkeypatch.setattr(runner.Lease, "take", always_locked)
    with pytest.raises(OperationalError):
        lease.wait_for(0)


def test_the_scheduler_yields_the_processor_to_the_web_workers() -> None:
    """Run in a child: a niceness raised cannot be lowered again without privileges."""
    script = (
        "import os\n"
        "from app.scheduler.runner import yield_processor\n"
        "before = os.nice(0)\n"
        "yield_processor(7)\n"
        "yield_processor(0)\n"
        "print(os.nice(0) - before)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "7"


def test_the_scheduler_nice_value_is_bounded() -> None:
    assert Settings(scheduler_nice=19).scheduler_nice == 19
    with pytest.raises(ValidationError, match="scheduler_nice"):
        Settings(scheduler_nice=20)


def test_the_lease_is_renewed_while_a_catch_up_runs(engine: Engine) -> None:
    ours = runner.Lease(engine, "ours:1", dt.timedelta(seconds=1))
    other = runner.Lease(engine, "other:2", dt.timedelta(seconds=1))
    assert ours.take().ours
    with runner.renewed(ours, 0.2):
        time.sleep(2.5)  # the lease's second has passed twice over
        assert not other.take().ours
    time.sleep(1.5)
    assert other.take().ours
