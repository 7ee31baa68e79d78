"""The due service on both databases: entries' deadlines and the agreements' dates."""

from __future__ import annotations

import datetime as dt

from app.db.session import make_engine, transaction
from app.domain.agreement import Activity
from app.domain.deadlines import DeadlineKind, DeadlineStatus
from app.domain.ledger import Status
from app.services import catalog, deadlines, ledger
from tests.builders import make_entry, t

H = dt.timedelta(hours=1)
REQUESTED = t(2026, 11, 2, 8)


def test_due_lists_open_and_missed_deadlines_soonest_first_for_a_state(database_url: str) -> None:
    engine = make_engine(database_url)
    request = make_entry(
        "VD-DUE",
        requested_at=REQUESTED,
        start=REQUESTED + 30 * H,
        end=REQUESTED + 60 * H,
        status=Status.REQUESTED,
    )
    elsewhere = make_entry(
        "EV-FR",
        activity=Activity.EVALUATION_VISIT,
        inspecting_state="FR",
        receiving_state="PL",
        requested_at=REQUESTED,
        start=REQUESTED + 200 * H,
        end=REQUESTED + 205 * H,
        status=Status.REQUESTED,
    )
    with transaction(engine, write=True) as session:
        catalog.load_agreements(session, None, at=REQUESTED - 100 * H, by="test")
        agreements = catalog.agreements_as_of(session)
        for entry in (request, elsewhere):
            ledger.record_entry(session, entry, agreements, at=REQUESTED, by="test")
    with transaction(engine) as session:
        soon = deadlines.due(session, at=REQUESTED + 6 * H, within=72 * H, state="BY", home="BY")
        later = deadlines.due(session, at=REQUESTED + 25 * H, state="BY", home="BY")
    engine.dispose()
    assert [(d.ref, d.kind, d.status) for d in soon] == [
        ("VD-DUE", DeadlineKind.REPLY, DeadlineStatus.OPEN),
        ("VD-DUE", DeadlineKind.ENTRY, DeadlineStatus.OPEN),
        ("VD-DUE", DeadlineKind.LATEST_END, DeadlineStatus.OPEN),
    ]
    assert soon[0].due_at == REQUESTED + 24 * H
    assert soon[0].responsible_state == "BY"
    reply = next(d for d in later if d.kind is DeadlineKind.REPLY)
    assert reply.status is DeadlineStatus.MISSED
    assert later[0] == reply
    # Beyond 72 hours, the year's dates of Belarus's agreements come in; FR-PL is not Belarus's.
    annual = [d for d in later if d.kind is DeadlineKind.ANNUAL]
    assert {(d.agreement, d.responsible_state) for d in annual} >= {("vd2011", "BY"), ("cfe", "BY")}
    assert "EV-FR" not in {d.ref for d in later}
