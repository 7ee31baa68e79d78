"""Small builders for tests: agreements from the shipped files, entries with defaults."""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import cache
from pathlib import Path
from typing import Any

from app.catalog.loader import load_directory
from app.domain.agreement import Activity, Agreement
from app.domain.counted_entry import COUNTED_COLUMNS, CountedEntry
from app.domain.ledger import LEDGER_COLUMNS, LedgerEntry, Status

ROOT = Path(__file__).resolve().parent.parent


@cache
def counted(entry: LedgerEntry) -> CountedEntry:
    """The entry as a quota status reads it: only the fields counting reads."""
    return CountedEntry(*(getattr(entry, name) for name in COUNTED_COLUMNS))


def shipped() -> dict[str, Agreement]:
    return {item.agreement.id: item.agreement for item in load_directory(ROOT / "agreements")}


def t(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def make_entry(ref: str = "E-1", **overrides: Any) -> LedgerEntry:
    start = overrides.pop("start", dt.date(2025, 5, 5))
    values: dict[str, Any] = {
        "agreement": "vd2011",
        "activity": Activity.INSPECTION,
        "inspecting_state": "DE",
        "receiving_state": "BY",
        "requested_at": start - dt.timedelta(days=10) if isinstance(start, dt.date) else start,
        "start": start,
        "end": start,
        "status": Status.CONDUCTED,
    }
    values.update(overrides)
    if isinstance(values["activity"], str):
        values["activity"] = Activity(values["activity"])
    if isinstance(values["status"], str):
        values["status"] = Status(values["status"])
    return LedgerEntry(ref=ref, **values)


CSV_HEADER = ",".join(LEDGER_COLUMNS)


def csv_row(ref: str, **overrides: str) -> str:
    values = {
        "agreement": "vd2011",
        "activity": "inspection",
        "inspecting_state": "DE",
        "receiving_state": "BY",
        "requested_at": "2025-05-01",
        "replied_at": "",
        "start": "2025-05-05",
        "end": "2025-05-07",
        "status": "conducted",
        "team_size": "4",
        "location": "Minsk region",
        "object": "",
        "notes": "",
        "guests": "",
        "cause": "",
    }
    values.update(overrides)
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([ref, *values.values()])
    return out.getvalue()
