"""The calendar page, its ICS download, the private feed and the account page's feed control."""

from __future__ import annotations

import logging
import re

from icalendar import Calendar

from app.web.app import HideSecrets
from tests.web.conftest import Web


def feed_token(web: Web, username: str = "viewer") -> str:
    csrf = web.login(username)
    page = web.client.post("/account/calendar-token", data={"csrf_token": csrf})
    assert page.status_code == 200
    found = re.search(r"/calendar\.ics\?token=(csbmcal_[\w-]+)", page.text)
    assert found, page.text
    return found.group(1)


class TestTheMonthPage:
    def test_june_2025_shows_each_activity_on_its_days_both_ways_with_guests(self, web: Web) -> None:
        web.login("viewer")
        page = web.client.get("/calendar?month=2025-06")
        assert page.status_code == 200
        assert "<caption>June 2025</caption>" in page.text
        # Belarus received from Lithuania, and conducted in Serbia
        assert "Evaluation visit: Lithuania → Belarus (CX-LT-2025-EV-IN)" in page.text
        assert "Evaluation visit: Belarus → Serbia (VD-2025-EV-BY-RS)" in page.text
        # and the deadlines: Belarus's notice period before its visit to Serbia
        assert "Earliest start after the notice period: VD-2025-EV-BY-RS (Belarus)</a>" in page.text
        december = web.client.get("/calendar?month=2025-12").text
        assert "Annual exchange of military information due: vd2011 (Belarus)" in december
        may = web.client.get("/calendar?month=2025-05").text
        assert "Inspection: Poland → Belarus (VD-2025-INS-PL-1)" in may
        assert "Guests: Lithuania 1" in may
        # a three-day inspection is on each of its days
        assert may.count(">Inspection: Poland → Belarus (VD-2025-INS-PL-1)</a>") == 3

    def test_the_direction_and_state_filters(self, web: Web) -> None:
        web.login("viewer")
        received = web.client.get("/calendar?month=2025-06&direction=received").text
        assert "CX-LT-2025-EV-IN" in received
        assert "VD-2025-EV-BY-RS" not in received
        serbia = web.client.get("/calendar?month=2025-06&state=RS").text
        assert "VD-2025-EV-BY-RS" in serbia
        assert "CX-LT-2025-EV-IN" not in serbia
        bilateral = web.client.get("/calendar?month=2025-06&agreement=by-lt-2001").text
        assert "CX-LT-2025-EV-IN" in bilateral
        assert "VD-2025-EV-BY-RS" not in bilateral

    def test_bad_filters_are_shown_beside_their_field(self, web: Web) -> None:
        web.login("viewer")
        page = web.client.get("/calendar?month=2025-13")
        assert page.status_code == 422
        assert 'id="ce-month"' in page.text
        assert "is not a month of the years 1990 to 2100" in page.text
        page = web.client.get("/calendar?agreement=nope")
        assert page.status_code == 422
        assert 'id="ce-agreement"' in page.text

    def test_in_russian(self, web: Web) -> None:
        web.login("viewer")
        web.client.cookies.set("csbm_lang", "ru")
        page = web.client.get("/calendar?month=2025-06").text
        assert "<caption>Июнь 2025</caption>" in page
        assert "Посещение с целью оценки: Литва → Беларусь (CX-LT-2025-EV-IN)" in page
        assert "Предыдущий месяц" in page

    def test_the_month_downloads_as_ics(self, web: Web) -> None:
        web.login("viewer")
        answer = web.client.get("/calendar/month.ics?month=2025-06")
        assert answer.headers["content-type"].startswith("text/calendar")
        uids = {str(e["uid"]) for e in Calendar.from_ical(answer.content).walk("VEVENT")}
        assert {"CX-LT-2025-EV-IN@by-lt-2001.csbm", "VD-2025-EV-BY-RS@vd2011.csbm"} <= uids


class TestTheFeed:
    def test_a_feed_token_reads_the_feed_and_nothing_else(self, web: Web) -> None:
        token = feed_token(web)
        web.client.cookies.clear()
        answer = web.client.get(f"/calendar.ics?token={token}")
        assert answer.status_code == 200
        assert Calendar.from_ical(answer.content).walk("VEVENT"), "the demo has activities in the feed's years"
        assert answer.headers["cache-control"] == "private, no-store"
        assert web.client.get("/api/v1/entries", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert web.client.get(f"/ledger?token={token}").status_code in (302, 303)

    def test_an_unknown_or_revoked_token_or_an_api_token_is_refused(self, web: Web) -> None:
        token = feed_token(web)
        csrf = web.login("viewer")
        assert web.client.post("/account/calendar-token/revoke", data={"csrf_token": csrf}).status_code == 303
        web.client.cookies.clear()
        for refused in (token, "csbmcal_unknown", web.tokens["viewer"], ""):
            answer = web.client.get(f"/calendar.ics?token={refused}")
            assert answer.status_code == 401
            assert refused == "" or refused not in answer.text

    def test_a_new_token_replaces_the_old_one(self, web: Web) -> None:
        first = feed_token(web)
        second = feed_token(web)
        web.client.cookies.clear()
        assert web.client.get(f"/calendar.ics?token={first}").status_code == 401
        assert web.client.get(f"/calendar.ics?token={second}").status_code == 200

    def test_an_admin_revokes_a_users_feed_on_the_users_page(self, web: Web) -> None:
        token = feed_token(web, "viewer")
        csrf = web.login("admin")
        users = web.client.get("/admin/users").text
        assert users.count("Revoke the calendar feed</button>") == 1
        revoked = web.client.post("/admin/users/viewer/calendar-token/revoke", data={"csrf_token": csrf})
        assert revoked.status_code == 303
        assert "Revoke the calendar feed</button>" not in web.client.get("/admin/users").text
        web.client.cookies.clear()
        assert web.client.get(f"/calendar.ics?token={token}").status_code == 401

    def test_the_account_page_says_whether_there_is_a_feed_and_never_shows_it_again(self, web: Web) -> None:
        token = feed_token(web)
        page = web.client.get("/account").text
        assert "You have a feed address, made on" in page
        assert token not in page
        web.login("admin")
        audit_page = web.client.get("/admin/audit")
        assert "calendar_token.create" in audit_page.text
        assert token not in audit_page.text


def test_the_access_log_hides_the_token() -> None:
    # uvicorn's access log line: client, method, path with query, HTTP version, status
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/calendar.ics?lang=ru&token=csbmcal_SECRET-1&state=BY", "1.1", 200),
        None,
    )
    assert HideSecrets().filter(record)
    line = record.getMessage()
    assert "csbmcal_SECRET-1" not in line
    assert "/calendar.ics?lang=ru&token=(hidden)&state=BY" in line
