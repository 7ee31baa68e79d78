"""The scheduler killed while it files reports: no half-written report is ever visible."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.integration.cli_helpers import csbm
from tests.resilience.conftest import CSBM, SOAK, TRIALS


def check_reports(reports: Path) -> int:
    """Every folder under reports/ has a manifest naming exactly its files, with their hashes."""
    folders = 0
    for folder in sorted(p for p in reports.iterdir()):
        assert folder.is_dir(), f"{folder} is not a report folder"
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        present = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json"}
        assert present == set(manifest["files"]), f"{folder}: files and manifest differ"
        for name, meta in manifest["files"].items():
            data = (folder / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == meta["sha256"], f"{folder / name} is not what was filed"
        folders += 1
    return folders


def scheduler(url: str, reports: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CSBM_REPORTS_DIR": str(reports),
        "CSBM_HOME_STATE": "BY",
        "CSBM_CATCH_UP_QUARTERS": "1",
        # A killed scheduler keeps its lease until it expires: short here, so the
        # next start (which waits up to 30 s) takes over quickly.
        "CSBM_SCHEDULER_LEASE_SECONDS": "3",
    }
    return subprocess.Popen(
        [CSBM, "scheduler", "run", "--catch-up-only", "--wait", "30", "--database-url", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_killed_scheduler_leaves_whole_reports_and_the_next_start_completes_them(
    database_url: str, tmp_path: Path, kill_moments: random.Random
) -> None:
    if database_url.startswith("postgresql") and not SOAK:
        pytest.skip("files are the same whichever database: PostgreSQL's run is in `make soak`")
    csbm(database_url, "demo")
    reports = tmp_path / "reports"
    started = time.monotonic()
    assert scheduler(database_url, tmp_path / "measure").wait() == 0
    duration = time.monotonic() - started
    expected = check_reports(tmp_path / "measure")
    assert expected == 2  # the last quarter and the last year
    seen = []
    for _ in range(TRIALS):
        process = scheduler(database_url, reports)
        time.sleep(kill_moments.uniform(0.0, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        seen.append(check_reports(reports) if reports.exists() else 0)
    print(f"whole report folders after each kill: {seen}")
    assert scheduler(database_url, reports).wait() == 0
    assert check_reports(reports) == expected
    # The staging folders of the killed runs are gone too.
    staging = reports.parent / ".reports.staging"
    assert not staging.exists() or not any(staging.iterdir())
