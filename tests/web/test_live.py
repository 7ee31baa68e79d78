"""Notices and checklists over the API and the pages, through the same services as the CLI."""

from __future__ import annotations

import html
import re

from tests.integration.cli_helpers import csbm
from tests.web.conftest import Web, entry_body


def fill_quota(web: Web) -> None:
    """Two evaluation visits to Belarus in 2027, whose quota the declaration makes 2."""
    csbm(web.url, "declare", "BY", "2027", "units", "100", "--source", "AEMI 2026")
    for ref, month, state in (("EV27-1", 3, "DE"), ("EV27-2", 4, "FR")):
        body = entry_body(
            ref, activity="evaluation_visit", inspecting_state=state, requested_at=f"2027-{month:02d}-01T09:00:00Z",
            start=f"2027-{month:02d}-15T08:00:00Z", end=f"2027-{month:02d}-15T17:00:00Z", team_size=3,
        )  # fmt: skip
        assert web.client.post("/api/v1/entries", json=body, headers=web.as_("officer")).status_code == 201


def test_the_api_lists_the_one_draft_and_records_it_sent(web: Web) -> None:
    fill_quota(web)
    (notice,) = web.client.get("/api/v1/notices", headers=web.as_("viewer")).json()
    assert (notice["rule"], notice["party"], notice["filled_by"], notice["status"]) == (
        "evaluation_visit.passive", "BY", "EV27-2", "draft"
    )  # fmt: skip
    path = f"/api/v1/notices/{notice['id']}/sent"
    body = {"on": "2027-04-16", "reference": "BY/VD/2027/9"}
    assert web.client.post(path, json=body, headers=web.as_("viewer")).status_code == 403
    bad = web.client.post(path, json={**body, "on": "soon"}, headers=web.as_("officer"))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "on"
    sent = web.client.post(path, json=body, headers=web.as_("officer"))
    assert sent.status_code == 200
    assert sent.json()["sent_reference"] == "BY/VD/2027/9"
    assert web.client.post(path, json=body, headers=web.as_("officer")).status_code == 409
    assert csbm(web.url, "notices", "--json")[0]["status"] == "sent"


def test_the_notices_page_shows_the_draft_and_records_it_sent(web: Web) -> None:
    fill_quota(web)
    csrf = web.login("officer")
    page = html.unescape(web.client.get("/notices").text)
    assert "Draft, not sent" in page
    assert "Belarus informs all participating States" in page
    nid = csbm(web.url, "notices", "--json")[0]["id"]
    bad = web.client.post(f"/notices/{nid}/sent", data={"csrf_token": csrf, "on": "x", "reference": "R-1"})
    assert bad.status_code == 422
    assert "a date is YYYY-MM-DD" in bad.text
    done = web.client.post(f"/notices/{nid}/sent", data={"csrf_token": csrf, "on": "2027-04-16", "reference": "R-1"})
    assert done.status_code == 303
    assert "Sent on 2027-04-16 as R-1, recorded by officer" in html.unescape(web.client.get("/notices").text)


def test_the_filled_quota_alert_is_on_the_dashboard_until_an_officer_acknowledges_it(web: Web) -> None:
    fill_quota(web)
    csrf = web.login("officer")
    home = web.client.get("/").text
    assert "A quota of ours is filled" in home
    alert = re.search(r'action="/alerts/(\d+)/acknowledge"', home)
    assert alert
    web.client.post(f"/alerts/{alert.group(1)}/acknowledge", data={"csrf_token": csrf})
    assert "A quota of ours is filled" not in web.client.get("/").text


def test_a_received_inspection_has_a_checklist_over_the_api(web: Web) -> None:
    assert web.client.post("/api/v1/entries", json=entry_body("CK-1"), headers=web.as_("officer")).status_code == 201
    listed = web.client.get("/api/v1/entries/CK-1/checklist", headers=web.as_("viewer")).json()
    assert [(i["event"], i["agency"], i["done"]) for i in listed["items"]][:2] == [
        ("arrival", "mfa", False), ("arrival", "transport", False)
    ]  # fmt: skip
    mark = {"agency": "border", "event": "arrival", "done_at": "2026-10-12T07:30", "done_by": "Maj. Ivanov"}
    done = web.client.post("/api/v1/entries/CK-1/checklist", json=mark, headers=web.as_("officer"))
    assert done.status_code == 200
    assert (done.json()["done_at"], done.json()["done_by"]) == ("2026-10-12T07:30:00+00:00", "Maj. Ivanov")
    again = web.client.post("/api/v1/entries/CK-1/checklist", json=mark, headers=web.as_("officer"))
    assert again.status_code == 409
    unknown = web.client.post(
        "/api/v1/entries/CK-1/checklist", json={"agency": "police", "event": "arrival"}, headers=web.as_("officer")
    )
    assert unknown.status_code == 422
    shown = csbm(web.url, "ledger", "show", "CK-1", "--json")  # CSBM_HOME_STATE unset: the CLI's own setting
    assert shown["entry"]["ref"] == "CK-1"


def test_an_outgoing_inspection_has_no_checklist(web: Web) -> None:
    body = entry_body("CK-OUT", inspecting_state="BY", receiving_state="NL")
    assert web.client.post("/api/v1/entries", json=body, headers=web.as_("officer")).status_code == 201
    assert web.client.get("/api/v1/entries/CK-OUT/checklist", headers=web.as_("viewer")).json() is None


def test_the_entry_page_marks_an_item_done_and_the_audit_log_keeps_it(web: Web) -> None:
    assert web.client.post("/api/v1/entries", json=entry_body("CK-2"), headers=web.as_("officer")).status_code == 201
    csrf = web.login("officer")
    page = web.client.get("/entries/CK-2").text
    assert "Agencies to inform" in page
    assert "State Customs Committee" in page
    form = {"csrf_token": csrf, "item": "departure:customs", "done_at": "", "done_by": ""}
    assert web.client.post("/entries/CK-2/checklist", data=form).status_code == 303
    after = html.unescape(web.client.get("/entries/CK-2").text)
    assert re.search(r"State Customs Committee</td>\s*<td>[^<]+, by officer", after)
    future = web.client.post("/entries/CK-2/checklist", data={**form, "item": "arrival:mfa", "done_at": "2999-01-01"})
    assert future.status_code == 422
    assert "this moment is in the future" in future.text
    web.client.post("/logout", data={"csrf_token": csrf})
    web.login("admin")
    assert "checklist.done" in web.client.get("/admin/audit").text


def test_the_admin_page_lists_failing_deliveries(web: Web) -> None:
    import datetime as dt
    import socket

    from app.db.session import make_engine, transaction
    from app.services.outbox import Channels, deliver

    fill_quota(web)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = make_engine(web.url)
    with transaction(engine, write=True) as session:
        done = deliver(session, Channels(webhook_url=f"http://127.0.0.1:{port}/hook"), dt.datetime.now(dt.UTC))
    engine.dispose()
    assert done.failed == 1
    web.login("admin")
    page = html.unescape(web.client.get("/admin/deliveries").text)
    assert f"http://127.0.0.1:{port}/hook" in page
    assert "quota_filled" in page
