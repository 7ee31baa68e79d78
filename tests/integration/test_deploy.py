"""deploy/: the systemd units verify, the nginx site passes ``nginx -t``, the settings template is csbm's."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.web.app import create_app
from tests.builders import ROOT

DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
CSBM = Path(sys.executable).parent / "csbm"
SELF_SIGNED = ("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=csbm.test")
NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


class TestTheSystemdUnits:
    def test_there_is_one_for_the_web_app_and_one_for_the_scheduler(self) -> None:
        commands = {p.name: unit(p)["Service"]["ExecStart"] for p in UNITS}
        assert commands == {
            "csbm.service": "/opt/csbm/bin/csbm serve --host 127.0.0.1 --port 8000 --workers 2",
            "csbm-scheduler.service": "/opt/csbm/bin/csbm scheduler run --wait 120",
        }

    @pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
    def test_each_runs_confined_as_its_own_user_and_restarts_on_failure(self, path: Path) -> None:
        service = unit(path)["Service"]
        assert service["User"] == "csbm"
        assert service["ProtectSystem"] == "strict"
        assert service["NoNewPrivileges"] == "yes"
        assert service["PrivateTmp"] == "yes"
        assert service["Restart"] == "on-failure"
        assert service["EnvironmentFile"] == "/etc/csbm/csbm.env"
        writable = set(service["ReadWritePaths"].split())
        settings = env_template()
        data = str(Path(settings["CSBM_DATABASE_URL"].removeprefix("sqlite:///")).parent)
        assert {data, settings["CSBM_REPORTS_DIR"], settings["CSBM_BACKUP_DIR"]} <= writable

    def test_systemd_analyze_verify_passes(self, tmp_path: Path) -> None:
        analyzer = shutil.which("systemd-analyze")
        if analyzer is None:
            pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
        # verify insists that ExecStart's program exists; /opt/csbm is where an install
        # goes, so the copies checked here point at this checkout's csbm instead.
        copies = []
        for path in UNITS:
            copy = tmp_path / path.name
            copy.write_text(path.read_text(encoding="utf-8").replace("/opt/csbm/bin/csbm", str(CSBM)))
            copies.append(str(copy))
        result = subprocess.run([analyzer, "verify", "--man=no", *copies], capture_output=True, text=True)
        if "Failed to" in result.stderr and "bus" in result.stderr.lower():
            pytest.skip(f"systemd-analyze cannot run in this container: {result.stderr.strip()}")
        # Unknown or misspelt settings are only warnings to systemd; here they fail.
        assert (result.returncode, result.stderr) == (0, "")


def env_template() -> dict[str, str]:
    lines = (DEPLOY / "csbm.env").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {key: value for key, value in pairs}


class TestTheEnvironmentFile:
    def test_every_csbm_setting_it_names_is_one_csbm_reads_and_parses(self) -> None:
        values = env_template()
        known = {f"CSBM_{name.upper()}" for name in Settings.model_fields}
        assert {k for k in values if k.startswith("CSBM_")} <= known
        commented = re.findall(r"^#(CSBM_[A-Z_]+)=", (DEPLOY / "csbm.env").read_text(), re.M)
        assert set(commented) <= known
        named = {k.removeprefix("CSBM_").lower(): v for k, v in values.items() if k.startswith("CSBM_")}
        Settings.model_validate(named)


class TestTheNginxSite:
    def test_it_passes_x_forwarded_proto_and_csbm_then_marks_its_cookies_secure(self, database_url: str) -> None:
        site = (DEPLOY / "nginx-csbm.conf").read_text(encoding="utf-8")
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
        with TestClient(create_app(Settings(database_url=database_url))) as client:
            behind_tls = client.get("/login", headers={"X-Forwarded-Proto": "https"})
            plain = client.get("/login")
        assert "secure" in behind_tls.headers["set-cookie"].lower()
        assert "secure" not in plain.headers["set-cookie"].lower()

    def test_nginx_accepts_the_site(self, tmp_path: Path) -> None:
        nginx = os.environ.get("CSBM_TEST_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            pytest.skip("nginx is not installed")
        if shutil.which("openssl") is None:
            pytest.skip("openssl is needed to make the test certificate")
        certificate, key = tmp_path / "csbm.crt", tmp_path / "csbm.key"
        subprocess.run(
            [*SELF_SIGNED, "-keyout", str(key), "-out", str(certificate)],
            check=True,
            capture_output=True,
        )
        site = (DEPLOY / "nginx-csbm.conf").read_text(encoding="utf-8")
        site = site.replace("/etc/csbm/tls/csbm.crt", str(certificate)).replace("/etc/csbm/tls/csbm.key", str(key))
        (tmp_path / "site.conf").write_text(site)
        temp = " ".join(f"{kind}_temp_path {tmp_path / kind};" for kind in NGINX_TEMP)
        (tmp_path / "nginx.conf").write_text(
            f"pid {tmp_path / 'nginx.pid'}; error_log {tmp_path / 'error.log'};\n"
            f"events {{}}\nhttp {{ access_log off; {temp} include {tmp_path / 'site.conf'}; }}\n"
        )
        result = subprocess.run(
            [nginx, "-t", "-q", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
