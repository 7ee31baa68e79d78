"""Plain-language finding messages; each cites the rule's source.

The templates are gettext message ids: the domain renders them in English,
and the reporting layer renders the same templates and parameters through a
translation catalogue. ``N_`` marks them for extraction without translating.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.domain.agreement import Source
from app.domain.findings import Code


def N_(message: str) -> str:
    return message


_TEMPLATES: dict[Code, str] = {
    Code.REFUSED_WITHIN_QUOTA: N_(
        "{ref}: {receiving} refused a request that was inside every quota and timing rule of {agreement}"
    ),
    Code.LATE_REPLY: N_("{ref}: {receiving} replied after {hours} h; the rule allows {limit} h"),
    Code.SHORT_NOTICE: N_("{ref}: the request gave {hours} h notice; at least {limit} h are required"),
    Code.DURATION_EXCEEDED: N_("{ref}: the activity lasted {hours} h; at most {limit} h are allowed"),
    Code.TEAM_SIZE_EXCEEDED: N_("{ref}: the team had {count} members; at most {limit} are allowed"),
    Code.BEYOND_QUOTA: N_(
        "{ref}: counted as number {count} against {scope} of {limit} for {period}; "
        "{receiving} is not obliged to accept it, and accepting it is voluntary"
    ),
    Code.BEYOND_COUNTERPARTY_CAP: N_(
        "{ref}: number {count} from {inspecting} against {scope} of {limit} for {period}; "
        "{receiving} is not obliged to accept it"
    ),
    Code.BEYOND_OBJECT_CAP: N_(
        "{ref}: visit number {count} to {object} against {scope} of {limit} for {period}; "
        "{receiving} is not obliged to accept it"
    ),
    Code.MISSING_DECLARATION: N_(
        "{owner} has no declaration of {name} for {year}: the limit of {scope} is unknown, "
        "and {count} entries cannot be checked against it: {refs}"
    ),
    Code.CONCURRENT_ACTIVITY: N_(
        "{ref}: {count} counted activities overlapped on the territory of {receiving}; at most {limit} at a time"
    ),
    Code.ACTIVE_QUOTA_EXCEEDED: N_(
        "{ref}: {inspecting} conducted number {count} against an active quota of {limit} for {period}"
    ),
    Code.NOT_IN_FORCE: N_(
        "{ref}: {agreement} was not in force between {inspecting} and {receiving} on {day}: {standing}"
    ),
}
# How an obligation stands, in the words the quota rows use too: "suspended since 2024-05-24".
STANDING_TEMPLATES: dict[str, tuple[str, str]] = {
    "in_force": (N_("in force since {since}"), N_("in force")),
    "suspended": (N_("suspended since {since}"), N_("suspended")),
    "withdrawn": (N_("withdrawn since {since}"), N_("withdrawn")),
    "not_in_force": (N_("not in force since {since}"), N_("not in force")),
}
SOURCE_TEMPLATE = N_("Source: {where} (confidence: {confidence})")
RULE_TEMPLATE = N_("The rule: docs/rules.md#{anchor}")
RULES_DOCUMENT = "docs/rules.md"


def rule_anchor(agreement: str, rule: str | None = None) -> str:
    """A rule's place in docs/rules.md: ``<agreement>-<rule>``, or the agreement's own section."""
    return f"{agreement}-{rule}" if rule else agreement


CONFIDENCE_WORDS = {"text": N_("text"), "secondary": N_("secondary"), "believed": N_("believed")}

Params = tuple[tuple[str, str], ...]


def _identity(message: str) -> str:
    return message


def message_params(source: Source, **values: object) -> Params:
    """The values a message is rendered from, as text, including its source."""
    where = f"{source.document} {source.paragraph}" if source.paragraph else source.document
    found = {name: _text(value) for name, value in values.items()}
    found |= {"source_where": where, "source_confidence": str(source.confidence)}
    return tuple(sorted(found.items()))


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def standing_words(
    force: str, since: str | None, translate: Callable[[str], str] = _identity, day: Callable[[str], str] = _identity
) -> str:
    """ "suspended since 2024-05-24"; ``day`` formats the date for the reader's locale."""
    with_since, without = STANDING_TEMPLATES[force]
    return translate(with_since).format(since=day(since)) if since else translate(without)


def render_message(
    code: Code,
    params: Params | Mapping[str, str],
    translate: Callable[[str], str] = _identity,
    day: Callable[[str], str] = _identity,
) -> str:
    values = dict(params)
    if "force" in values:
        values["standing"] = standing_words(values["force"], values.get("since") or None, translate, day)
    text = translate(_TEMPLATES[code]).format(**values)
    confidence = translate(CONFIDENCE_WORDS.get(values["source_confidence"], values["source_confidence"]))
    source = translate(SOURCE_TEMPLATE).format(where=values["source_where"], confidence=confidence)
    if "rule_anchor" not in values:
        return f"{text}. {source}."
    return f"{text}. {source}. {translate(RULE_TEMPLATE).format(anchor=values['rule_anchor'])}."
