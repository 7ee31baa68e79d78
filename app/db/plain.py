"""A read-only SQLite transaction through the standard library's driver, for the reads
in app/db/quota_reads.py: a quick ``csbm quota`` runs them without importing SQLAlchemy
(a fifth of what that command costs to start).

Only a plain ``sqlite:///PATH`` URL of an existing file is served; anything else is
left to app/db/session.py, which also creates a missing file and sets the database up.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

SQLITE_BUSY_TIMEOUT_S = 60.0  # app/db/session.py's SQLITE_BUSY_TIMEOUT_MS


class PlainSession:
    """One snapshot of the database: every read of the session sees the same data."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def rows(self, sql: str, params: Mapping[str, Any]) -> list[Any]:
        return self._connection.execute(sql, {name: bound(value) for name, value in params.items()}).fetchall()


def bound(value: Any) -> Any:
    """A day as SQLAlchemy stores it on SQLite (ISO text); a moment is refused: its stored
    form is UtcDateTime's (app/db/types.py), and replays are read through SQLAlchemy."""
    if isinstance(value, dt.datetime):
        raise TypeError("a moment is bound by SQLAlchemy's UtcDateTime, not here")
    return value.isoformat() if isinstance(value, dt.date) else value


def sqlite_file(url: str) -> str | None:
    """The file a ``sqlite:///PATH`` URL names, if it exists; None for every other URL
    (options, escapes, drivers, memory), which SQLAlchemy reads."""
    prefix = "sqlite:///"
    path = url[len(prefix) :] if url.startswith(prefix) else ""
    if not path or any(c in path for c in "?%#") or not os.path.isfile(path):
        return None
    return path


@contextmanager
def plain_session(path: str) -> Iterator[PlainSession]:
    """A read transaction on the file, rolled back at the end (it writes nothing)."""
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None)
    try:
        connection.execute("BEGIN")
        yield PlainSession(connection)
    finally:
        connection.close()
