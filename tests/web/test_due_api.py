"""GET /api/v1/due and POST /api/v1/entries/{ref}/reply."""

from __future__ import annotations

from tests.web.conftest import Web, entry_body

REQUEST = entry_body(
    "API-REQ",
    inspecting_state="DE",
    requested_at="2026-11-02T08:00:00Z",
    start="2026-11-03T14:00:00Z",
    end="2026-11-05T10:00:00Z",
    status="requested",
)


def reply_deadlines(web: Web, at: str) -> list[dict[str, object]]:
    response = web.client.get(f"/api/v1/due?at={at}&within=72h&state=BY", headers=web.as_("viewer"))
    assert response.status_code == 200, response.text
    return [d for d in response.json() if d["ref"] == "API-REQ" and d["kind"] == "reply"]


def test_the_reply_deadline_is_due_then_recorded_through_the_api(web: Web) -> None:
    assert web.client.post("/api/v1/entries", json=REQUEST, headers=web.as_("officer")).status_code == 201
    [reply] = reply_deadlines(web, "2026-11-02T14:00:00Z")
    assert (reply["due_at"], reply["status"], reply["responsible_state"]) == ("2026-11-03T08:00:00Z", "open", "BY")
    body = {"accept": True, "replied_at": "2026-11-02T15:00:00Z"}
    assert web.client.post("/api/v1/entries/API-REQ/reply", json=body, headers=web.as_("viewer")).status_code == 403
    recorded = web.client.post("/api/v1/entries/API-REQ/reply", json=body, headers=web.as_("officer"))
    assert recorded.json() == {
        "ref": "API-REQ",
        "outcome": "revised",
        "status": "accepted",
        "replied_at": "2026-11-02T15:00:00Z",
    }
    assert reply_deadlines(web, "2026-11-02T16:00:00Z") == []
    again = web.client.post("/api/v1/entries/API-REQ/reply", json=body, headers=web.as_("officer"))
    assert again.status_code == 409


def test_bad_parameters_are_422_naming_the_field(web: Web) -> None:
    for query, field in (("within=soon", "within"), ("at=noon", "at"), ("state=XX", "state")):
        response = web.client.get(f"/api/v1/due?{query}", headers=web.as_("viewer"))
        assert response.status_code == 422, query
        assert [e["field"] for e in response.json()["errors"]] == [field]
    bad = web.client.post(
        "/api/v1/entries/API-NONE/reply", json={"accept": False, "replied_at": "x"}, headers=web.as_("officer")
    )
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["replied_at"]
    missing = web.client.post("/api/v1/entries/API-NONE/reply", json={"accept": False}, headers=web.as_("officer"))
    assert missing.status_code == 404
