"""Plain-language finding messages; each cites the rule's source."""

from __future__ import annotations

from app.domain.agreement import Source
from app.domain.findings import Code

_TEMPLATES: dict[Code, str] = {
    Code.REFUSED_WITHIN_QUOTA: (
        "{ref}: {receiving} refused a request that was inside every quota and timing rule of {agreement}"
    ),
    Code.LATE_REPLY: "{ref}: {receiving} replied after {hours:g} h; the rule allows {limit} h",
    Code.SHORT_NOTICE: "{ref}: the request gave {hours:g} h notice; at least {limit} h are required",
    Code.DURATION_EXCEEDED: "{ref}: the activity lasted {hours:g} h; at most {limit} h are allowed",
    Code.TEAM_SIZE_EXCEEDED: "{ref}: the team had {count} members; at most {limit} are allowed",
    Code.BEYOND_QUOTA: (
        "{ref}: counted as number {count} against {scope} of {limit} for {period}; "
        "{receiving} is not obliged to accept it, and accepting it is voluntary"
    ),
    Code.BEYOND_COUNTERPARTY_CAP: (
        "{ref}: number {count} from {inspecting} against {scope} of {limit} for {period}; "
        "{receiving} is not obliged to accept it"
    ),
    Code.BEYOND_OBJECT_CAP: (
        "{ref}: visit number {count} to {object} against {scope} of {limit} for {period}; "
        "{receiving} is not obliged to accept it"
    ),
    Code.MISSING_DECLARATION: "{ref}: the limit of {scope} is unknown: no declaration of {missing}",
    Code.CONCURRENT_ACTIVITY: (
        "{ref}: {count} counted activities overlapped on the territory of {receiving}; at most {limit} at a time"
    ),
    Code.ACTIVE_QUOTA_EXCEEDED: (
        "{ref}: {inspecting} conducted number {count} against an active quota of {limit} for {period}"
    ),
    Code.NOT_IN_FORCE: (
        "{ref}: {agreement} was not in force between {inspecting} and {receiving} on the activity's dates"
    ),
}


def finding_message(code: Code, source: Source, **values: object) -> str:
    return f"{_TEMPLATES[code].format(**values)}. Source: {source.cite()}."
