"""From a schema-valid agreement file to a domain ``Agreement``.

The checks here are the ones a schema cannot express: references between
rules, formulas that parse and always give a whole, non-negative number,
states that are parties. Each problem is returned with its field path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from app.catalog.schema import (
    AgreementFile,
    DateModel,
    LimitModel,
    OutcomeModel,
    PartyBlock,
    QuotaRuleModel,
    RefModel,
    SourceModel,
    TimingRuleModel,
)
from app.domain.agreement import (
    Agreement,
    AgreementDate,
    GroupMember,
    Limit,
    LimitKind,
    LimitRef,
    Outcome,
    PartyGroup,
    PartyTimeline,
    Provision,
    QuotaRule,
    RefSide,
    RuleKind,
    Source,
    Suspension,
    TeamScope,
    TimingRule,
)
from app.domain.formula import Formula, FormulaError, parse_formula
from app.domain.periods import PeriodKind, PeriodSpec

Loc = tuple[str | int, ...]
Problems = list[tuple[Loc, str]]

# Values a formula is tried on at load time, so that a formula that would give
# a fraction or a negative number for some declaration fails now, not later.
_PROBE_VALUES = (0, 1, 2, 3, 4, 5, 7, 11, 14, 15, 16, 40, 59, 60, 61, 99, 100, 101, 137, 150, 999, 1000)


def source(model: SourceModel) -> Source:
    return Source(document=model.document, paragraph=model.paragraph, confidence=model.confidence, note=model.note)


def build_agreement(model: AgreementFile) -> tuple[Agreement, Problems]:
    problems: Problems = []
    parties = _parties(model, problems)
    groups = _groups(model, parties, problems)
    party_ids = set(parties) | {g.id for g in groups}
    rules = tuple(_rule(model, i, r, party_ids, problems) for i, r in enumerate(model.quota_rules))
    _check_references(model, problems)
    if any(r.kind is RuleKind.PAIR for r in rules) and len(parties) != 2:
        problems.append((("quota_rules",), "pair rules need an agreement of exactly two parties"))
    timing = tuple(_timing(t) for t in model.timing_rules)
    agreement = Agreement(
        id=model.id,
        title_en=model.title.en,
        title_ru=model.title.ru,
        legal_basis=model.legal_basis,
        in_force_from=model.status.in_force_from,
        terminated_on=model.status.terminated_on,
        status_source=source(model.status.source),
        parties=parties,
        groups=groups,
        quota_rules=rules,
        timing_rules=timing,
        refusable={r.activity: source(r.source) for r in model.refusable_activities},
        provisions=tuple(Provision(id=p.id, text=p.text, source=source(p.source)) for p in model.provisions),
        outcomes={str(o.status): _outcome(o) for o in model.outcomes},
        dates=tuple(_date(d) for d in model.dates),
    )
    _check_dates(model, problems)
    return agreement, problems


def _date(model: DateModel) -> AgreementDate:
    month, day = (int(x) for x in model.day.split("-"))
    return AgreementDate(
        id=model.id,
        month=month,
        day=day,
        title_en=model.title.en,
        title_ru=model.title.ru,
        parties=model.parties,
        source=source(model.source),
    )


def _check_dates(model: AgreementFile, problems: Problems) -> None:
    seen: set[str] = set()
    for i, item in enumerate(model.dates):
        if item.id in seen:
            problems.append((("dates", i, "id"), f"date id {item.id!r} is used twice"))
        seen.add(item.id)


def _timing(model: TimingRuleModel) -> TimingRule:
    return TimingRule(
        activity=model.activity,
        kind=model.kind,
        value=model.value,
        source=source(model.source),
        team=model.team or TeamScope.WHOLE_TEAM,
        team_source=source(model.team_source) if model.team_source else None,
        per_further_object=model.per_further_object,
        cap=model.cap,
    )


def _outcome(model: OutcomeModel) -> Outcome:
    return Outcome(
        status=str(model.status),
        counted=model.counted,
        compliant=model.compliant,
        uncounted_causes=frozenset(str(c) for c in model.uncounted_causes),
        source=source(model.source),
    )


def _parties(model: AgreementFile, problems: Problems) -> dict[str, PartyTimeline]:
    parties: dict[str, PartyTimeline] = {}
    for b, block in enumerate(model.parties):
        for s, state in enumerate(block.states):
            if state in parties:
                problems.append((("parties", b, "states", s), f"{state} is listed twice"))
            parties[state] = _timeline(model, state, block)
    for b, block in enumerate(model.parties):
        for n, suspension in enumerate(block.suspensions):
            for t, other in enumerate(suspension.toward or []):
                if other not in parties:
                    problems.append((("parties", b, "suspensions", n, "toward", t), f"{other} is not a party"))
        if block.deposited_on and (block.joined_on or model.accession is None):
            why = (
                "give joined_on or deposited_on, not both" if block.joined_on else "the agreement has no accession rule"
            )
            problems.append((("parties", b, "deposited_on"), why))
        joined = _joined_on(model, block)
        if block.withdrew_on and block.withdrew_on <= joined:
            problems.append((("parties", b, "withdrew_on"), "withdrew_on must be after joined_on"))
    return parties


def _joined_on(model: AgreementFile, block: PartyBlock) -> dt.date:
    """Open Skies Article XVII para 6: a state depositing its instrument after entry into
    force is a party from 60 days after the deposit (the agreement's accession rule)."""
    if block.deposited_on and model.accession and not block.joined_on:
        return block.deposited_on + dt.timedelta(days=model.accession.delay_days)
    return block.joined_on or model.status.in_force_from


def _timeline(model: AgreementFile, state: str, block: PartyBlock) -> PartyTimeline:
    return PartyTimeline(
        state=state,
        joined_on=_joined_on(model, block),
        withdrew_on=block.withdrew_on,
        suspensions=tuple(
            Suspension(
                start=s.start,
                end=s.end,
                toward=frozenset(s.toward) if s.toward is not None else None,
                source=source(s.source),
            )
            for s in block.suspensions
        ),
        source=source(block.source) if block.source else None,
        note=block.note,
    )


def _groups(model: AgreementFile, parties: Mapping[str, PartyTimeline], problems: Problems) -> tuple[PartyGroup, ...]:
    groups = []
    for g, group in enumerate(model.groups):
        for m, member in enumerate(group.members):
            if member.state not in parties:
                problems.append((("groups", g, "members", m, "state"), f"{member.state} is not a party"))
            if member.end and member.end <= member.start:
                problems.append((("groups", g, "members", m, "end"), "end must be after start"))
        groups.append(
            PartyGroup(
                id=group.id,
                name_en=group.name.en,
                name_ru=group.name.ru,
                members=tuple(GroupMember(state=m.state, start=m.start, end=m.end) for m in group.members),
                shares_quota=group.shares_quota,
                source=source(group.source),
            )
        )
    return tuple(groups)


def _rule(model: AgreementFile, index: int, rule: QuotaRuleModel, party_ids: set[str], problems: Problems) -> QuotaRule:
    loc: Loc = ("quota_rules", index)
    counts = frozenset(rule.counts or [rule.activity])
    if rule.activity not in counts:
        problems.append(((*loc, "counts"), f"counts must include the rule's own activity {rule.activity}"))
    for party in rule.party_limits:
        if party not in party_ids:
            problems.append(((*loc, "party_limits", party), f"{party} is not a party or group"))
    return QuotaRule(
        id=rule.id,
        activity=rule.activity,
        counts=counts,
        kind=rule.kind,
        period=_period(rule),
        limit=_limit(rule.limit, (*loc, "limit"), problems),
        party_limits={p: _limit(lm, (*loc, "party_limits", p), problems) for p, lm in rule.party_limits.items()},
        counts_per=rule.counts_per,
        counts_per_source=source(rule.counts_per_source) if rule.counts_per_source else None,
        description=rule.description,
        source=source(rule.source),
    )


def _period(rule: QuotaRuleModel) -> PeriodSpec:
    if isinstance(rule.period, PeriodKind):
        return PeriodSpec(kind=rule.period)
    if rule.period.start is None:
        return PeriodSpec(kind=rule.period.kind)
    month, day = (int(x) for x in rule.period.start.split("-"))
    return PeriodSpec(kind=rule.period.kind, start_month=month, start_day=day)


def _limit(model: LimitModel, loc: Loc, problems: Problems) -> Limit:
    if model.constant is not None:
        return Limit(kind=LimitKind.CONSTANT, value=model.constant)
    refs = tuple(
        LimitRef(name=name, rule=ref.rule, side=RefSide(ref.side))
        if isinstance(ref, RefModel)
        else LimitRef(name=name, rule=ref)
        for name, ref in (model.share or {}).items()
    )
    formula = _formula(model.formula or "", (*loc, "formula"), problems)
    kind = LimitKind.SHARE if refs else LimitKind.FORMULA
    return Limit(kind=kind, formula=formula, refs=refs)


def _formula(text: str, loc: Loc, problems: Problems) -> Formula | None:
    try:
        formula = parse_formula(text)
    except FormulaError as exc:
        problems.append((loc, exc.message))
        return None
    for value in _PROBE_VALUES:
        try:
            result = formula.evaluate_int(dict.fromkeys(formula.names, value))
        except FormulaError as exc:
            problems.append((loc, f"{exc.message} (when every name is {value})"))
            return None
        if result < 0:
            problems.append((loc, f"formula gives a negative limit {result} when every name is {value}"))
            return None
    return formula


def _check_references(model: AgreementFile, problems: Problems) -> None:
    ids = [r.id for r in model.quota_rules]
    edges: dict[str, set[str]] = {}
    for i, rule in enumerate(model.quota_rules):
        if ids.count(rule.id) > 1:
            problems.append((("quota_rules", i, "id"), f"rule id {rule.id!r} is used twice"))
        limits = [("limit", rule.limit)] + [(("party_limits", p), lm) for p, lm in rule.party_limits.items()]
        for where, limit in limits:
            for name, ref in (limit.share or {}).items():
                target = ref.rule if isinstance(ref, RefModel) else ref
                path: Loc = ("quota_rules", i, *((where,) if isinstance(where, str) else where), "share", name)
                if target not in ids:
                    problems.append((path, f"no rule {target!r} in this agreement"))
                edges.setdefault(rule.id, set()).add(target)
    for i, rule in enumerate(model.quota_rules):
        if _reaches(rule.id, rule.id, edges, set()):
            problems.append((("quota_rules", i, "limit", "share"), f"rule {rule.id!r} refers back to itself"))


def _reaches(start: str, goal: str, edges: dict[str, set[str]], seen: set[str]) -> bool:
    for nxt in edges.get(start, set()):
        if nxt == goal:
            return True
        if nxt not in seen:
            seen.add(nxt)
            if _reaches(nxt, goal, edges, seen):
                return True
    return False
