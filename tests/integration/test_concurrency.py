"""--within-quota under contention: real parallel processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.cli_helpers import csbm

CSBM = str(Path(sys.executable).parent / "csbm")
INSPECTORS = ["DE", "FR", "PL", "LT", "LV", "GB", "IT", "ES", "NL", "SE", "FI", "NO"]


def test_twelve_concurrent_writers_for_three_free_slots_give_exactly_three_entries(
    database_url: str, tmp_path: Path
) -> None:
    csbm(database_url, "agreements", "load")
    env = {**os.environ, "CSBM_DATABASE_URL": database_url, "CSBM_USER": "race"}
    procs = [
        subprocess.Popen(
            [
                CSBM,
                "ledger",
                "add",
                "--within-quota",
                "--ref",
                f"RACE-{state}",
                "--agreement",
                "vd2011",
                "--activity",
                "inspection",
                "--inspecting-state",
                state,
                "--receiving-state",
                "BY",
                "--requested-at",
                "2025-03-01",
                "--start",
                f"2025-03-{10 + i:02d}",
                "--end",
                f"2025-03-{10 + i:02d}",
                "--status",
                "requested",
            ],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, state in enumerate(INSPECTORS)
    ]
    results = [(p.wait(timeout=180), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    codes = sorted(code for code, _ in results)
    assert codes == [0, 0, 0] + [3] * 9, results
    rows = csbm(database_url, "quota", "--year", "2025", "--agreement", "vd2011", "--state", "BY", "--json")
    passive = next(r for r in rows if r["rule"] == "inspection.passive" and r["receiving_state"] == "BY")
    assert (passive["pending"], passive["remaining"]) == (3, 0)
    exported = tmp_path / "ledger.csv"
    csbm(database_url, "ledger", "export", str(exported))
    assert exported.read_text().count("RACE-") == 3
