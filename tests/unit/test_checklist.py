"""The agencies to inform of a team's arrival and departure, from the home-state file."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.catalog.home import load_home, parse_home
from app.catalog.loader import CatalogError
from app.domain.checklist import Event, Mark, checklist
from app.domain.ledger import Status
from app.services.catalog import shipped_agreements
from tests.builders import make_entry as entry

BY = load_home(shipped_agreements() / "home", "BY")


def test_belarus_informs_four_agencies_named_in_both_languages_with_the_public_source() -> None:
    assert BY is not None
    assert [(a.id, a.name_en, a.name_ru) for a in BY.agencies] == [
        ("mfa", "Ministry of Foreign Affairs", "Министерство иностранных дел"),
        ("transport", "Ministry of Transport and Communications", "Министерство транспорта и коммуникаций"),
        ("border", "State Border Committee", "Государственный пограничный комитет"),
        ("customs", "State Customs Committee", "Государственный таможенный комитет"),
    ]
    assert "Resolution No. 1173" in BY.source.document


def test_a_state_without_a_file_has_no_checklist() -> None:
    assert load_home(shipped_agreements() / "home", "DE") is None


def test_a_bad_home_file_names_its_line_and_field() -> None:
    text = "state: BY\nsource: {document: x, confidence: text}\nagencies:\n  - id: Bad Id\n    name: {en: a, ru: b}\n"
    with pytest.raises(CatalogError) as raised:
        parse_home(text, "home/BY.yaml")
    assert str(raised.value.issues[0]).startswith("home/BY.yaml:4: agencies[0].id:")


def test_an_item_is_done_once_marked() -> None:
    assert BY is not None
    received = entry("R1", receiving_state="BY", inspecting_state="DE")
    mark = Mark(agency="border", event=Event.ARRIVAL, done_at=dt.datetime(2025, 4, 15, tzinfo=dt.UTC), done_by="duty")
    items = checklist(received, BY, [mark])
    assert len(items) == 8
    assert [(str(i.event), i.agency.id) for i in items if i.done] == [("arrival", "border")]


@given(status=st.sampled_from(list(Status)), receiving=st.sampled_from(["BY", "LT"]))
def test_only_activities_we_receive_where_a_team_comes_get_a_checklist(status: Status, receiving: str) -> None:
    assert BY is not None
    other = "DE"
    found = checklist(entry("R1", receiving_state=receiving, inspecting_state=other, status=status), BY, [])
    no_team = status in (Status.REFUSED, Status.CANCELLED, Status.FORCE_MAJEURE, Status.REFUSED_FORCE_MAJEURE)
    assert bool(found) == (receiving == "BY" and not no_team)
