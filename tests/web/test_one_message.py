"""One use case, one answer: the same bad input sent to the CLI, the API and the page gets the same message.

The CLI exits 1 and prints it after the option's name; the API answers 422 (404
for what does not exist) problem+json with it under the field; the page shows it
beside the field. Each test sends one bad input through all three.
"""

from __future__ import annotations

import html
from typing import Any

import pytest

from app.cli import app
from tests.integration.cli_helpers import csbm, runner
from tests.web.conftest import Web, entry_body


def cli_message(web: Web, *args: str, option: str) -> str:
    """The message the CLI printed for ``option`` (exit 1, nothing else)."""
    stderr = csbm(web.url, *args, expect=1).stderr
    line = next(line for line in stderr.splitlines() if line.startswith(f"{option}: "))
    return str(line).removeprefix(f"{option}: ")


def api_message(response: Any, field: str, status: int = 422) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    if status != 422:
        return str(body["detail"])
    return str(next(e["message"] for e in body["errors"] if e["field"] == field))


def page_shows(response: Any, message: str, status: int = 422) -> bool:
    assert response.status_code == status, response.text[:500]
    return message in html.unescape(response.text)


RANGE = "from=2025-06-01&to=2025-01-01"
TOO_LONG = "from=1950-01-01&to=2025-12-31"
UNKNOWN_STATE = "unknown state 'Belarus' (an ISO 3166-1 alpha-2 code, e.g. BY)"
UNKNOWN_PARTY = "unknown state or group 'Belarus' (an ISO 3166-1 alpha-2 code such as BY, or codes joined by +)"
# (the CLI's arguments, the option it names, the API's path, the page's path, the field, the message)
QUESTIONS = [
    (
        ["findings", "--from", "2025-06-01", "--to", "2025-01-01"],
        "--to",
        f"/api/v1/findings?{RANGE}",
        f"/findings?{RANGE}",
        "to",
        "the range ends on 2025-01-01, before it starts on 2025-06-01",
    ),
    (
        ["findings", "--from", "1950-01-01", "--to", "2025-12-31"],
        "--to",
        f"/api/v1/findings?{TOO_LONG}",
        f"/findings?{TOO_LONG}",
        "to",
        "the range is longer than 40 years; ask for less at a time",
    ),
    (
        ["findings", "--from", "2025-02-30"],
        "--from",
        "/api/v1/findings?from=2025-02-30",
        "/findings?from=2025-02-30",
        "from",
        "'2025-02-30' is not an ISO date (YYYY-MM-DD)",
    ),
    (
        ["quota", "--year", "1850"],
        "--year",
        "/api/v1/quota?year=1850",
        "/?year=1850",
        "year",
        "1850 is not a year from 1990 to 2100",
    ),
    (
        ["quota", "--state", "Belarus"],
        "--state",
        "/api/v1/quota?state=Belarus",
        "/?state=Belarus",
        "state",
        UNKNOWN_STATE,
    ),
    (
        ["declarations", "--state", "Belarus"],
        "--state",
        "/api/v1/declarations?state=Belarus",
        "/declarations?state=Belarus",
        "state",
        UNKNOWN_PARTY,
    ),
]


@pytest.mark.parametrize(("args", "option", "api", "page", "field", "expected"), QUESTIONS)
def test_the_same_bad_question_gets_the_same_message_everywhere_and_never_a_silent_clamp(
    web: Web, args: list[str], option: str, api: str, page: str, field: str, expected: str
) -> None:
    """Findings ranges (inverted, too long, a bad date), quota years and states, declaration filters."""
    assert cli_message(web, *args, option=option) == expected
    assert api_message(web.client.get(api, headers=web.as_("viewer")), field) == expected
    web.login("viewer")
    shown = web.client.get(page)
    assert page_shows(shown, expected)
    assert f'id="qe-{field}"' in shown.text  # beside its field


class TestTheDefaults:
    def test_the_default_findings_range_is_the_same_year_everywhere(self, web: Web) -> None:
        api = web.client.get("/api/v1/findings", headers=web.as_("viewer")).json()
        assert api == csbm(web.url, "findings", "--json")

    def test_the_default_year_and_the_quota_rows_are_the_same_everywhere(self, web: Web) -> None:
        api = web.client.get("/api/v1/quota?state=BY", headers=web.as_("viewer")).json()
        assert api == csbm(web.url, "quota", "--state", "BY", "--json")


class TestRevisionHistory:
    def test_an_unknown_ref_is_not_found_everywhere(self, web: Web) -> None:
        expected = "no entry with ref 'NOPE-1'"
        assert csbm(web.url, "ledger", "history", "NOPE-1", expect=1).stderr.strip() == expected
        response = web.client.get("/api/v1/entries/NOPE-1/history", headers=web.as_("viewer"))
        assert api_message(response, "ref", status=404) == expected
        web.login("viewer")
        assert page_shows(web.client.get("/entries/NOPE-1"), expected, status=404)

    def test_what_changed_is_the_same_everywhere(self, web: Web) -> None:
        h = web.as_("officer")
        web.client.post("/api/v1/entries", json=entry_body("HIST-1"), headers=h)
        web.client.put("/api/v1/entries/HIST-1", json=entry_body("HIST-1", status="conducted"), headers=h)
        api = web.client.get("/api/v1/entries/HIST-1/history", headers=web.as_("viewer")).json()
        assert api == csbm(web.url, "ledger", "history", "HIST-1", "--json")
        assert "status: 'accepted' -> 'conducted'" in csbm(web.url, "ledger", "history", "HIST-1").stdout
        web.login("viewer")
        assert "accepted → conducted" in web.client.get("/entries/HIST-1").text


class TestDeclarations:
    def test_the_filters_give_the_same_declarations_everywhere(self, web: Web) -> None:
        api = web.client.get("/api/v1/declarations?state=BY&year=2026", headers=web.as_("viewer")).json()
        assert api == csbm(web.url, "declarations", "--state", "BY", "--year", "2026", "--json")
        web.login("viewer")
        page = web.client.get("/declarations?state=BY&year=2026").text
        assert page.count("<tr><td>BY</td>") == len(api) == 2

    def test_a_bad_value_is_refused_everywhere(self, web: Web) -> None:
        expected = "value -5 is negative"
        result = runner.invoke(app, ["declare", "--database-url", web.url, "--", "BY", "2027", "units", "-5"])
        assert result.exit_code == 1
        assert result.stderr.strip() == f"value: {expected}"
        body = {"state": "BY", "year": 2027, "name": "units", "value": -5}
        response = web.client.post("/api/v1/declarations", json=body, headers=web.as_("officer"))
        assert api_message(response, "value") == expected
        csrf = web.login("officer")
        page = web.client.post("/declarations", data={**{k: str(v) for k, v in body.items()}, "csrf_token": csrf})
        assert page_shows(page, expected)


ENTRY = {"agreement": "vd2011", "activity": "inspection", "receiving-state": "BY", "requested-at": "2026-10-01"}
ENTRY_OPTIONS = [text for option, value in {**ENTRY, "status": "accepted"}.items() for text in (f"--{option}", value)]


class TestEntries:
    @pytest.mark.parametrize(
        ("command", "path", "action"),
        [
            (("ledger", "add", "--ref", "ONE-1"), "/api/v1/entries", "save"),
            (("check",), "/api/v1/entries/check", "check"),
        ],
    )
    def test_a_bad_field_of_an_entry_is_named_the_same_way(
        self, web: Web, command: tuple[str, ...], path: str, action: str
    ) -> None:
        expected = "unknown state 'Germany' (an ISO 3166-1 alpha-2 code, e.g. BY)"
        dates = ["--start", "2026-10-12", "--end", "2026-10-13"]
        cli = cli_message(
            web, *command, *ENTRY_OPTIONS, *dates, "--inspecting-state", "Germany", option="--inspecting-state"
        )
        body = entry_body("ONE-1", inspecting_state="Germany")
        api = api_message(web.client.post(path, json=body, headers=web.as_("officer")), "inspecting_state")
        csrf = web.login("officer")
        form = {k: str(v) for k, v in body.items()} | {"csrf_token": csrf, "action": action}
        page = web.client.post("/entries/new", data=form)
        assert cli == api == expected
        assert page_shows(page, expected)
        assert 'id="e-inspecting_state"' in page.text

    def test_an_end_before_the_start_is_refused_the_same_way(self, web: Web) -> None:
        expected = "end 2026-10-05 is before start 2026-10-12"
        dates = ["--start", "2026-10-12", "--end", "2026-10-05", "--inspecting-state", "NL"]
        assert cli_message(web, "check", *ENTRY_OPTIONS, *dates, option="--end") == expected
        body = entry_body("ONE-2", end="2026-10-05")
        response = web.client.post("/api/v1/entries/check", json=body, headers=web.as_("viewer"))
        assert api_message(response, "end") == expected
        csrf = web.login("officer")
        page = web.client.post("/entries/new", data={**{k: str(v) for k, v in body.items()}, "csrf_token": csrf})
        assert page_shows(page, expected)

    def test_an_unknown_agreement_is_named_the_same_way(self, web: Web) -> None:
        expected = "unknown agreement 'vd1999'"
        options = [o if o != "vd2011" else "vd1999" for o in ENTRY_OPTIONS]
        dates = ["--start", "2026-10-12", "--end", "2026-10-13", "--inspecting-state", "NL"]
        cli = cli_message(web, "check", *options, *dates, option="--agreement")
        body = entry_body("ONE-3", agreement="vd1999")
        api = api_message(web.client.post("/api/v1/entries/check", json=body, headers=web.as_("viewer")), "agreement")
        assert cli == api
        assert cli.startswith(expected)
        csrf = web.login("officer")
        page = web.client.post("/entries/new", data={**{k: str(v) for k, v in body.items()}, "csrf_token": csrf})
        assert page_shows(page, cli)
