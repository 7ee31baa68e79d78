"""The stored texts of a ledger CSV row, checked without building its LedgerEntry.

An import checks and converts every row of its file, and building the row's
LedgerEntry (its enums, moments and __post_init__ checks) cost most of that.
Most rows are of the plain shape: known codes, moments seen before, at most one
object, no guests. For those, ``QuickRows.texts`` makes the checks parse_values
and LedgerEntry make, straight on the texts, and gives the texts row_texts
would. For any other row, and for every row it is unsure of, it says None,
and the row goes through parse_values, which gives the located errors; a test
holds the two to each other.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from app.domain.chain import ABSENT
from app.domain.ledger import MAX_OBJECT, OBJECT_SEPARATOR, REF_PATTERN, STATE_CODE, Cause, Status
from app.domain.moments import day_of, format_moment, start_instant

if TYPE_CHECKING:
    from app.services.ledger_csv import EntryContext

# A moment's stored text, its day's, and what its checks compare: its first instant and its day.
_Moment = tuple[str, str, dt.datetime, dt.date]
_CURTAILED = Status.CURTAILED.value
_CAUSES = frozenset(c.value for c in Cause)


class QuickRows:
    """The texts of plain rows, for one import's context (its caches fill as rows come)."""

    def __init__(self, context: EntryContext, max_cell: int) -> None:
        self.context, self.max_cell = context, max_cell
        # (agreement, activity, status) as texts: one look-up checks all three and their pairing.
        self.kinds = {
            (key, activity.value, status.value)
            for key, activities in context.activities.items()
            for activity in activities
            for status in context.statuses[key]
        }
        self.states = frozenset(s for s in context.states if STATE_CODE.match(s))
        self.moments: dict[str, _Moment | None] = {}
        self.team_sizes: dict[str, str] = {}

    def texts(self, row: list[str]) -> tuple[str, ...] | None:
        """``row_texts`` of the entry parse_values makes of ``row`` (stripped texts in
        LEDGER_COLUMNS order), or None where this cannot tell it without parse_values."""
        return self.plain_texts(row) if self.of_known_kind(row) else None

    def of_known_kind(self, row: list[str]) -> bool:
        """Whether the row's agreement, activity and status are known and go together: the
        one check of ``texts`` that needs the agreements."""
        return (row[1], row[2], row[9]) in self.kinds

    def plain_texts(self, row: list[str]) -> tuple[str, ...] | None:
        """``texts`` for a row of a known kind: every other check, none of which needs the
        agreements (so an import can make them before it has read the agreements)."""
        ref, agreement, activity, inspecting, receiving, requested, replied, start, end = row[:9]
        status, team_size, location, object_, notes, guests, cause = row[9:]
        if (
            guests
            or inspecting not in self.states
            or receiving not in self.states
            or inspecting == receiving
            or (cause and (status != _CURTAILED or cause not in _CAUSES))
            or (object_ and (OBJECT_SEPARATOR in object_ or len(object_) > MAX_OBJECT))
            or not REF_PATTERN.match(ref)
            or max(map(len, row)) > self.max_cell
        ):
            return None
        moments = self.moments
        asked = moments.get(requested) or self._moment(requested)
        first = moments.get(start) or self._moment(start)
        last = moments.get(end) or self._moment(end)
        if asked is None or first is None or last is None or last[2] < first[2] or last[3] < first[3]:
            return None
        if replied:
            answered = moments.get(replied) or self._moment(replied)
            if answered is None or answered[2] < asked[2]:
                return None
            replied = answered[0]
        else:
            replied = ABSENT
        if team_size:
            team_size = self.team_sizes.get(team_size) or self._team_size(team_size)
            if not team_size:
                return None
        else:
            team_size = ABSENT
        return (
            agreement,
            activity,
            inspecting,
            receiving,
            asked[0],
            replied,
            first[0],
            last[0],
            first[1],
            last[1],
            status,
            team_size,
            location,
            object_,
            notes,
            "",
            cause,
        )

    def _moment(self, text: str) -> _Moment | None:
        if not text:
            return None
        moment = self.context.moment(text, "moment")
        found = None
        if not isinstance(moment, str):
            day = day_of(moment)
            found = (format_moment(moment), day.isoformat(), start_instant(moment), day)
        if len(self.moments) < 100_000:
            self.moments[text] = found
        return found

    def _team_size(self, text: str) -> str:
        """The stored text of a team size given in plain digits ("" for any other text)."""
        stored = str(int(text)) if text.isascii() and text.isdigit() else ""
        if stored and len(self.team_sizes) < 10_000:
            self.team_sizes[text] = stored
        return stored
