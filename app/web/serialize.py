"""JSON shapes shared by the CLI and the API."""

from __future__ import annotations

import datetime as dt


def utc_iso(moment: dt.datetime) -> str:
    return (moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)).isoformat()
