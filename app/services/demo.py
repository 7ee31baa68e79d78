"""The sample data for Belarus. ILLUSTRATIVE: not a record of real activities.

2002-2020: the published Chapter X totals (Belarus MoD, "Arms control" page,
2020): 32 inspections and 61 evaluation visits received, 28 inspections and
62 evaluation visits conducted, under the agreements with Lithuania, Latvia,
Poland and Ukraine. The split by year and partner is not public; here each
total is spread evenly over the (agreement, year) slots the quotas allow,
one each way per year and agreement, within the years each was in force.
These entries are date-only, so no timing rule is guessed, and they keep
every quota: they raise no findings.

2025-2026: a realistic set across the Vienna Document, the bilateral
agreements, the CFE (Belarus fully suspended it in May 2024) and Open Skies,
with declarations, chosen so that several kinds of finding appear.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.domain.agreement import Activity
from app.domain.ledger import Declaration, LedgerEntry, Status
from app.services import catalog
from app.services.ledger import import_entries

ILLUSTRATIVE = "ILLUSTRATIVE sample data, not a real record"

# (agreement, partner, first year in force). The UA agreement entered into force
# on 26 Apr 2002, so its activities are dated from May.
CHAPTER_X = (
    ("by-lt-2001", "LT", 2002),
    ("by-ua-2001", "UA", 2002),
    ("by-lv-2004", "LV", 2005),
    ("by-pl-2004", "PL", 2005),
)
CHAPTER_X_TOTALS = {
    ("received", Activity.INSPECTION): 32,
    ("received", Activity.EVALUATION_VISIT): 61,
    ("conducted", Activity.INSPECTION): 28,
    ("conducted", Activity.EVALUATION_VISIT): 62,
}
# Month and day of each kind of activity, by direction, so that no two overlap.
_WHEN = {
    ("received", Activity.INSPECTION): (5, 4),
    ("received", Activity.EVALUATION_VISIT): (6, 16),
    ("conducted", Activity.INSPECTION): (8, 4),
    ("conducted", Activity.EVALUATION_VISIT): (9, 16),
}


# The Lithuanian agreement provides an evaluation visit a year and no inspections.
_NO_INSPECTIONS = {"by-lt-2001"}


def chapter_x_slots(activity: Activity = Activity.EVALUATION_VISIT) -> list[tuple[str, str, int]]:
    return [
        (a, p, y)
        for y in range(2002, 2021)
        for a, p, first in CHAPTER_X
        if y >= first and not (activity is Activity.INSPECTION and a in _NO_INSPECTIONS)
    ]


def chapter_x_entries() -> list[LedgerEntry]:
    entries = []
    for (direction, activity), total in CHAPTER_X_TOTALS.items():
        slots = chapter_x_slots(activity)
        month, day = _WHEN[(direction, activity)]
        for k in range(total):
            agreement, partner, year = slots[k * len(slots) // total]
            offset = CHAPTER_X.index(next(c for c in CHAPTER_X if c[0] == agreement))
            start = dt.date(year, month, day + offset * 3)
            length = 3 if activity is Activity.INSPECTION else 0
            received = direction == "received"
            kind = "INS" if activity is Activity.INSPECTION else "EV"
            entries.append(
                LedgerEntry(
                    ref=f"CX-{partner}-{year}-{kind}-{'IN' if received else 'OUT'}",
                    agreement=agreement,
                    activity=activity,
                    inspecting_state=partner if received else "BY",
                    receiving_state="BY" if received else partner,
                    requested_at=start - dt.timedelta(days=14),
                    start=start,
                    end=start + dt.timedelta(days=length),
                    status=Status.CONDUCTED,
                    team_size=3,
                    location="specified area" if activity is Activity.INSPECTION else "",
                    object=""
                    if activity is Activity.INSPECTION
                    else f"{partner if not received else 'BY'} unit {k % 7 + 1}",
                    notes=ILLUSTRATIVE,
                )
            )
    return entries


def _t(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def _entry(ref: str, agreement: str, activity: Activity, insp: str, recv: str, **kw: Any) -> LedgerEntry:
    return LedgerEntry(
        ref=ref,
        agreement=agreement,
        activity=activity,
        inspecting_state=insp,
        receiving_state=recv,
        notes=kw.pop("notes", ILLUSTRATIVE),
        **kw,
    )


def recent_entries() -> list[LedgerEntry]:
    """2025-2026, with datetimes so that the timing rules are checked."""
    I, E, D, F = (  # noqa: E741 - short names keep the table below readable
        Activity.INSPECTION,
        Activity.EVALUATION_VISIT,
        Activity.DECLARED_SITE_INSPECTION,
        Activity.OBSERVATION_FLIGHT,
    )
    C, A, Q, R = Status.CONDUCTED, Status.ACCEPTED, Status.REQUESTED, Status.REFUSED
    return [
        # Vienna Document inspections received by Belarus in 2025: a late reply, an
        # oversized team, a second one from Lithuania and a fourth beyond the quota.
        _entry(
            "VD-2025-INS-LT-1",
            "vd2011",
            I,
            "LT",
            "BY",
            requested_at=_t(2025, 3, 10),
            replied_at=_t(2025, 3, 11, 15),
            start=_t(2025, 3, 12),
            end=_t(2025, 3, 14),
            status=C,
            team_size=4,
            location="Grodno region",
        ),
        _entry(
            "VD-2025-INS-PL-1",
            "vd2011",
            I,
            "PL",
            "BY",
            requested_at=_t(2025, 5, 5),
            replied_at=_t(2025, 5, 5, 20),
            start=_t(2025, 5, 7),
            end=_t(2025, 5, 9),
            status=C,
            team_size=5,
            location="Brest region",
            notes=ILLUSTRATIVE + "; Polish-led team with a guest inspector",
        ),
        _entry(
            "VD-2025-INS-LV-1",
            "vd2011",
            I,
            "LV",
            "BY",
            requested_at=_t(2025, 9, 1),
            replied_at=_t(2025, 9, 1, 18),
            start=_t(2025, 9, 3),
            end=_t(2025, 9, 5),
            status=C,
            team_size=4,
            location="Vitebsk region",
        ),
        _entry(
            "VD-2025-INS-LT-2",
            "vd2011",
            I,
            "LT",
            "BY",
            requested_at=_t(2025, 11, 3),
            replied_at=_t(2025, 11, 3, 12),
            start=_t(2025, 11, 5),
            end=_t(2025, 11, 7),
            status=C,
            team_size=4,
            location="Minsk region",
            notes=ILLUSTRATIVE + "; accepted voluntarily",
        ),
        # Evaluation visits: quota 3 for Belarus (units 170), and a short-notice request.
        _entry(
            "VD-2025-EV-DE-1",
            "vd2011",
            E,
            "DE",
            "BY",
            requested_at=_t(2025, 4, 1),
            replied_at=_t(2025, 4, 2),
            start=_t(2025, 4, 15, 8),
            end=_t(2025, 4, 15, 17),
            status=C,
            team_size=3,
            object="BY 120th Mechanised Brigade",
        ),
        _entry(
            "VD-2025-EV-BY-RS",
            "vd2011",
            E,
            "BY",
            "RS",
            requested_at=_t(2025, 6, 2),
            start=_t(2025, 6, 20, 8),
            end=_t(2025, 6, 20, 16),
            status=C,
            team_size=3,
            object="RS 2nd Army Brigade",
        ),
        _entry(
            "VD-2025-EV-BY-LT",
            "vd2011",
            E,
            "BY",
            "LT",
            requested_at=_t(2025, 10, 1),
            replied_at=_t(2025, 10, 1, 12),
            start=_t(2025, 10, 4, 8),
            end=_t(2025, 10, 4, 18),
            status=C,
            team_size=3,
            object="LT Iron Wolf Brigade",
        ),
        # Chapter X in 2025.
        _entry(
            "CX-LT-2025-EV-IN",
            "by-lt-2001",
            E,
            "LT",
            "BY",
            requested_at=_t(2025, 6, 2),
            start=_t(2025, 6, 24, 8),
            end=_t(2025, 6, 24, 16),
            status=C,
            team_size=3,
            object="BY 6th Mechanised Brigade",
        ),
        _entry(
            "CX-LV-2025-INS-OUT",
            "by-lv-2004",
            I,
            "BY",
            "LV",
            requested_at=_t(2025, 8, 4),
            replied_at=_t(2025, 8, 4, 10),
            start=_t(2025, 8, 6),
            end=_t(2025, 8, 8),
            status=C,
            team_size=4,
            location="Latgale",
        ),
        # Open Skies over Belarus: two flights whose windows overlap.
        _entry(
            "OS-2025-HU-BY",
            "open-skies",
            F,
            "HU",
            "BY",
            requested_at=_t(2025, 7, 1),
            replied_at=_t(2025, 7, 1, 10),
            start=_t(2025, 7, 7),
            end=_t(2025, 7, 9),
            status=C,
            team_size=12,
            location="Kubinka-Minsk route",
        ),
        _entry(
            "OS-2025-RO-BY",
            "open-skies",
            F,
            "RO",
            "BY",
            requested_at=_t(2025, 7, 2),
            replied_at=_t(2025, 7, 2, 10),
            start=_t(2025, 7, 8, 12),
            end=_t(2025, 7, 10),
            status=C,
            team_size=12,
            location="Minsk-Gomel route",
        ),
        _entry(
            "OS-2025-BY-HU",
            "open-skies",
            F,
            "BY",
            "HU",
            requested_at=_t(2025, 9, 10, 7),
            replied_at=_t(2025, 9, 10, 8),
            start=_t(2025, 9, 15),
            end=_t(2025, 9, 16),
            status=C,
            team_size=10,
            location="Budapest route",
        ),
        # 2026: a refusal within quota, a third visit to one unit, a long visit,
        # and a CFE request after Belarus's full suspension.
        _entry(
            "VD-2026-INS-SE-1",
            "vd2011",
            I,
            "SE",
            "BY",
            requested_at=_t(2026, 2, 9),
            replied_at=_t(2026, 2, 9, 20),
            start=_t(2026, 2, 11),
            end=_t(2026, 2, 13),
            status=R,
            team_size=4,
            location="Mogilev region",
        ),
        _entry(
            "VD-2026-EV-FR-1",
            "vd2011",
            E,
            "FR",
            "BY",
            requested_at=_t(2026, 3, 2),
            start=_t(2026, 3, 16, 8),
            end=_t(2026, 3, 16, 22),
            status=C,
            team_size=3,
            object="BY 120th Mechanised Brigade",
        ),
        _entry(
            "VD-2026-EV-GB-1",
            "vd2011",
            E,
            "GB",
            "BY",
            requested_at=_t(2026, 5, 4),
            start=_t(2026, 5, 20, 8),
            end=_t(2026, 5, 20, 17),
            status=C,
            team_size=3,
            object="BY 120th Mechanised Brigade",
        ),
        _entry(
            "VD-2026-EV-IT-1",
            "vd2011",
            E,
            "IT",
            "BY",
            requested_at=_t(2026, 9, 1),
            start=_t(2026, 9, 15, 8),
            end=_t(2026, 9, 15, 17),
            status=A,
            team_size=3,
            object="BY 120th Mechanised Brigade",
        ),
        _entry(
            "CX-LV-2026-EV-IN",
            "by-lv-2004",
            E,
            "LV",
            "BY",
            requested_at=_t(2026, 10, 1),
            start=_t(2026, 10, 12, 8),
            end=_t(2026, 10, 12, 16),
            status=Q,
            team_size=3,
            object="BY 19th Mechanised Brigade",
        ),
        _entry(
            "CX-PL-2026-INS-OUT",
            "by-pl-2004",
            I,
            "BY",
            "PL",
            requested_at=_t(2026, 6, 1),
            replied_at=_t(2026, 6, 1, 9),
            start=_t(2026, 6, 3),
            end=_t(2026, 6, 5),
            status=C,
            team_size=4,
            location="Podlaskie",
        ),
        _entry(
            "CFE-2026-DSI-KZ-BY",
            "cfe",
            D,
            "KZ",
            "BY",
            requested_at=_t(2026, 4, 6),
            start=_t(2026, 4, 8),
            end=_t(2026, 4, 9),
            status=A,
            team_size=9,
            location="declared site, Borisov",
        ),
        _entry(
            "VD-2026-EV-BY-LT",
            "vd2011",
            E,
            "BY",
            "LT",
            requested_at=_t(2026, 4, 20),
            start=_t(2026, 4, 23, 8),
            end=_t(2026, 4, 23, 16),
            status=C,
            team_size=3,
            object="LT Iron Wolf Brigade",
        ),
    ]


DECLARATIONS = (
    Declaration(
        state="BY",
        year=2025,
        name="units",
        value=170,
        source=f"annual exchange of military information 2024 ({ILLUSTRATIVE})",
    ),
    Declaration(
        state="BY",
        year=2026,
        name="units",
        value=165,
        source=f"annual exchange of military information 2025 ({ILLUSTRATIVE})",
    ),
    Declaration(state="LT", year=2025, name="units", value=45, source=ILLUSTRATIVE),
    Declaration(state="LT", year=2026, name="units", value=48, source=ILLUSTRATIVE),
    Declaration(state="LV", year=2025, name="units", value=30, source=ILLUSTRATIVE),
    Declaration(state="LV", year=2026, name="units", value=32, source=ILLUSTRATIVE),
    Declaration(state="PL", year=2025, name="units", value=310, source=ILLUSTRATIVE),
    Declaration(state="PL", year=2026, name="units", value=320, source=ILLUSTRATIVE),
    Declaration(state="BY", year=2024, name="oov", value=40, source=ILLUSTRATIVE),
    Declaration(state="BY", year=2025, name="oov", value=40, source=ILLUSTRATIVE),
    Declaration(state="BY", year=2026, name="oov", value=40, source=ILLUSTRATIVE),
)


def load_demo(session: Session, *, at: dt.datetime, by: str) -> dict[str, int]:
    """Loading twice changes nothing: unchanged entries and declarations are skipped."""
    catalog.load_agreements(session, None, at=at, by=by)
    recorded = sum(repo.record_declaration(session, d, at=at, by=by) for d in DECLARATIONS)
    summary = import_entries(session, chapter_x_entries() + recent_entries(), at=at, by=by)
    return {
        "entries_created": summary.created,
        "entries_revised": summary.revised,
        "entries_unchanged": summary.unchanged,
        "declarations_recorded": recorded,
    }
