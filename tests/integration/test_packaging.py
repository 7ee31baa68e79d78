"""A regular (non-editable) install carries the agreements and the migrations."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.builders import ROOT


def test_the_wheel_ships_agreements_and_migrations_that_load_from_any_directory(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("csbm-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    shipped = {p.name for p in (ROOT / "agreements").glob("*.yaml")}
    assert {f"app/_shipped/agreements/{name}" for name in shipped} <= names
    assert any(n.startswith("app/_shipped/migrations/versions/") for n in names)
    assert {"app/_shipped/demo/ledger.csv", "app/_shipped/demo/declarations.csv"} <= names
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = (
        "from app.services.catalog import shipped_agreements; from app.catalog.loader import load_directory;"
        "from app.db.migrate import shipped_path;"
        "print(shipped_agreements(), len(load_directory(shipped_agreements())), shipped_path('demo'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=elsewhere,
        env={"PYTHONPATH": str(tmp_path / "site")},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    assert out[0].startswith(str(tmp_path / "site")), out
    assert int(out[1]) == len(shipped)
    assert out[2].startswith(str(tmp_path / "site")), out
