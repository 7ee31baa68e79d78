"""The server-rendered pages: access, CSRF, sessions, the entry form, languages."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.db.session import make_engine, transaction
from app.web.app import SECURITY_HEADERS
from tests.web.conftest import PASSWORD, Web

FORM = {
    "ref": "FORM-1",
    "agreement": "vd2011",
    "activity": "inspection",
    "inspecting_state": "NL",
    "receiving_state": "BY",
    "requested_at": "2026-10-01",
    "replied_at": "",
    "start": "2026-10-12",
    "end": "2026-10-13",
    "status": "accepted",
    "team_size": "4",
    "location": "Minsk region",
    "object": "",
    "notes": "",
}
PAGES = [
    "/",
    "/ledger",
    "/agreements",
    "/agreements/cfe",
    "/findings",
    "/declarations",
    "/reports",
    "/entries/VD-2025-INS-LT-2",
    "/ledger.csv",
    "/calendar",
    "/calendar/month.ics",
    "/account",
]


def passive_remaining(html: str) -> str:
    """The remaining text of Belarus's VD inspection quota on the dashboard."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    row = next(r for r in rows if "vd2011" in r and "inspections: quota" in r)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
    return str(cells[7]).strip()


class TestAccess:
    @pytest.mark.parametrize("path", [*PAGES, "/entries/new", "/admin/users", "/admin/audit"])
    def test_anonymous_visitors_are_sent_to_the_login_page_and_see_no_data(self, web: Web, path: str) -> None:
        response = web.client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
        assert "VD-2025" not in response.text

    @pytest.mark.parametrize("path", PAGES)
    def test_a_viewer_can_read_every_page(self, web: Web, path: str) -> None:
        web.login("viewer")
        assert web.client.get(path).status_code == 200

    def test_a_viewer_is_refused_the_entry_form_and_admin_pages(self, web: Web) -> None:
        csrf = web.login("viewer")
        assert web.client.get("/entries/new").status_code == 403
        assert web.client.post("/entries/new", data={**FORM, "csrf_token": csrf, "action": "save"}).status_code == 403
        assert web.client.get("/admin/users").status_code == 403
        web.login("admin")
        assert web.client.get("/api/v1/entries/FORM-1").status_code == 404

    def test_pages_carry_security_headers(self, web: Web) -> None:
        headers = web.client.get("/login").headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"

    def test_api_answers_and_errors_carry_them_once_and_the_docs_page_has_no_policy(self, web: Web) -> None:
        for response in (web.client.get("/api/v1/health"), web.client.get("/api/v1/quota?year=2025")):
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers.get_list("content-security-policy") == [SECURITY_HEADERS["Content-Security-Policy"]]
        docs = web.client.get("/api/docs")
        assert docs.status_code == 200
        assert "content-security-policy" not in docs.headers
        assert docs.headers["x-content-type-options"] == "nosniff"


class TestSessions:
    def test_the_cookie_is_httponly_and_samesite_lax_and_a_login_gets_a_new_session_id(self, web: Web) -> None:
        web.login("officer")
        first = web.client.cookies.get("csbm_session")
        page = web.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        response = web.client.post(
            "/login", data={"username": "officer", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        header = response.headers["set-cookie"].lower()
        assert "httponly" in header
        assert "samesite=lax" in header
        assert web.client.cookies.get("csbm_session") != first

    def test_logout_ends_the_session_on_the_server(self, web: Web) -> None:
        csrf = web.login("officer")
        stolen = web.client.cookies.get("csbm_session")
        assert web.client.post("/logout", data={"csrf_token": csrf}).status_code == 303
        web.client.cookies.set("csbm_session", stolen or "")
        assert web.client.get("/").status_code == 303

    def test_wrong_passwords_are_refused_and_then_throttled(self, web: Web) -> None:
        page = web.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        codes = [
            web.client.post(
                "/login", data={"username": "officer", "password": "wrong", "csrf_token": token.group(1)}
            ).status_code
            for _ in range(6)
        ]
        assert codes == [401] * 5 + [429]
        right = web.client.post(
            "/login", data={"username": "officer", "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert right.status_code == 429

    def test_a_login_post_without_its_form_token_is_refused(self, web: Web) -> None:
        web.client.get("/login")
        response = web.client.post("/login", data={"username": "officer", "password": PASSWORD, "csrf_token": "forged"})
        assert response.status_code == 403
        assert "csbm_session" not in web.client.cookies

    def test_an_external_next_is_ignored(self, web: Web) -> None:
        page = web.client.get("/login?next=//evil.example/")
        assert 'name="next" value="/"' in page.text


class TestRecordingThroughTheForm:
    def test_check_shows_the_impact_then_save_records_and_the_dashboard_changes(self, web: Web) -> None:
        csrf = web.login("officer")
        before = passive_remaining(web.client.get("/?year=2026").text)
        checked = web.client.post("/entries/new", data={**FORM, "csrf_token": csrf, "action": "check"})
        assert checked.status_code == 200
        assert "What it would do" in checked.text
        assert "Within every quota." in checked.text
        saved = web.client.post("/entries/new", data={**FORM, "csrf_token": csrf, "action": "save"})
        assert saved.status_code == 303
        assert saved.headers["location"] == "/entries/FORM-1"
        after = passive_remaining(web.client.get("/?year=2026").text)
        assert (before, after) == ("3 of 3 left", "2 of 3 left")
        entry = web.client.get("/entries/FORM-1").text
        assert "Revision 1" in entry
        assert "officer" in entry

    def test_a_form_post_without_the_csrf_token_is_refused_and_writes_nothing(self, web: Web) -> None:
        web.login("officer")
        response = web.client.post("/entries/new", data={**FORM, "action": "save"})
        assert response.status_code == 403
        assert web.client.get("/entries/FORM-1").status_code == 404

    def test_validation_errors_are_shown_at_the_field(self, web: Web) -> None:
        csrf = web.login("officer")
        response = web.client.post(
            "/entries/new", data={**FORM, "receiving_state": "XX", "csrf_token": csrf, "action": "check"}
        )
        assert response.status_code == 422
        assert 'id="e-receiving_state"' in response.text
        assert "unknown state" in response.text
        assert 'aria-invalid="true"' in response.text

    def test_a_new_revision_shows_in_the_timeline_with_what_changed(self, web: Web) -> None:
        csrf = web.login("officer")
        web.client.post("/entries/new", data={**FORM, "csrf_token": csrf, "action": "save"})
        web.client.post(
            "/entries/FORM-1/edit", data={**FORM, "status": "conducted", "csrf_token": csrf, "action": "save"}
        )
        page = web.client.get("/entries/FORM-1").text
        assert "Revision 2" in page
        assert "accepted → conducted" in page

    def test_the_audit_page_lists_the_write_with_before_and_after(self, web: Web) -> None:
        csrf = web.login("admin")
        web.client.post("/entries/new", data={**FORM, "csrf_token": csrf, "action": "save"})
        audit = web.client.get("/admin/audit").text
        assert "entry.create" in audit
        assert "FORM-1" in audit
        assert "admin" in audit


class TestLanguage:
    def test_the_russian_switch_translates_the_pages(self, web: Web) -> None:
        web.login("viewer")
        web.client.get("/lang/ru?next=/")
        page = web.client.get("/").text
        assert 'lang="ru"' in page
        assert "Обзор" in page
        assert "Что Беларусь ещё обязана принять" in page
        assert "Dashboard" not in page

    def test_admins_add_users_with_a_generated_password(self, web: Web) -> None:
        csrf = web.login("admin")
        page = web.client.post("/admin/users", data={"username": "newcomer", "role": "viewer", "csrf_token": csrf})
        password = re.search(r"shown once: (\S+)</p>", page.text)
        assert password
        web.client.post("/logout", data={"csrf_token": csrf})
        web.login("newcomer", password.group(1))
        assert web.client.get("/").status_code == 200


class TestTamperAlerts:
    def test_the_dashboard_shows_a_break_until_an_admin_acknowledges_it(self, web: Web) -> None:
        from app.services.alerts import raise_alert

        engine = make_engine(web.url)
        with transaction(engine, write=True) as session:
            raise_alert(
                session, kind="chain_break", message="ledger: edited: X-1 revision 1", at=dt.datetime.now(dt.UTC)
            )
        engine.dispose()
        csrf = web.login("viewer")
        page = web.client.get("/").text
        assert "ledger: edited: X-1 revision 1" in page
        assert "/acknowledge" not in page  # only an admin may acknowledge
        web.client.post("/logout", data={"csrf_token": csrf})
        csrf = web.login("admin")
        page = web.client.get("/").text
        alert_id = re.search(r"/admin/alerts/(\d+)/acknowledge", page)
        assert alert_id
        response = web.client.post(f"/admin/alerts/{alert_id.group(1)}/acknowledge", data={"csrf_token": csrf})
        assert response.status_code == 303
        assert "ledger: edited: X-1 revision 1" not in web.client.get("/").text
        assert "alert.acknowledge" in web.client.get("/admin/audit").text
