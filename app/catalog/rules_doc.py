"""docs/rules.md: every rule csbm applies, written out from the agreement files themselves.

The document is generated (``csbm agreements doc``) and a test compares it with
the agreements, so it cannot drift from what csbm counts. Each rule has an
anchor, ``<agreement>-<rule>``, that finding messages point at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from app.domain.agreement import (
    Agreement,
    AgreementDate,
    Confidence,
    CountUnit,
    Limit,
    LimitKind,
    PartyGroup,
    PartyTimeline,
    Provision,
    QuotaRule,
    Source,
    TimingKind,
    TimingRule,
)
from app.domain.messages import rule_anchor as anchor

HEADER = """# The rules csbm applies

This document is generated from the agreement files in `agreements/` by
`csbm agreements doc`; do not edit it by hand (a test keeps the two equal).
Every value carries its source and a confidence:

- **text**: read in the treaty or the document itself;
- **secondary**: from a secondary source (a ministry page, a press release, news);
- **believed**: a working value, not confirmed; change it in the agreement file when a
  source is found, never in code.

How the rules are applied (what counts, statuses, findings) is in
[semantics.md](semantics.md). The values still unconfirmed are listed at the end.
"""

_TIMING = {
    TimingKind.REPLY_WITHIN_HOURS: "the receiving state replies within {v} h of the request",
    TimingKind.MIN_NOTICE_HOURS: "the request gives at least {v} h notice before the start",
    TimingKind.MAX_DURATION_HOURS: "it lasts at most {v} h",
    TimingKind.MAX_TEAM_SIZE: "the team has at most {v} members",
    TimingKind.ENTRY_WITHIN_HOURS: "entry into the territory within {v} h of the request (for reference)",
    TimingKind.REPORT_WITHIN_HOURS: "the inspecting state reports within {v} h of the end (a deadline only)",
}


def cite(source: Source) -> str:
    where = f"{source.document}, {source.paragraph}" if source.paragraph else source.document
    note = f" {source.note[0].upper()}{source.note[1:].rstrip('.')}." if source.note else ""
    return f"{where} (confidence: **{source.confidence}**).{note}"


def render(agreements: Iterable[Agreement]) -> str:
    chosen = sorted(agreements, key=lambda a: a.id)
    parts = [HEADER, _contents(chosen), *(_agreement(a) for a in chosen), _unconfirmed(chosen)]
    return "\n".join(parts).rstrip() + "\n"


def _contents(agreements: list[Agreement]) -> str:
    lines = ["## Agreements", ""] + [f"- [{a.title_en}](#{a.id}) (`{a.id}`)" for a in agreements]
    return "\n".join([*lines, ""])


def _agreement(a: Agreement) -> str:
    lines = [f'<a id="{a.id}"></a>', f"## {a.title_en} (`{a.id}`)", "", f"*{a.title_ru}*", ""]
    lines += [f"Legal basis: {a.legal_basis}.", ""]
    lines += [f'<a id="{anchor(a.id, "status")}"></a>', "### In force", ""]
    ends = f", terminated on {a.terminated_on}" if a.terminated_on else ""
    lines += [f"From {a.in_force_from}{ends}. Source: {cite(a.status_source)}", ""]
    lines += [
        *_section("Parties", _parties(a)),
        *_section("Groups of states", map(_group, a.groups)),
        *_quota_rules(a),
        *_section("Timing rules", (line for rule in a.timing_rules for line in _timing_rule(a, rule))),
        *_section("Outcomes and refusals", _outcomes(a)),
        *_section("Dates of every year", map(_date, a.dates)),
        *_section("Provisions kept for reference", map(_provision, a.provisions)),
    ]
    return "\n".join(lines)


def _section(title: str, lines: Iterable[str]) -> list[str]:
    """A ``###`` section of ``lines``; nothing at all when there are none."""
    body = list(lines)
    return [f"### {title}", "", *body, ""] if body else []


def _parties(a: Agreement) -> Iterator[str]:
    plain = sorted(s for s, t in a.parties.items() if _ordinary(a, t))
    yield f"From entry into force: {', '.join(plain)}." if plain else "No party from entry into force."
    yield ""
    for state, timeline in sorted(a.parties.items()):
        if not _ordinary(a, timeline):
            yield from _timeline(state, timeline)


def _ordinary(a: Agreement, t: PartyTimeline) -> bool:
    return t.joined_on == a.in_force_from and t.withdrew_on is None and not t.suspensions


def _timeline(state: str, t: PartyTimeline) -> Iterator[str]:
    events = [f"party from {t.joined_on}"]
    if t.withdrew_on:
        events.append(f"out from {t.withdrew_on}")
    for s in t.suspensions:
        toward = f" toward {', '.join(sorted(s.toward))}" if s.toward else ""
        until = f" until {s.end}" if s.end else ""
        events.append(f"suspended{toward} from {s.start}{until} ({cite(s.source)})")
    source = f" Source: {cite(t.source)}" if t.source else ""
    yield f"- **{state}**: {'; '.join(events)}.{source}"


def _group(g: PartyGroup) -> str:
    members = ", ".join(f"{m.state} from {m.start}" + (f" to {m.end}" if m.end else "") for m in g.members)
    shares = "one shared quota" if g.shares_quota else "no shared quota"
    return f"- **{g.name_en}** (`{g.id}`, {shares}): {members}. Source: {cite(g.source)}"


def _quota_rules(a: Agreement) -> Iterator[str]:
    yield "### Quota rules"
    yield ""
    for rule in a.quota_rules:
        yield from _quota_rule(a, rule)


def _quota_rule(a: Agreement, rule: QuotaRule) -> Iterator[str]:
    yield f'<a id="{anchor(a.id, rule.id)}"></a>'
    yield f"#### `{rule.id}`"
    yield ""
    counted = ", ".join(sorted(str(c) for c in rule.counts))
    yield f"- {rule.description}." if rule.description else f"- {rule.kind} quota."
    yield f"- Kind `{rule.kind}`, counting {counted}, per {_period(rule)}; limit {_limit(rule.limit)}."
    for party, limit in sorted(rule.party_limits.items()):
        yield f"  - {party}: {_limit(limit)}"
    if rule.counts_per is CountUnit.OBJECT:
        yield "- A mission to several objects counts once per object."
        if rule.counts_per_source:
            yield f"  Source: {cite(rule.counts_per_source)}"
    if rule.notice_when_filled:
        yield "- When the quota is filled, the party informs the other parties (csbm drafts the notice)."
        yield f"  Source: {cite(rule.notice_when_filled)}"
    yield f"- Source: {cite(rule.source)}"
    yield ""


def _period(rule: QuotaRule) -> str:
    spec = rule.period
    if spec.kind == "treaty_year":
        return f"treaty year from {spec.start_month:02d}-{spec.start_day:02d}"
    return str(spec.kind).replace("_", " ")


def _limit(limit: Limit) -> str:
    if limit.kind is LimitKind.CONSTANT:
        return f"**{limit.value}**"
    assert limit.formula is not None  # the catalog guarantees one
    refs = ", ".join(f"`{r.name}` = the {r.side} side's limit of `{r.rule}`" for r in limit.refs)
    return f"`{limit.formula.text}`" + (f" where {refs}" if refs else "")


def _timing_rule(a: Agreement, rule: TimingRule) -> Iterator[str]:
    rule_id = f"{rule.activity}.{rule.kind}"
    text = _TIMING.get(rule.kind, f"{rule.kind}: {{v}}").format(v=rule.value)
    if rule.per_further_object:
        text += f", plus {rule.per_further_object} h for each further object of a mission"
        text += f", at most {rule.cap} h" if rule.cap is not None else ""
    yield f'- <a id="{anchor(a.id, rule_id)}"></a>`{rule_id}`: {text}. Source: {cite(rule.source)}'
    if rule.kind is TimingKind.MAX_TEAM_SIZE:
        whom = "the whole team, guests included" if rule.team == "whole_team" else "the lead state's own inspectors"
        yield f"  Counts {whom}." + (f" Source: {cite(rule.team_source)}" if rule.team_source else "")


def _outcomes(a: Agreement) -> Iterator[str]:
    for status, outcome in sorted(a.outcomes.items()):
        counts = "counts as used" if outcome.counted else "counts against nothing"
        unless = (
            f" unless its cause is {', '.join(sorted(outcome.uncounted_causes))}" if outcome.uncounted_causes else ""
        )
        compliant = "" if outcome.compliant else "; refusing so is not compliant"
        yield f"- `{status}`: {counts}{unless}{compliant}. Source: {cite(outcome.source)}"
    for activity, source in sorted(a.refusable.items()):
        yield f"- `{activity}` may be refused even within quota. Source: {cite(source)}"


def _date(d: AgreementDate) -> str:
    whom = "each party" if d.parties == "each_party" else "the home state"
    day = dt.date(2024, d.month, d.day).strftime("%-d %B")  # a leap year: 29 February exists
    return f"- `{d.id}`, every {day}: {d.title_en}; for {whom}. Source: {cite(d.source)}"


def _provision(p: Provision) -> str:
    return f"- `{p.id}`: {p.text} Source: {cite(p.source)}"


def _unconfirmed(agreements: list[Agreement]) -> str:
    lines = ["## Still unconfirmed", "", "Values whose confidence is *believed*, by agreement:", ""]
    for a in agreements:
        found = sorted(set(_believed(a)))
        if found:
            lines.append(f"- [`{a.id}`](#{a.id}): " + "; ".join(found) + ".")
    return "\n".join([*lines, ""])


def _believed(a: Agreement) -> Iterator[str]:
    believed = Confidence.BELIEVED
    if a.status_source.confidence is believed:
        yield "the date it entered into force"
    for rule in a.quota_rules:
        if rule.source.confidence is believed:
            yield f"`{rule.id}`"
    for t in a.timing_rules:
        if t.source.confidence is believed:
            yield f"`{t.activity}.{t.kind}`"
        if t.team_source is not None and t.team_source.confidence is believed:
            yield f"whom `{t.activity}.{t.kind}` counts"
    for d in a.dates:
        if d.source.confidence is believed:
            yield f"the date `{d.id}`"
    for state, timeline in a.parties.items():
        sources = [s.source for s in timeline.suspensions] + ([timeline.source] if timeline.source else [])
        if any(s.confidence is believed for s in sources):
            yield f"{state}'s dates"
