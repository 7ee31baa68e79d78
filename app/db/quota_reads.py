"""The reads quota status takes, written once as SQL both drivers run.

Every agreement's entries of its window in one query, as plain tuples of only the
columns an entry needs; the declarations of the years a limit may use; the agreements'
current documents. The general queries (app/db/repositories.py) build ORM-aware rows
and domain entries checked field by field; at a year of tens of thousands of entries
that cost more than the quota engine itself.

The same text runs through SQLAlchemy (a Session, on SQLite and PostgreSQL) and
through the standard library's sqlite3 (a PlainSession, app/db/plain.py), which a
quick ``csbm quota`` uses without importing SQLAlchemy. Nothing heavy is imported here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from app.db.plain import PlainSession, bound
from app.domain.agreement import Activity
from app.domain.counted_entry import CountedEntry, counted_entry
from app.domain.ledger import Cause, LedgerEntry, Status, canonical_objects, parse_guests, stored_entry
from app.domain.moments import stored_moment

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.domain.limits import DeclarationKey

_Read = TypeVar("_Read")

# The latest revision recorded by :as_of, found per row from the (entry_id, revision)
# key (repositories._latest_by says why: not NOT EXISTS), its ref by primary key.
_ENTRIES = """SELECT r.agreement, {columns}
FROM entry_revisions AS r
WHERE ({windows}){recorded} AND r.revision = (SELECT max(later.revision) FROM entry_revisions AS later
 WHERE later.entry_id = r.entry_id{later_recorded})"""
_WINDOW = "r.agreement = :a{i} AND r.start_on BETWEEN :f{i} AND :l{i}"
_WHOLE = """(SELECT ledger_entries.ref FROM ledger_entries WHERE ledger_entries.id = r.entry_id) AS ref,
 r.activity, r.inspecting_state, r.receiving_state, r.requested_iso, r.replied_iso, r.start_iso,
 r.end_iso, r.status, r.team_size, r.location, r.object, r.notes, r.guests, r.cause"""
# What counting reads (app/domain/counted_entry.py): no ref, so no lookup of it per row.
_COUNTED = "r.activity, r.inspecting_state, r.receiving_state, r.start_on, r.status, r.object, r.cause"

# The later revision is sought by d.id, not v.declaration_id (the same value): SQLite then
# applies the year before it, instead of seeking later revisions of every year's figures.
_DECLARATIONS = """SELECT d.state, d.year, d.name, v.value
FROM declarations AS d JOIN declaration_revisions AS v ON v.declaration_id = d.id
WHERE d.year IN ({years}) AND NOT (EXISTS (SELECT * FROM declaration_revisions AS later
 WHERE later.declaration_id = d.id AND later.revision > v.revision{later_recorded})){recorded}"""

_DOCUMENTS = """SELECT a.agreement_id, a.sha256, a.content, a.filename FROM agreement_versions AS a
WHERE NOT (EXISTS (SELECT * FROM agreement_versions AS later
 WHERE later.agreement_id = a.agreement_id AND later.version > a.version{later_recorded})){recorded}
ORDER BY a.agreement_id"""


def _rows(session: Session | PlainSession, sql: str, params: Mapping[str, Any]) -> list[Any]:
    if isinstance(session, PlainSession):
        return session.rows(sql, params)
    if not any(isinstance(v, dt.datetime) for v in params.values()):
        return _driver_rows(session, sql, params)
    from sqlalchemy import bindparam, text

    from app.db.types import UtcDateTime

    # A moment is bound as the columns store it (UTC), which the statement cannot say.
    moments = [bindparam(name, type_=UtcDateTime()) for name, v in params.items() if isinstance(v, dt.datetime)]
    return list(session.connection().execute(text(sql).bindparams(*moments), dict(params)))


def _driver_rows(session: Session, sql: str, params: Mapping[str, Any]) -> list[Any]:
    """The rows as the session's driver gives them, plain tuples in one fetch, on the
    session's connection and so in its transaction. A year's status reads thousands of
    rows, and SQLAlchemy's own rows, fetched one at a time, cost a sixth of the read."""
    from sqlalchemy.exc import DBAPIError

    connection = session.connection()
    dialect, cursor = connection.dialect, connection.connection.cursor()
    if dialect.name == "sqlite":
        sql, params = sql, {name: bound(value) for name, value in params.items()}
    else:
        sql, params = _pyformat(sql), dict(params)
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    except dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy's own execution does: its error classes, and a lost connection
        # never handed out again.
        if dialect.is_disconnect(exc, connection.connection, cursor):
            connection.invalidate(exc)
        raise DBAPIError.instance(sql, params, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
    finally:
        cursor.close()


@lru_cache(maxsize=64)
def _pyformat(sql: str) -> str:
    """The statement with psycopg's placeholders: :name becomes %(name)s (none of these
    statements holds a % or a :: of its own)."""
    return _NAMED.sub(r"%(\1)s", sql)


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def _replayed(sql: str, as_of: dt.datetime | None, alias: str, column: str, **parts: str) -> tuple[str, dict[str, Any]]:
    """The statement with its "recorded by as_of" conditions, or none without a replay."""
    if as_of is None:
        return sql.format(recorded="", later_recorded="", **parts), {}
    conditions = {"recorded": f" AND {alias}.{column} <= :as_of", "later_recorded": f" AND later.{column} <= :as_of"}
    return sql.format(**conditions, **parts), {"as_of": as_of}


def entries_in_windows(
    session: Session | PlainSession, windows: Mapping[str, tuple[dt.date, dt.date]], as_of: dt.datetime | None = None
) -> dict[str, list[LedgerEntry]]:
    """Each agreement's entries (as of ``as_of``) whose start falls in its window [first, last]."""
    return _in_windows(session, windows, as_of, _WHOLE, _entry)


def counted_in_windows(
    session: Session | PlainSession, windows: Mapping[str, tuple[dt.date, dt.date]], as_of: dt.datetime | None = None
) -> dict[str, list[CountedEntry]]:
    """``entries_in_windows`` as counting reads them, for quota rows (``CountedEntry``)."""
    return _in_windows(session, windows, as_of, _COUNTED, _counted)


def _in_windows(
    session: Session | PlainSession,
    windows: Mapping[str, tuple[dt.date, dt.date]],
    as_of: dt.datetime | None,
    columns: str,
    made: Callable[[Any], _Read],
) -> dict[str, list[_Read]]:
    found: dict[str, list[_Read]] = {agreement: [] for agreement in windows}
    if not windows:
        return found
    params: dict[str, Any] = {}
    for i, (agreement, (first, last)) in enumerate(windows.items()):
        params |= {f"a{i}": agreement, f"f{i}": first, f"l{i}": last}
    within = " OR ".join(_WINDOW.format(i=i) for i in range(len(windows)))
    sql, moment = _replayed(_ENTRIES, as_of, "r", "recorded_at", windows=within, columns=columns)
    for row in _rows(session, sql, params | moment):
        found[row[0]].append(made(row))
    return found


def declarations_in(
    session: Session | PlainSession, years: Iterable[int], as_of: dt.datetime | None = None
) -> dict[DeclarationKey, int]:
    """Every party's declared figures of ``years`` (as of ``as_of``): (state, year, name) to value."""
    chosen = sorted(set(years))
    if not chosen:
        return {}
    params: dict[str, Any] = {f"y{i}": year for i, year in enumerate(chosen)}
    sql, moment = _replayed(_DECLARATIONS, as_of, "v", "recorded_at", years=", ".join(f":{name}" for name in params))
    return {(state, year, name): value for state, year, name, value in _rows(session, sql, params | moment)}


class Document(NamedTuple):
    """An agreement's file as loaded: its id, hash, text and file name."""

    agreement_id: str
    sha256: str
    content: str
    filename: str


def agreement_documents(session: Session | PlainSession, as_of: dt.datetime | None = None) -> list[Document]:
    """The latest loaded document of every agreement (loaded by ``as_of``), by id."""
    sql, moment = _replayed(_DOCUMENTS, as_of, "a", "loaded_at")
    return [Document(*row) for row in _rows(session, sql, moment)]


# Enum members by their stored value: a dict lookup, not Enum's call machinery, per row.
_ACTIVITIES = {member.value: member for member in Activity}
_STATUSES = {member.value: member for member in Status}


def _entry(row: Any) -> LedgerEntry:
    agreement, ref, activity, inspecting, receiving, requested, replied, start, end, status, *rest = row
    team_size, location, obj, notes, guests, cause = rest
    return stored_entry(
        (
            ref,
            agreement,
            _ACTIVITIES[activity],
            inspecting,
            receiving,
            stored_moment(requested),
            stored_moment(replied) if replied else None,
            stored_moment(start),
            stored_moment(end),
            _STATUSES[status],
            team_size,
            location,
            obj,
            notes,
            parse_guests(guests) if guests else (),
            Cause(cause) if cause else None,
        )
    )


def _counted(row: Any) -> CountedEntry:
    agreement, activity, inspecting, receiving, start, status, obj, cause = row
    return counted_entry(
        (
            agreement,
            _ACTIVITIES[activity],
            inspecting,
            receiving,
            start if isinstance(start, dt.date) else dt.date.fromisoformat(start),  # SQLite gives the ISO text
            _STATUSES[status],
            canonical_objects(obj),  # as stored_entry puts them
            Cause(cause) if cause else None,
        )
    )
