"""The issue's check on both databases: a requested Vienna Document inspection with no reply."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.cli_helpers import csbm

REQUEST = [
    "ledger", "add", "--ref", "VD-REQ", "--agreement", "vd2011", "--activity", "inspection",
    "--inspecting-state", "DE", "--receiving-state", "BY", "--requested-at", "2026-11-02T08:00:00Z",
    "--start", "2026-11-03T14:00:00Z", "--end", "2026-11-05T10:00:00Z", "--status", "requested",
]  # fmt: skip


@pytest.fixture
def requested(database_url: str) -> str:
    csbm(database_url, "agreements", "load")
    csbm(database_url, *REQUEST)
    return database_url


def replies(url: str, at: str) -> list[dict[str, Any]]:
    found = csbm(url, "due", "--at", at, "--within", "72h", "--json")
    return [d for d in found if d["kind"] == "reply"]


def test_the_reply_is_open_at_6_hours_missed_at_25_and_gone_once_recorded(requested: str) -> None:
    [reply] = replies(requested, "2026-11-02T14:00:00Z")
    assert reply["ref"] == "VD-REQ"
    assert reply["due_at"] == "2026-11-03T08:00:00Z"
    assert (reply["status"], reply["responsible_state"], reply["hours_left"]) == ("open", "BY", 18.0)
    assert set(reply) == {"ref", "agreement", "kind", "due_at", "responsible_state", "status", "hours_left", "source"}
    assert reply["source"]["confidence"] == "believed"
    [late] = replies(requested, "2026-11-03T09:00:00Z")
    assert (late["status"], late["hours_left"]) == ("missed", -1.0)
    csbm(requested, "ledger", "reply", "VD-REQ", "--accept", "--at", "2026-11-03T09:30:00Z", "--user", "duty")
    assert replies(requested, "2026-11-03T10:00:00Z") == []
    history = csbm(requested, "ledger", "history", "VD-REQ", "--json")
    assert [(h["status"], h["replied_at"], h["recorded_by"]) for h in history][-1] == (
        "accepted",
        "2026-11-03T09:30:00Z",
        "duty",
    )
    # The reply was 25.5 h after the request: the finding says so as the deadline did.
    codes = {f["code"] for f in csbm(requested, "findings", "--from", "2026-11-01", "--to", "2026-11-30", "--json")}
    assert "late_reply" in codes


def test_a_state_filter_and_a_window_narrow_the_list(requested: str) -> None:
    france = csbm(requested, "due", "--at", "2026-11-02T14:00:00Z", "--state", "FR", "--json")
    assert {(d["ref"], d["kind"], d["responsible_state"]) for d in france} == {("", "annual", "FR")}
    assert {d["agreement"] for d in france} == {"vd2011", "cfe", "open-skies"}
    soon = csbm(requested, "due", "--at", "2026-11-02T14:00:00Z", "--within", "20h", "--json")
    assert [d["kind"] for d in soon] == ["reply"]
    screen = csbm(requested, "due", "--at", "2026-11-03T09:00:00Z", "--within", "3d").stdout
    assert "MISSED" in screen
    assert "VD-REQ" in screen
    assert "UTC" in screen


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--within", "soon"], "--within: 'soon' is not a window such as 72h, 3d or 90m"),
        (["--at", "tomorrow"], "--at: 'tomorrow' is not an ISO 8601 date or datetime"),
        (["--state", "XX"], "unknown state 'XX'"),
    ],
)
def test_bad_options_are_clear_errors(requested: str, args: list[str], message: str) -> None:
    assert message in csbm(requested, "due", *args, expect=1).stderr


def test_a_reply_is_recorded_once_and_only_to_a_request(requested: str) -> None:
    csbm(requested, "ledger", "reply", "VD-REQ", "--refuse", "--at", "2026-11-02T10:00:00Z")
    again = csbm(requested, "ledger", "reply", "VD-REQ", "--accept", expect=1)
    assert "only a requested entry with no reply recorded awaits a reply" in again.stderr
    assert "give --accept or --refuse" in csbm(requested, "ledger", "reply", "VD-REQ", expect=2).stderr
    assert "no entry with ref 'NOPE'" in csbm(requested, "ledger", "reply", "NOPE", "--accept", expect=1).stderr
    assert csbm(requested, "ledger", "history", "VD-REQ", "--json")[-1]["status"] == "refused"
