"""The offline bundle's parts: which packages go in, at which pins, and install.sh's refusals.

The whole bundle is built and installed without a network by tests/offline/run.sh
(``make offline-test``, run by .ci/run); these are the quick checks of its pieces.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from tests.builders import ROOT

INSTALL = ROOT / "deploy" / "bundle" / "install.sh"


def load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_build", ROOT / "deploy" / "bundle" / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = load_builder()


class TestWhatGoesIn:
    def test_the_runtime_dependencies_are_followed_without_the_dev_extra(self) -> None:
        closure = build.runtime_closure()
        assert {"weasyprint", "sqlalchemy", "psycopg", "psycopg-binary", "uvicorn", "pydantic-core"} <= set(closure)
        assert not {"pytest", "mypy", "ruff", "playwright", "hypothesis", "csbm"} & set(closure)

    def test_every_one_is_pinned_with_the_lock_s_hashes(self) -> None:
        lock = build.lock_entries(ROOT / "requirements.lock")
        lines = build.pinned_requirements(build.runtime_closure(), lock)
        weasyprint = next(line for line in lines if line.startswith("weasyprint=="))
        version, hashes = lock["weasyprint"]
        assert weasyprint.startswith(f"weasyprint=={version} ")
        assert all(f"--hash=sha256:{h}" in weasyprint for h in hashes)

    def test_a_venv_that_differs_from_the_lock_stops_the_build(self) -> None:
        lock = {"weasyprint": ("1.0", ["0" * 64])}
        with pytest.raises(build.BundleError) as error:
            build.pinned_requirements({"weasyprint": "70.0", "zzz-unlocked": "1"}, lock)
        assert "weasyprint: requirements.lock pins 1.0, the venv has 70.0" in str(error.value)
        assert "zzz-unlocked 1 is needed at run time but is not in requirements.lock" in str(error.value)

    def test_the_bundle_pins_each_wheel_by_the_hash_of_the_file_itself(self, tmp_path: Path) -> None:
        wheel = tmp_path / "demo_pkg-1.2-py3-none-any.whl"
        wheel.write_bytes(b"not really a wheel")
        digest = hashlib.sha256(b"not really a wheel").hexdigest()
        assert build.bundle_requirements(tmp_path) == f"demo-pkg==1.2 --hash=sha256:{digest}\n"

    def test_the_platform_names_the_python_and_the_machine(self) -> None:
        assert build.platform_tag().startswith("cp311-linux_")


@pytest.fixture
def fake_bundle(tmp_path: Path) -> Path:
    """install.sh with an empty set of wheels and a correct SHA256SUMS."""
    folder = tmp_path / "bundle"
    (folder / "wheels").mkdir(parents=True)
    shutil.copy(INSTALL, folder / "install.sh")
    (folder / "requirements.txt").write_text("")
    build.write_sums(folder)
    return folder


def install(bundle: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": "/usr/bin/python3" if Path("/usr/bin/python3").exists() else "python3"}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(["sh", str(bundle / "install.sh"), *args], capture_output=True, text=True, env=env)


class TestInstallSh:
    def test_a_file_that_differs_from_sha256sums_stops_it_before_anything_is_installed(
        self, fake_bundle: Path, tmp_path: Path
    ) -> None:
        (fake_bundle / "requirements.txt").write_text("somethingelse==1.0\n")
        result = install(fake_bundle, str(tmp_path / "target"))
        assert result.returncode == 1
        assert "does not match its SHA256SUMS" in result.stderr
        assert not (tmp_path / "target").exists()

    def test_a_folder_in_use_is_refused(self, fake_bundle: Path, tmp_path: Path) -> None:
        target = tmp_path / "target"
        target.mkdir()
        (target / "something").write_text("")
        result = install(fake_bundle, str(target))
        assert result.returncode == 1
        assert "exists and is not empty" in result.stderr

    def test_missing_debian_packages_are_named_with_the_command_that_installs_them(
        self, fake_bundle: Path, tmp_path: Path
    ) -> None:
        # A dpkg-query that knows every package but the fonts.
        shims = tmp_path / "shims"
        shims.mkdir()
        (shims / "dpkg-query").write_text(
            '#!/bin/sh\nfor last; do :; done\n[ "$last" = fonts-dejavu-core ] && exit 1\necho "install ok installed"\n'
        )
        (shims / "dpkg-query").chmod(0o755)
        result = install(fake_bundle, str(tmp_path / "target"), path=f"{shims}:{os.environ['PATH']}")
        assert "PDF reports need these Debian packages, which are missing: fonts-dejavu-core" in result.stdout
        assert "sudo apt-get install fonts-dejavu-core" in result.stdout
