"""The words of the report's tables and headings, marked for translation (app/locale)."""

from __future__ import annotations

from app.domain.messages import N_

ACTIVITY_LABELS = {
    "inspection": N_("inspections"),
    "evaluation_visit": N_("evaluation visits"),
    "declared_site_inspection": N_("declared-site inspections"),
    "challenge_inspection": N_("challenge inspections"),
    "observation_flight": N_("observation flights"),
}
KIND_LABELS = {
    "passive": N_("quota"),
    "per_inspecting_state": N_("per inspecting state"),
    "pair": N_("bilateral quota"),
    "active": N_("active quota"),
    "per_object": N_("per unit"),
    "per_object_per_inspecting_state": N_("per unit and inspecting state"),
}
# Severity names as shown in tables, translated.
SEVERITY_WORDS = {"violation": N_("violation"), "warning": N_("warning"), "info": N_("info")}
SEVERITY_LABELS = {"violation": N_("Violations"), "warning": N_("Warnings"), "info": N_("Information")}
STATUS_LABELS = {
    "requested": N_("requested"),
    "accepted": N_("accepted"),
    "conducted": N_("conducted"),
    "refused": N_("refused"),
    "cancelled": N_("cancelled"),
    "force_majeure": N_("force majeure"),
    "refused_force_majeure": N_("refused (force majeure)"),
    "curtailed": N_("curtailed"),
    "prohibited": N_("prohibited"),
}
CAUSE_LABELS = {
    "observing_party": N_("cause on the observing party's side"),
    "observed_party": N_("cause on the observed party's side"),
    "air_traffic_control": N_("air traffic control (force majeure)"),
}
CHANGE_LABELS = {
    "entry_into_force": N_("entry into force"),
    "joined": N_("joined"),
    "suspension": N_("suspension"),
    "suspension_ended": N_("suspension ended"),
    "withdrawal": N_("withdrawal"),
    "termination": N_("termination"),
}
LABELS = {
    "home_state": N_("Home state"),
    "period": N_("Period"),
    "generated_at": N_("Generated at"),
    "input_hash": N_("Input hash (sha256)"),
    "version": N_("Software version"),
    "cover_note": N_(
        "Quota rows are counted up to the last day of the period. Findings concern the activities "
        "that start in the period. Each finding cites the rule's source and its confidence."
    ),
    "summary": N_("Quota summary"),
    "agreement": N_("Agreement"),
    "quota": N_("Quota"),
    "object": N_("Unit or object"),
    "limit": N_("Limit"),
    "used": N_("Used"),
    "pending": N_("Pending"),
    "remaining": N_("Remaining"),
    "nothing": N_("No quota applies."),
    "findings": N_("Findings"),
    "no_findings": N_("No findings."),
    "entry": N_("Entry"),
    "code": N_("Code"),
    "severity": N_("Severity"),
    "rule": N_("Rule"),
    "responsible": N_("Responsible state"),
    "message": N_("Message"),
    "entries": N_("Activities that start in the period"),
    "no_entries": N_("No activities start in the period."),
    "ref": N_("Reference"),
    "activity": N_("Activity"),
    "inspecting": N_("Inspecting state"),
    "receiving": N_("Receiving state"),
    "start": N_("Start"),
    "end": N_("End"),
    "status": N_("Status"),
    "team": N_("Team"),
    "location": N_("Location"),
    "changes": N_("Changes in the agreements' force"),
    "no_changes": N_("No agreement changed its force in the period."),
    "date": N_("Date"),
    "state": N_("State"),
    "change": N_("Change"),
    "comparison": N_("Comparison with the previous period"),
    "difference": N_("Change"),
    "page": N_("Page"),
    "summary_sheet": N_("Summary"),
    "requested_at": N_("Requested at"),
    "replied_at": N_("Replied at"),
    "notes": N_("Notes"),
    "period_start": N_("Period start"),
    "period_end": N_("Period end"),
    "kind": N_("Kind"),
    "guests": N_("Guests"),
    "as_guest": N_("Took part as a guest"),
    "as_guest_note": N_(
        "Activities of other states in which the home state took part as a guest: "
        "they count against none of its quotas."
    ),
    "no_as_guest": N_("The home state took part in no other state's activity as a guest."),
    "force": N_("Force"),
    "force_since": N_("Force since"),
}
