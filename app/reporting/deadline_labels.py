"""The words for deadline kinds and statuses, one set for the Due page and the calendar."""

from __future__ import annotations

from app.domain.messages import N_

DEADLINE_KINDS = {
    "reply": N_("Reply due"),
    "earliest_start": N_("Earliest start after the notice period"),
    "entry": N_("Entry into the territory"),
    "latest_end": N_("Latest end"),
    "report": N_("Report due"),
    "annual": N_("Date of the year"),
}
DEADLINE_STATUSES = {"open": N_("not yet due"), "missed": N_("overdue"), "met": N_("met")}
