"""Quota status and findings, as the CLI, the API, the dashboard and the findings page ask for them.

Each question is checked here once: the year, the date range and its cap, the
agreement and state filters, the "as of" moment of a replay. Every front end
then shows the same answer, and the same message for the same bad input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.domain.agreement import Agreement
from app.domain.errors import DomainError
from app.domain.findings import Finding
from app.domain.moments import parse_moment
from app.domain.quota import QuotaRow
from app.domain.summary import shown_rows
from app.services import catalog
from app.services.errors import InvalidInput
from app.services.quota_rows import party_has_state, rows_in_range
from app.services.states import checked_state

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.db.plain import PlainSession

FIRST_YEAR, LAST_YEAR = 1990, 2100
MAX_RANGE_YEARS = 40  # a findings range: the whole life of the oldest agreement, not more


def replay_moment(text: str | None) -> dt.datetime | None:
    """ "As recorded at": an ISO datetime (UTC when it has no zone), or a date meaning the end of that day."""
    if not text:
        return None
    try:
        moment = parse_moment(text, field="as_of")
    except DomainError as exc:
        raise InvalidInput.one("as_of", exc.message) from None
    if isinstance(moment, dt.datetime):
        return moment
    return dt.datetime.combine(moment, dt.time.max, tzinfo=dt.UTC)


def default_year(as_of: dt.datetime | None, today: dt.date) -> int:
    """The year a question is about when none is given: the replay's year, else this one."""
    return as_of.year if as_of is not None else today.year


def chosen_year(year: int | None, as_of: dt.datetime | None, today: dt.date) -> int:
    chosen = default_year(as_of, today) if year is None else year
    if not FIRST_YEAR <= chosen <= LAST_YEAR:
        raise InvalidInput.one("year", f"{chosen} is not a year from {FIRST_YEAR} to {LAST_YEAR}")
    return chosen


def chosen_agreements(
    session: Session | PlainSession, agreement: str | None, as_of: dt.datetime | None = None
) -> dict[str, Agreement]:
    """The agreements loaded (as of a replay), refusing a filter that names none of them."""
    agreements = catalog.agreements_as_of(session, as_of)
    if agreement and agreement not in agreements:
        known = ", ".join(sorted(agreements)) or "none loaded"
        raise InvalidInput.one("agreement", f"unknown agreement {agreement!r} (known: {known})")
    return agreements


@dataclass(frozen=True, slots=True)
class QuotaQuery:
    year: int
    agreement: str | None
    state: str | None
    as_of: dt.datetime | None
    agreements: Mapping[str, Agreement]


def quota_query(
    session: Session | PlainSession,
    *,
    year: int | None,
    agreement: str | None,
    state: str | None,
    as_of: str | None,
    today: dt.date,
) -> QuotaQuery:
    when = replay_moment(as_of)
    return QuotaQuery(
        year=chosen_year(year, when, today),
        agreement=agreement or None,
        state=checked_state(state),
        as_of=when,
        agreements=chosen_agreements(session, agreement, when),
    )


def rows_of(session: Session | PlainSession, query: QuotaQuery) -> list[QuotaRow]:
    """Every quota row of the year, in both directions."""
    start, end = dt.date(query.year, 1, 1), dt.date(query.year, 12, 31)
    return rows_in_range(
        session, query.agreements, start=start, end=end, agreement=query.agreement, as_of=query.as_of, state=query.state
    )


@dataclass(frozen=True, slots=True)
class QuotaStatus:
    """A year's quotas for a person: with a state, what it must still accept and may still conduct."""

    rows: list[QuotaRow]
    accept: list[QuotaRow]  # without a state: every row shown
    conduct: list[QuotaRow]
    hidden: int  # untouched pairwise rows left out (see app/domain/summary.py)


def quota_status(session: Session | PlainSession, query: QuotaQuery, *, show_all: bool = False) -> QuotaStatus:
    rows = rows_of(session, query)
    visible = rows if show_all else shown_rows(rows)
    if query.state is None:
        return QuotaStatus(rows, visible, [], len(rows) - len(visible))
    state = query.state

    def has(row: QuotaRow, party: str | None) -> bool:
        return party_has_state(query.agreements[row.agreement], party, state)

    accept = [r for r in visible if has(r, r.receiving_state)]
    conduct = [r for r in visible if has(r, r.inspecting_state)]
    return QuotaStatus(rows, accept, conduct, len(rows) - len(visible))


def _date(text: str | None, field: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.one(field, f"{text!r} is not an ISO date (YYYY-MM-DD)") from None


def findings_range(
    date_from: str | None, date_to: str | None, *, as_of: dt.datetime | None, today: dt.date
) -> tuple[dt.date, dt.date]:
    """The first and last start day asked for: 1 January of the default year to the end of
    the first day's year by default; never inverted, never longer than MAX_RANGE_YEARS."""
    start = _date(date_from, "from") or dt.date(default_year(as_of, today), 1, 1)
    end = _date(date_to, "to") or dt.date(start.year, 12, 31)
    if end < start:
        raise InvalidInput.one("to", f"the range ends on {end}, before it starts on {start}")
    if (end - start).days > 366 * MAX_RANGE_YEARS:
        raise InvalidInput.one("to", f"the range is longer than {MAX_RANGE_YEARS} years; ask for less at a time")
    return start, end


@dataclass(frozen=True, slots=True)
class FindingsQuery:
    start: dt.date
    end: dt.date
    agreement: str | None
    state: str | None
    as_of: dt.datetime | None
    agreements: Mapping[str, Agreement]


def findings_query(
    session: Session,
    *,
    date_from: str | None,
    date_to: str | None,
    agreement: str | None,
    state: str | None,
    as_of: str | None,
    today: dt.date,
) -> FindingsQuery:
    when = replay_moment(as_of)
    start, end = findings_range(date_from, date_to, as_of=when, today=today)
    return FindingsQuery(
        start=start,
        end=end,
        agreement=agreement or None,
        state=checked_state(state),
        as_of=when,
        agreements=chosen_agreements(session, agreement, when),
    )


def findings(session: Session, query: FindingsQuery) -> list[Finding]:
    """The findings about entries that start in the range, of the agreement and state asked for."""
    from app.services.evaluation import evaluate_range, findings_of

    evaluations = evaluate_range(
        session,
        query.agreements,
        start=query.start,
        end=query.end,
        agreement=query.agreement,
        as_of=query.as_of,
        with_rows=False,
        about_state=query.state,
    )
    return findings_of(evaluations, query.state)
