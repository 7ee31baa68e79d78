"""The calendar as ICS: csbm calendar export, read back with the icalendar library, and the
feed tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.db.models import CalendarToken
from app.db.session import make_engine, transaction
from app.domain.ledger import LEDGER_COLUMNS
from app.services import accounts, calendar_feed
from tests.integration.cli_helpers import csbm

HEADER = ",".join(LEDGER_COLUMNS[:10]) + ",team_size,guests\n"
QUARTER = {
    # date-only, with guests: an all-day event over both days
    "Q-INS-1": "vd2011,inspection,DE,BY,2025-04-01,,2025-04-10,2025-04-11,conducted,6,IT:1 NL:1",
    # timed: in UTC; its deadlines (the notice period, the latest end) are events too
    "Q-EV-1": "vd2011,evaluation_visit,BY,LT,2025-05-01T09:00,,2025-05-15T08:00,2025-05-15T17:00,accepted,3,",
    # a timed request: its reply is due 24 hours later
    "Q-INS-5": "vd2011,inspection,NL,BY,2025-06-09T10:00,2025-06-09T18:00,2025-06-12,2025-06-13,accepted,4,",
    "Q-INS-2": "vd2011,inspection,PL,BY,2025-05-20,,2025-06-02,2025-06-03,cancelled,4,",
    # started in March, still under way in April: part of the quarter
    "Q-INS-3": "vd2011,inspection,LV,BY,2025-03-10,,2025-03-30,2025-04-02,conducted,4,",
}
OUTSIDE = {"Q-INS-4": "vd2011,inspection,NL,BY,2025-06-20,,2025-07-05,2025-07-06,accepted,4,"}


def ledger(tmp_path: Path, rows: dict[str, str], name: str = "ledger.csv") -> str:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{ref},{row}\n" for ref, row in rows.items()))
    return str(path)


@pytest.fixture
def loaded(database_url: str, tmp_path: Path) -> str:
    csbm(database_url, "agreements", "load")
    csbm(database_url, "ledger", "import", ledger(tmp_path, QUARTER | OUTSIDE))
    return database_url


def export(url: str, tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "quarter.ics"
    csbm(url, "calendar", "export", str(out), "--from", "2025-04-01", "--to", "2025-06-30", *args)
    parsed = Calendar.from_ical(out.read_bytes())
    return {str(event["uid"]): event for event in parsed.walk("VEVENT")}


def test_an_export_of_a_quarter_has_one_event_per_activity_and_the_deadlines(loaded: str, tmp_path: Path) -> None:
    events = export(loaded, tmp_path, "--agreement", "vd2011")
    activities = sorted(uid for uid, e in events.items() if "deadline" not in e.get("categories").cats)
    assert activities == sorted(f"{ref}@vd2011.csbm" for ref in QUARTER)
    deadlines = sorted(uid for uid in events if uid not in activities)
    assert deadlines == [
        "Q-EV-1.earliest_start@vd2011.csbm",
        "Q-EV-1.latest_end@vd2011.csbm",
        "Q-INS-5.entry@vd2011.csbm",
        "Q-INS-5.reply@vd2011.csbm",
    ]
    reply = events["Q-INS-5.reply@vd2011.csbm"]
    assert reply.decoded("dtstart") == dt.datetime(2025, 6, 10, 10, tzinfo=dt.UTC)
    [alarm] = reply.walk("VALARM")
    assert alarm.decoded("trigger") == -dt.timedelta(hours=6)
    assert "Responsible state: Belarus" in str(reply["description"])
    visit = events["Q-INS-1@vd2011.csbm"]
    # date-only: all-day, DTEND exclusive (the day after the last day)
    assert visit.decoded("dtstart") == dt.date(2025, 4, 10)
    assert visit.decoded("dtend") == dt.date(2025, 4, 12)
    assert "Italy 1, Netherlands 1" in str(visit["description"])
    timed = events["Q-EV-1@vd2011.csbm"]
    assert timed.decoded("dtstart") == dt.datetime(2025, 5, 15, 8, tzinfo=dt.UTC)
    assert timed["dtstart"].to_ical() == b"20250515T080000Z"
    assert str(timed["status"]) == "CONFIRMED"
    assert str(events["Q-INS-2@vd2011.csbm"]["status"]) == "CANCELLED"


def test_a_second_export_keeps_the_uids_and_a_revision_raises_the_sequence(loaded: str, tmp_path: Path) -> None:
    first = export(loaded, tmp_path)
    assert export(loaded, tmp_path).keys() == first.keys()
    assert first["Q-EV-1@vd2011.csbm"]["sequence"] == 1
    assert first["Q-EV-1.latest_end@vd2011.csbm"]["sequence"] == 1
    revised = QUARTER | {"Q-EV-1": QUARTER["Q-EV-1"].replace("accepted", "conducted")}
    csbm(loaded, "ledger", "import", ledger(tmp_path, revised, "revised.csv"))
    again = export(loaded, tmp_path)
    assert again.keys() == first.keys()
    assert again["Q-EV-1@vd2011.csbm"]["sequence"] == 2
    assert again["Q-EV-1.latest_end@vd2011.csbm"]["sequence"] == 2
    assert again["Q-INS-1@vd2011.csbm"]["sequence"] == 1


def test_the_filters_choose_the_activities_and_their_deadlines(loaded: str, tmp_path: Path) -> None:
    ev = ["Q-EV-1.earliest_start@vd2011.csbm", "Q-EV-1.latest_end@vd2011.csbm", "Q-EV-1@vd2011.csbm"]
    conducted = export(loaded, tmp_path, "--state", "BY", "--direction", "conducted")
    assert sorted(conducted) == ev
    assert list(export(loaded, tmp_path, "--state", "IT", "--direction", "guest")) == ["Q-INS-1@vd2011.csbm"]
    # Lithuania's own yearly dates come with it: none falls in this quarter
    assert sorted(export(loaded, tmp_path, "--state", "LT", "--agreement", "vd2011")) == ev


def test_a_yearly_date_of_an_agreement_is_an_all_day_event_with_an_alarm(loaded: str, tmp_path: Path) -> None:
    out = tmp_path / "december.ics"
    csbm(loaded, "calendar", "export", str(out), "--from", "2025-12-01", "--to", "2025-12-31", "--state", "BY")
    [event] = [e for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT") if "annual" in str(e["uid"])]
    assert str(event["uid"]) == "annual_exchange.2025.annual@vd2011.csbm"
    assert event.decoded("dtstart") == dt.date(2025, 12, 15)
    assert event.decoded("dtend") == dt.date(2025, 12, 16)
    assert str(event["summary"]) == "Annual exchange of military information due: vd2011 (Belarus)"
    assert event.walk("VALARM")


def test_bad_options_are_named_and_nothing_is_written(loaded: str, tmp_path: Path) -> None:
    out = tmp_path / "bad.ics"
    result = csbm(loaded, "calendar", "export", str(out), "--from", "2025-06-30", "--to", "2025-04-01", expect=1)
    assert "--to:" in result.stderr
    result = csbm(loaded, "calendar", "export", str(out), "--direction", "sideways", expect=1)
    assert "--direction: 'sideways' is not one of received, conducted, guest" in result.stderr
    assert not out.exists()


def test_a_feed_token_is_stored_hashed_revocable_and_never_audited(loaded: str) -> None:
    now = dt.datetime.now(dt.UTC)
    engine = make_engine(loaded)
    with transaction(engine, write=True) as s:
        accounts.add_user(
            s, username="ana", password="correct horse battery", role=accounts.Role.VIEWER, at=now, by="t"
        )
    token = csbm(loaded, "calendar", "token", "create", "ana").stdout.strip()
    assert token.startswith("csbmcal_")
    with transaction(engine) as s:
        assert calendar_feed.feed_principal(s, token) is not None
        assert accounts.token_principal(s, token, now=now) is None  # no API token
        assert calendar_feed.feed_principal(s, token[:-1] + "x") is None
        stored = list(s.scalars(select(CalendarToken.token_hash)))
        audit = [(r.action, r.target, r.before, r.after) for r in accounts.audit_trail(s, page=1)[0]]
    assert stored == [accounts.digest(token)]
    assert ("calendar_token.create", "ana", None, None) in audit
    assert token not in repr(audit)
    second = csbm(loaded, "calendar", "token", "create", "ana").stdout.strip()
    csbm(loaded, "calendar", "token", "revoke", "ana")
    with transaction(engine) as s:
        assert calendar_feed.feed_principal(s, token) is None  # replaced by the second
        assert calendar_feed.feed_principal(s, second) is None  # revoked
    assert "ana has no feed token" in csbm(loaded, "calendar", "token", "revoke", "ana", expect=1).stderr
    third = csbm(loaded, "calendar", "token", "create", "ana").stdout.strip()
    csbm(loaded, "users", "disable", "ana")
    with transaction(engine) as s:
        assert calendar_feed.feed_principal(s, third) is None  # a disabled user's feed stops
    engine.dispose()
