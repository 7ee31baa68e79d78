"""The calendar in one language: month and weekday names, and what an activity is called."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from babel.dates import format_date, get_day_names

from app.domain.agreement import Agreement
from app.domain.calendar import Month, ScheduledDeadline
from app.domain.ledger import LedgerEntry
from app.domain.messages import N_
from app.reporting.deadline_labels import DEADLINE_KINDS, DEADLINE_STATUSES
from app.reporting.i18n import Localizer
from app.reporting.labels import STATUS_LABELS
from app.reporting.view import guests_text, moment_text

# One activity, as an event is named (the ledger's labels are plural: "inspections").
ACTIVITY_NAMES = {
    "inspection": N_("inspection"),
    "evaluation_visit": N_("evaluation visit"),
    "declared_site_inspection": N_("declared-site inspection"),
    "challenge_inspection": N_("challenge inspection"),
    "observation_flight": N_("observation flight"),
}


def month_title(month: Month, loc: Localizer) -> str:
    """ "June 2025", "июнь 2025 г." (the month's standalone name)."""
    return format_date(month.first, format="LLLL y", locale=loc.lang).capitalize()


def weekdays(loc: Localizer) -> list[tuple[str, str]]:
    """(abbreviated, full) weekday names, Monday first."""
    short, full = get_day_names("abbreviated", locale=loc.lang), get_day_names("wide", locale=loc.lang)
    return [(str(short[i]).capitalize(), str(full[i]).capitalize()) for i in range(7)]


def day_label(day: dt.date, loc: Localizer) -> str:
    return format_date(day, format="full", locale=loc.lang)


def activity_name(entry: LedgerEntry, loc: Localizer) -> str:
    return loc._(ACTIVITY_NAMES[entry.activity])


def activity_summary(entry: LedgerEntry, loc: Localizer) -> str:
    """ "Inspection: Germany → Belarus (BY-2025-INS-01)"."""
    states = f"{loc.state(entry.inspecting_state)} → {loc.state(entry.receiving_state)}"
    return f"{activity_name(entry, loc).capitalize()}: {states} ({entry.ref})"


def activity_details(entry: LedgerEntry, loc: Localizer) -> list[str]:
    """The lines of an event's description."""
    lines = [
        f"{loc._('Agreement')}: {entry.agreement}",
        f"{loc._('Status')}: {loc._(STATUS_LABELS[entry.status])}",
        f"{loc._('Start')}: {moment_text(entry.start, loc)}",
        f"{loc._('End')}: {moment_text(entry.end, loc)}",
    ]
    if entry.team_size is not None:
        lines.append(f"{loc._('Team')}: {loc.number(entry.team_size)}")
    if entry.guests:
        lines.append(f"{loc._('Guests')}: {guests_text(entry, loc)}")
    if entry.object:
        lines.append(f"{loc._('Unit or object')}: {entry.object}")
    if entry.notes:
        lines.append(f"{loc._('Notes')}: {entry.notes}")
    return lines


def deadline_summary(scheduled: ScheduledDeadline, agreements: Mapping[str, Agreement], loc: Localizer) -> str:
    """ "Reply due: VD-2025-INS-PL-1 (Belarus)", or an agreement's yearly date by its title."""
    d = scheduled.deadline
    who = f" ({loc.state(d.responsible_state)})" if d.responsible_state else ""
    if d.ref:
        return f"{loc._(DEADLINE_KINDS[d.kind])}: {d.ref}{who}"
    titles = {item.id: item for item in agreements[d.agreement].dates} if d.agreement in agreements else {}
    item = titles.get(d.subject)
    title = (item.title_ru if loc.lang == "ru" else item.title_en) if item else d.subject
    return f"{title}: {d.agreement}{who}"


def deadline_details(scheduled: ScheduledDeadline, loc: Localizer) -> list[str]:
    d = scheduled.deadline
    source = ", ".join(p for p in (d.source.document, d.source.paragraph) if p)
    lines = [
        f"{loc._('Agreement')}: {d.agreement}",
        f"{loc._('Due')}: {loc.date(scheduled.day) if scheduled.all_day else moment_text(d.due_at, loc)}",
        f"{loc._('Status')}: {loc._(DEADLINE_STATUSES[d.status])}",
        f"{loc._('Source')}: {source} ({loc._(str(d.source.confidence))})",
    ]
    if d.responsible_state:
        lines.insert(1, f"{loc._('Responsible state')}: {loc.state(d.responsible_state)}")
    return lines
