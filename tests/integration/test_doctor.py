"""``csbm doctor``: a healthy installation is all ok; each broken part is named, and exits 1."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.config import Settings
from app.db import leases
from app.db.migrate import downgrade, head_revision, revisions
from app.db.session import make_engine, transaction
from app.reporting import fonts
from app.services import doctor
from tests.builders import ROOT
from tests.integration.cli_helpers import csbm

CSBM = str(Path(sys.executable).parent / "csbm")


@pytest.fixture
def installation(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The demo as a centre runs it: folders in place, last night's backup, a scheduler holding the lease."""
    for name, variable in (("reports", "CSBM_REPORTS_DIR"), ("backups", "CSBM_BACKUP_DIR")):
        (tmp_path / name).mkdir()
        monkeypatch.setenv(variable, str(tmp_path / name))
    monkeypatch.delenv("CSBM_SMTP_URL", raising=False)
    csbm(database_url, "demo")
    csbm(database_url, "backup", str(tmp_path / "backups" / "csbm-20261201T020000Z.zip"))
    hold_lease(database_url, ttl=dt.timedelta(minutes=5))
    return database_url


def hold_lease(url: str, *, ttl: dt.timedelta, now: dt.datetime | None = None) -> None:
    engine = make_engine(url)
    with transaction(engine, write=True) as session:
        leases.try_acquire(session, leases.SCHEDULER, "app1:4242", now=now or dt.datetime.now(dt.UTC), ttl=ttl)
    engine.dispose()


def run_doctor(url: str, expect: int) -> dict[str, Any]:
    result = csbm(url, "doctor", "--json", expect=expect)
    found: dict[str, Any] = result if expect == 0 else json.loads(result.stdout)
    return found


def by_name(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in report["checks"]}


def tamper(url: str, statement: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def test_a_healthy_installation_passes_every_check(installation: str) -> None:
    report = run_doctor(installation, 0)
    assert report["ok"] is True
    assert {c["name"]: c["status"] for c in report["checks"]} == dict.fromkeys(doctor.LABELS, "ok")
    assert all(c["action"] == "" for c in report["checks"])


def test_a_deleted_font_is_named_with_the_package_to_install(
    installation: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fontconfig pointed at a copy of the fonts from which DejaVu Sans (not Mono) was deleted.
    folder = tmp_path / "fonts"
    folder.mkdir()
    for path in fonts.font_files("DejaVu Sans Mono"):
        shutil.copy(path, folder)
    config = tmp_path / "fonts.conf"
    config.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{folder}</dir><cachedir>{tmp_path / "fc-cache"}</cachedir></fontconfig>'
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    check = by_name(run_doctor(installation, 1))["fonts"]
    assert check["status"] == "failed"
    assert "no DejaVu Sans with Cyrillic" in check["message"]
    assert "fonts-dejavu-core" in check["action"]


def test_an_unwritable_reports_folder_is_named(installation: str, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.chmod(0o555)
    try:
        result = run_unprivileged([CSBM, "doctor", "--json", "--database-url", installation])
    finally:
        reports.chmod(0o755)
    assert result.returncode == 1, result.stderr
    check = by_name(json.loads(result.stdout))["reports_folder"]
    assert check["status"] == "failed"
    assert check["message"] == f"cannot write in {reports}: Permission denied"
    assert "ReadWritePaths" in check["action"]


def run_unprivileged(command: list[str]) -> subprocess.CompletedProcess[str]:
    """As a user that file permissions hold: root without CAP_DAC_OVERRIDE is one."""
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot make a folder unwritable for the test")
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, env=os.environ.copy(), timeout=120)


def test_a_lowered_chain_head_is_named(installation: str) -> None:
    tamper(installation, "UPDATE ledger_state SET entry_seq = entry_seq - 1")
    check = by_name(run_doctor(installation, 1))["chains"]
    assert check["status"] == "failed"
    assert "changed outside csbm" in check["message"]
    assert "ledger chain holds revisions up to" in check["message"]
    assert "csbm audit verify" in check["action"]


def test_a_migration_left_behind_is_named_and_the_checks_that_need_the_database_wait(installation: str) -> None:
    previous = revisions()[-2]
    engine = make_engine(installation)
    downgrade(engine, previous)
    engine.dispose()
    report = by_name(run_doctor(installation, 1))
    assert report["database"]["status"] == "failed"
    assert f"is at migration {previous}; this csbm's newest is {head_revision()}" in report["database"]["message"]
    assert "csbm db upgrade" in report["database"]["action"]
    assert {report[n]["status"] for n in ("agreements", "chains", "scheduler", "clock")} == {"warning"}


def test_an_unreachable_database_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = by_name(run_doctor("postgresql+psycopg://nobody@127.0.0.1:1/none", 1))
    assert report["database"]["message"].startswith("cannot connect to postgresql+psycopg://nobody@127.0.0.1:1/none")


class TestTheChecksThatDependOnTime:
    def diagnose(self, url: str, now: dt.datetime, **settings: Any) -> dict[str, doctor.Check]:
        engine = make_engine(url)
        try:
            result = doctor.diagnose(Settings(database_url=url, **settings), engine, now=now)
        finally:
            engine.dispose()
        return {c.name: c for c in result.checks}

    def test_a_clock_set_back_behind_the_newest_revision_fails(self, installation: str) -> None:
        check = self.diagnose(installation, dt.datetime.now(dt.UTC) - dt.timedelta(days=2))["clock"]
        assert check.status is doctor.Status.FAILED
        assert "behind the newest revision" in check.message()

    def test_a_lease_not_renewed_in_time_fails_and_no_lease_warns(self, installation: str) -> None:
        later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
        check = self.diagnose(installation, later)["scheduler"]
        assert check.status is doctor.Status.FAILED
        assert "app1:4242 expired" in check.message()
        tamper(installation, "DELETE FROM scheduler_leases")
        assert self.diagnose(installation, later)["scheduler"].status is doctor.Status.WARNING

    def test_a_backup_older_than_the_kept_archives_reach_fails(self, installation: str) -> None:
        keep = Settings().backup_keep
        now = dt.datetime.now(dt.UTC)
        assert self.diagnose(installation, now + dt.timedelta(days=2))["backups"].status is doctor.Status.WARNING
        check = self.diagnose(installation, now + dt.timedelta(days=keep + 1))["backups"]
        assert check.status is doctor.Status.FAILED
        assert f"than the {keep} nightly archives kept" in check.message()

    def test_no_backup_yet_warns(self, installation: str, tmp_path: Path) -> None:
        check = self.diagnose(installation, dt.datetime.now(dt.UTC), backup_dir=str(tmp_path / "empty"))["backups"]
        assert check.status is doctor.Status.WARNING
        assert "csbm backup" in check.todo()


def test_agreements_that_differ_from_the_shipped_files_are_named(installation: str, tmp_path: Path) -> None:
    changed = tmp_path / "agreements"
    changed.mkdir()
    source = (ROOT / "agreements" / "cfe.yaml").read_text(encoding="utf-8")
    (changed / "cfe.yaml").write_text(source + "\n# a local correction\n", encoding="utf-8")
    csbm(installation, "agreements", "load", str(changed))
    check = by_name(run_doctor(installation, 0))["agreements"]
    assert check["status"] == "warning"
    assert check["message"] == "not as shipped: cfe; shipped but not loaded: -"


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough of SMTP for a client to connect, say NOOP and QUIT."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        for line in self.rfile:
            reply = b"221 bye\r\n" if line.upper().startswith(b"QUIT") else b"250 ok\r\n"
            self.wfile.write(reply)
            if reply.startswith(b"221"):
                return


@pytest.fixture
def smtp_server() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"smtp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_mail_is_checked_only_when_configured(
    installation: str, smtp_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSBM_SMTP_URL", smtp_server)
    assert by_name(run_doctor(installation, 0))["mail"]["message"].endswith("answers")
    monkeypatch.setenv("CSBM_SMTP_URL", "smtp://127.0.0.1:1")
    check = by_name(run_doctor(installation, 1))["mail"]
    assert check["status"] == "failed"
    assert "127.0.0.1:1 does not answer" in check["message"]


def test_the_text_output_names_each_check_and_the_verdict(installation: str) -> None:
    tamper(installation, "UPDATE ledger_state SET entry_seq = entry_seq - 1")
    out = csbm(installation, "doctor", expect=1).stdout
    assert "FAILED   Hash chains" in out
    assert "csbm doctor: NOT fit to use" in out
