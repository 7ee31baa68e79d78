"""The JSON API: every endpoint, with its 401, 403, 404, 409 and 422 paths."""

from __future__ import annotations

import json
import threading

import pytest

from tests.integration.cli_helpers import csbm
from tests.web.conftest import Web, entry_body

PROBLEM = "application/problem+json"


class TestAuthentication:
    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("get", "/api/v1/quota"),
            ("get", "/api/v1/entries"),
            ("get", "/api/v1/agreements"),
            ("get", "/api/v1/findings"),
            ("get", "/api/v1/declarations"),
            ("get", "/api/v1/reports"),
            ("get", "/api/v1/entries/X/history"),
            ("post", "/api/v1/entries"),
            ("post", "/api/v1/declarations"),
            ("post", "/api/v1/reports"),
        ],
    )
    def test_anonymous_requests_get_401_problem_json_and_no_data(self, web: Web, method: str, path: str) -> None:
        response = getattr(web.client, method)(path, **({"json": {}} if method == "post" else {}))
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM
        assert set(response.json()) == {"type", "title", "status", "detail"}

    def test_a_wrong_token_is_401(self, web: Web) -> None:
        assert web.client.get("/api/v1/quota", headers={"Authorization": "Bearer nope"}).status_code == 401

    def test_a_revoked_token_stops_working(self, web: Web) -> None:
        import subprocess
        import sys
        from pathlib import Path

        cli = str(Path(sys.executable).parent / "csbm")
        subprocess.run(
            [cli, "tokens", "revoke", "--database-url", web.url],
            input=web.tokens["viewer"] + "\n",
            text=True,
            check=True,
            capture_output=True,
        )
        assert web.client.get("/api/v1/quota", headers=web.as_("viewer")).status_code == 401

    def test_the_health_check_needs_no_login_and_says_nothing_else(self, web: Web) -> None:
        assert web.client.get("/api/v1/health").json() == {"status": "ok"}


class TestReading:
    def test_quota_rows_equal_the_clis(self, web: Web) -> None:
        api = web.client.get("/api/v1/quota?year=2025&state=BY", headers=web.as_("viewer")).json()
        assert api == csbm(web.url, "quota", "--year", "2025", "--state", "BY", "--json")

    def test_a_cached_quota_status_follows_every_write(self, web: Web) -> None:
        def pending() -> int:
            rows = web.client.get("/api/v1/quota?year=2026&state=BY&agreement=vd2011", headers=web.as_("viewer")).json()
            row = next(r for r in rows if r["rule"] == "inspection.passive" and r["receiving_state"] == "BY")
            return int(row["pending"])

        def limit() -> int | None:
            rows = web.client.get("/api/v1/quota?year=2027&state=BY&agreement=vd2011", headers=web.as_("viewer")).json()
            row = next(r for r in rows if r["rule"] == "evaluation_visit.passive" and r["receiving_state"] == "BY")
            return None if row["limit"] is None else int(row["limit"])

        before = pending()
        assert pending() == before  # served again, from the cache
        web.client.post("/api/v1/entries", json=entry_body("CACHE-1"), headers=web.as_("officer"))
        assert pending() == before + 1
        web.client.put(
            "/api/v1/entries/CACHE-1", json=entry_body("CACHE-1", status="cancelled"), headers=web.as_("officer")
        )
        assert pending() == before
        assert limit() is None
        web.client.post(
            "/api/v1/declarations",
            json={"state": "BY", "year": 2027, "name": "units", "value": 300},
            headers=web.as_("officer"),
        )
        assert limit() == 5

    def test_findings_equal_the_clis(self, web: Web) -> None:
        api = web.client.get("/api/v1/findings?from=2025-01-01&to=2026-12-31", headers=web.as_("viewer")).json()
        assert api == csbm(web.url, "findings", "--from", "2025-01-01", "--to", "2026-12-31", "--json")
        assert api

    def test_agreements_list_and_detail_with_sources(self, web: Web) -> None:
        listed = web.client.get("/api/v1/agreements", headers=web.as_("viewer")).json()
        assert {a["id"] for a in listed} >= {"vd2011", "cfe", "open-skies"}
        cfe = web.client.get("/api/v1/agreements/cfe", headers=web.as_("viewer")).json()
        assert cfe["quota_rules"][0]["source"]["confidence"] == "text"
        assert web.client.get("/api/v1/agreements/nato", headers=web.as_("viewer")).status_code == 404

    def test_only_admins_load_agreements_and_an_unchanged_load_makes_no_version(self, web: Web) -> None:
        assert web.client.post("/api/v1/agreements/load", headers=web.as_("officer")).status_code == 403
        loaded = web.client.post("/api/v1/agreements/load", headers=web.as_("admin")).json()
        assert loaded
        assert not any(r["changed"] for r in loaded)

    def test_entries_filter_search_and_paginate(self, web: Web) -> None:
        h = web.as_("viewer")
        page = web.client.get(
            "/api/v1/entries?agreement=vd2011&state=BY&from=2025-01-01&to=2025-12-31&limit=3", headers=h
        ).json()
        assert page["total"] == 7
        assert len(page["items"]) == 3
        rest = web.client.get(
            "/api/v1/entries?agreement=vd2011&state=BY&from=2025-01-01&to=2025-12-31&limit=3&offset=3", headers=h
        ).json()
        assert not {e["ref"] for e in page["items"]} & {e["ref"] for e in rest["items"]}
        found = web.client.get("/api/v1/entries?q=Mechanised", headers=h).json()
        assert found["total"] > 0
        assert all("Mechanised" in e["object"] for e in found["items"])
        assert web.client.get("/api/v1/entries?limit=0", headers=h).status_code == 422

    def test_entry_detail_has_its_findings_and_history_its_revisions(self, web: Web) -> None:
        h = web.as_("viewer")
        detail = web.client.get("/api/v1/entries/VD-2025-INS-LT-2", headers=h).json()
        assert {f["code"] for f in detail["findings"]} == {"beyond_quota", "beyond_counterparty_cap"}
        history = web.client.get("/api/v1/entries/VD-2025-INS-LT-2/history", headers=h).json()
        assert [r["revision"] for r in history] == [1]
        assert web.client.get("/api/v1/entries/NOPE", headers=h).status_code == 404
        assert web.client.get("/api/v1/entries/NOPE/history", headers=h).status_code == 404

    def test_declarations_are_listed(self, web: Web) -> None:
        rows = web.client.get("/api/v1/declarations?state=BY&year=2025", headers=web.as_("viewer")).json()
        assert {r["name"] for r in rows} == {"units", "oov"}


class TestWriting:
    def test_an_officer_records_revises_and_the_history_keeps_both(self, web: Web) -> None:
        h = web.as_("officer")
        created = web.client.post("/api/v1/entries", json=entry_body("API-1"), headers=h)
        assert created.status_code == 201
        assert created.json() == {"ref": "API-1", "outcome": "created"}
        assert web.client.post("/api/v1/entries", json=entry_body("API-1"), headers=h).status_code == 409
        revised = web.client.put("/api/v1/entries/API-1", json=entry_body("API-1", status="conducted"), headers=h)
        assert revised.json()["outcome"] == "revised"
        history = web.client.get("/api/v1/entries/API-1/history", headers=h).json()
        assert [(r["revision"], r["status"], r["recorded_by"]) for r in history] == [
            (1, "accepted", "officer"),
            (2, "conducted", "officer"),
        ]
        assert web.client.put("/api/v1/entries/NEW", json=entry_body("NEW"), headers=h).status_code == 404

    def test_a_viewer_cannot_write_and_nothing_is_written(self, web: Web) -> None:
        response = web.client.post("/api/v1/entries", json=entry_body("V-1"), headers=web.as_("viewer"))
        assert response.status_code == 403
        assert response.headers["content-type"] == PROBLEM
        assert web.client.get("/api/v1/entries/V-1", headers=web.as_("viewer")).status_code == 404
        assert (
            web.client.post(
                "/api/v1/declarations",
                json={"state": "BY", "year": 2027, "name": "units", "value": 1},
                headers=web.as_("viewer"),
            ).status_code
            == 403
        )

    def test_bad_fields_are_422_with_field_level_messages(self, web: Web) -> None:
        body = entry_body("BAD-1", receiving_state="XX", start="2026-02-30", status="done")
        response = web.client.post("/api/v1/entries", json=body, headers=web.as_("officer"))
        assert response.status_code == 422
        assert response.headers["content-type"] == PROBLEM
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {"receiving_state", "start", "status"}
        shape = web.client.post("/api/v1/entries", json={"ref": "X"}, headers=web.as_("officer"))
        assert shape.status_code == 422
        assert {e["field"] for e in shape.json()["errors"]} >= {"agreement", "start"}

    def test_within_quota_refusal_is_409_and_records_nothing(self, web: Web) -> None:
        h = web.as_("officer")
        for i, state in enumerate(["NL", "SE", "FI"]):
            body = entry_body(f"WQ-{i}", inspecting_state=state, start=f"2026-10-{12 + i}", end=f"2026-10-{12 + i}")
            assert web.client.post("/api/v1/entries?within_quota=true", json=body, headers=h).status_code == 201
        refused = web.client.post(
            "/api/v1/entries?within_quota=true", json=entry_body("WQ-3", inspecting_state="NO"), headers=h
        )
        assert refused.status_code == 409
        assert {f["code"] for f in refused.json()["findings"]} == {"beyond_quota"}
        assert web.client.get("/api/v1/entries/WQ-3", headers=h).status_code == 404

    def test_check_reports_the_impact_without_recording(self, web: Web) -> None:
        result = web.client.post("/api/v1/entries/check", json=entry_body("CHK-1"), headers=web.as_("viewer")).json()
        passive = next(q for q in result["quotas"] if q["rule"] == "inspection.passive")
        assert passive["pending"] == passive["pending_before"] + 1
        assert result["within_quota"] is True
        assert web.client.get("/api/v1/entries/CHK-1", headers=web.as_("viewer")).status_code == 404

    def test_declarations_are_recorded_as_revisions(self, web: Web) -> None:
        h = web.as_("officer")
        body = {"state": "BY", "year": 2027, "name": "units", "value": 200, "source": "AEMI 2026"}
        assert web.client.post("/api/v1/declarations", json=body, headers=h).status_code == 201
        assert web.client.post("/api/v1/declarations", json=body, headers=h).status_code == 200
        bad = web.client.post("/api/v1/declarations", json={**body, "name": "Units!"}, headers=h)
        assert bad.status_code == 422

    def test_concurrent_within_quota_requests_over_http_stay_exact(self, web: Web) -> None:
        """Several at once for the two slots left: exactly two get in."""
        h = web.as_("officer")
        web.client.post("/api/v1/entries", json=entry_body("RACE-0", inspecting_state="NL"), headers=h)
        states = ["SE", "FI", "NO", "DK", "IE", "PT", "ES", "IT"]
        codes: list[int] = []

        def post(i: int, state: str) -> None:
            body = entry_body(
                f"RACE-{i + 1}", inspecting_state=state, start=f"2026-11-{10 + i}", end=f"2026-11-{10 + i}"
            )
            codes.append(web.client.post("/api/v1/entries?within_quota=true", json=body, headers=h).status_code)

        threads = [threading.Thread(target=post, args=(i, s)) for i, s in enumerate(states)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(codes) == [201, 201] + [409] * 6


class TestReports:
    def test_generate_list_and_download_a_report(self, web: Web) -> None:
        h = web.as_("officer")
        made = web.client.post(
            "/api/v1/reports",
            json={"period": "2025Q3", "formats": ["json", "csv"], "languages": ["en"], "home_state": "BY"},
            headers=h,
        )
        assert made.status_code == 201
        assert made.json()["folder"] == "2025Q3-BY"
        listed = web.client.get("/api/v1/reports", headers=web.as_("viewer")).json()
        assert listed[0]["folder"] == "2025Q3-BY"
        assert {f["path"] for f in listed[0]["files"]} >= {"en/report.json"}
        download = web.client.get("/api/v1/reports/2025Q3-BY/en/report.json", headers=web.as_("viewer"))
        assert download.status_code == 200
        assert json.loads(download.content)["period"]["label"] == "2025Q3"
        assert (
            web.client.post("/api/v1/reports", json={"period": "2025Q3"}, headers=web.as_("viewer")).status_code == 403
        )
        assert web.client.post("/api/v1/reports", json={"period": "2025Q9"}, headers=h).status_code == 422
        assert (
            web.client.post("/api/v1/reports", json={"period": "2025Q3", "formats": ["docx"]}, headers=h).status_code
            == 422
        )

    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/reports/..%2F..%2Fetc/en/passwd",
            "/api/v1/reports/2025Q3-BY/en/..%2Fmanifest.json",
            "/api/v1/reports/2025Q3-BY/../report.json",
            "/api/v1/reports/%2e%2e/en/report.json",
            "/api/v1/reports/2025Q3-BY/en/secret.txt",
        ],
    )
    def test_downloads_cannot_leave_the_reports_folder(self, web: Web, path: str) -> None:
        web.client.post(
            "/api/v1/reports",
            json={"period": "2025Q3", "formats": ["json"], "home_state": "BY"},
            headers=web.as_("officer"),
        )
        assert web.client.get(path, headers=web.as_("viewer")).status_code == 404


def test_openapi_is_served_at_api_docs(web: Web) -> None:
    assert web.client.get("/api/docs").status_code == 200
    spec = web.client.get("/api/openapi.json").json()
    assert "/api/v1/entries/check" in spec["paths"]
