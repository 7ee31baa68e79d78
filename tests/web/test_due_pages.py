"""The Due page, the dashboard's panel, and the "Record reply" form, in English and Russian."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.conftest import Web, entry_body


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def requests(web: Web) -> Web:
    """Two Vienna Document inspections of Belarus awaiting its reply: one due soon, one overdue."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for ref, hours_ago in (("DUE-SOON", 2), ("DUE-LATE", 30)):
        asked = now - dt.timedelta(hours=hours_ago)
        body = entry_body(
            ref,
            inspecting_state="DE",
            requested_at=stamp(asked),
            start=stamp(now + dt.timedelta(days=20)),
            end=stamp(now + dt.timedelta(days=21)),
            status="requested",
        )
        assert web.client.post("/api/v1/entries", json=body, headers=web.as_("officer")).status_code == 201
    return web


def in_both_languages(web: Web, path: str) -> tuple[str, str]:
    """The page as a viewer sees it in English, then in Russian."""
    web.login("viewer")
    english = web.client.get(path).text
    web.client.get(f"/lang/ru?next={path}")
    return english, web.client.get(path).text


def test_the_due_page_lists_the_overdue_reply_first_and_says_so_in_words(requests: Web) -> None:
    page, russian = in_both_languages(requests, "/due?within=72h")
    assert page.index("DUE-LATE") < page.index("DUE-SOON")
    assert "overdue" in page
    assert "⚠" in page
    assert "Reply due" in page
    assert "UTC" in page
    assert "Срок ответа" in russian
    assert "просрочен" in russian


def test_the_dashboard_shows_the_next_72_hours_with_the_overdue_count(requests: Web) -> None:
    requests.login("viewer")
    page = requests.client.get("/").text
    assert "Due in the next 72 hours" in page
    assert "1 overdue" in page
    panel = page.split('<h2 id="due-soon">')[1].split("</section>")[0]
    assert panel.index("DUE-LATE") < panel.index("DUE-SOON")


def test_recording_a_reply_on_the_entry_page_makes_a_revision_and_the_deadline_leaves(requests: Web) -> None:
    csrf = requests.login("officer")
    page = requests.client.get("/entries/DUE-SOON").text
    assert "Record reply" in page
    refused = requests.client.post("/entries/DUE-SOON/reply", data={"csrf_token": csrf, "replied_at": ""})
    assert refused.status_code == 422
    done = requests.client.post("/entries/DUE-SOON/reply", data={"csrf_token": csrf, "answer": "accept"})
    assert done.status_code == 303
    after = requests.client.get("/entries/DUE-SOON").text
    assert "Record reply" not in after
    assert "Revision 2" in after
    rows = requests.client.get("/due?within=72h").text.split('<tr class="deadline-')[1:]
    assert [r for r in rows if "DUE-SOON" in r and "Reply due" in r] == []
    assert [r for r in rows if "DUE-LATE" in r and "Reply due" in r]
    again = requests.client.post("/entries/DUE-SOON/reply", data={"csrf_token": csrf, "answer": "refuse"})
    assert again.status_code == 409


def test_a_viewer_cannot_record_a_reply(requests: Web) -> None:
    csrf = requests.login("viewer")
    assert "Record reply" not in requests.client.get("/entries/DUE-SOON").text
    response = requests.client.post("/entries/DUE-SOON/reply", data={"csrf_token": csrf, "answer": "accept"})
    assert response.status_code == 403


def test_bad_filters_are_shown_beside_their_fields(requests: Web) -> None:
    requests.login("viewer")
    response = requests.client.get("/due?within=soon&at=noon")
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text


def test_an_agreement_page_lists_its_dates_of_the_year_with_their_source(web: Web) -> None:
    page, russian = in_both_languages(web, "/agreements/vd2011")
    assert "Dates of every year" in page
    assert "<strong>12-15</strong>" in page
    assert "Annual exchange of military information due" in page
    assert "Ежегодные даты" in russian
    assert "Срок ежегодного обмена военной информацией" in russian
