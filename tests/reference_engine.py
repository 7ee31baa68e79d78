"""The quota engine as it was before it was made fast: the definition the fast path is held to.

A frozen copy of app/domain/engine.py's ``evaluate`` (with its limit resolver and the
formula tree walk it used): plain loops over every rule, group and row, no memo beyond
(rule, group, year). tests/unit/test_engine_reference.py asserts that the engine gives
the same rows and the same findings, message for message. Do not optimise this file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from fractions import Fraction

from app.domain.agreement import Agreement, QuotaRule, RuleKind
from app.domain.counted import applicable_keys, parties_in_period
from app.domain.counting import Tally, tally, units
from app.domain.engine import Evaluation, unique
from app.domain.findings import Code, Finding
from app.domain.force import obligation_changed, obligation_standing
from app.domain.formula import _COMPARE, _FUNCTIONS, Binary, Call, FormulaError, Name, Negate, Node, Number
from app.domain.groups import CountedGroup, MissingDeclarations, group_keys, over_limit_finding
from app.domain.ledger import LedgerEntry
from app.domain.limits import DeclarationKey, LimitResolver, ResolvedLimit
from app.domain.periods import Period
from app.domain.quota import QuotaRow, RowKey
from app.domain.rules import concurrency_findings, entry_findings, refusal_findings


def reference_evaluate(
    agreement: Agreement,
    entries: Iterable[LedgerEntry],
    declarations: Mapping[DeclarationKey, int],
    *,
    start: date,
    end: date,
    count_until: date | None = None,
    as_of: date | None = None,
) -> Evaluation:
    """Quota rows for every rule period overlapping [start, end], and findings.

    ``count_until`` leaves out entries that start after it (a Q2 report shows
    the year's use up to 30 June). Findings are about entries that start in
    [start, end], plus one period-level warning per missing declaration. Each
    row's force is read as at its period's end, or at ``as_of`` when that is
    earlier (a replay).
    """
    # Sorted once into counting order; every group built from it keeps that order.
    pool = sorted(
        (e for e in entries if e.agreement == agreement.id and (count_until is None or e.start_day <= count_until)),
        key=LedgerEntry.counting_key,
    )
    resolver = ReferenceResolver(agreement, declarations)
    rows: list[QuotaRow] = []
    findings: list[Finding] = []
    for entry in pool:
        findings += entry_findings(agreement, entry)
    # An activity the agreement did not cover has its not_in_force finding, and no other quota finding.
    unbound = {f.entry_ref for f in findings if f.code is Code.NOT_IN_FORCE}
    missing = MissingDeclarations()
    groups: dict[tuple[str, Period, RowKey], CountedGroup] = {}
    for rule in agreement.quota_rules:
        if rule.kind is RuleKind.CONCURRENCY:
            findings += concurrency_findings(agreement, rule, pool, resolver, missing)
            continue
        for period in rule.period.overlapping(start, end):
            parties = parties_in_period(agreement, period)
            for group in _count_rule(agreement, rule, period, pool, resolver, parties):
                groups[(rule.id, period, group.key)] = group
                rows.append(_row(agreement, group, parties, as_of))
                findings += _group_findings(agreement, group, missing, unbound)
    findings += refusal_findings(agreement, pool, groups, resolver)
    starts = {e.ref: e.start_day for e in pool}
    in_window = [f for f in findings if f.entry_ref is None or start <= starts[f.entry_ref] <= end]
    in_window += missing.findings(agreement, lambda ref: ref not in unbound and start <= starts[ref] <= end)
    return Evaluation(sorted(rows, key=QuotaRow.sort_key), unique(in_window))


def _group_findings(
    agreement: Agreement, group: CountedGroup, missing: MissingDeclarations, unbound: set[str | None]
) -> list[Finding]:
    if group.limit.value is None:
        for entry in group.entries:
            missing.add(group.rule, group.limit, entry)
        return []
    return [
        over_limit_finding(agreement, group, n, e) for n, e in _over_limit(agreement, group) if e.ref not in unbound
    ]


def _counts_in(agreement: Agreement, rule: QuotaRule, period: Period, entry: LedgerEntry) -> bool:
    """The entry counts against the rule in the period (in whichever group)."""
    return (
        entry.activity in rule.counts and period.contains(entry.start_day) and tally(agreement, entry) is not Tally.NONE
    )


def _times(rule: QuotaRule, entry: LedgerEntry) -> int:
    """A group holds an entry once per unit it counts as: a mission to two objects of
    verification is two declared-site inspections; a per-object cap sees each object apart."""
    return 1 if rule.per_object else units(rule, entry)


def _count_rule(
    agreement: Agreement,
    rule: QuotaRule,
    period: Period,
    pool: list[LedgerEntry],
    resolver: LimitResolver,
    parties: Mapping[str, frozenset[str]],
) -> list[CountedGroup]:
    members: dict[RowKey, list[LedgerEntry]] = {key: [] for key in applicable_keys(rule, parties)}
    for entry in pool:
        if _counts_in(agreement, rule, period, entry):
            times = _times(rule, entry)
            for key in group_keys(agreement, rule, entry):
                members.setdefault(key, []).extend([entry] * times)
    return [
        CountedGroup(
            rule=rule,
            period=period,
            key=key,
            limit=resolver.resolve(rule, key[0], key[1], period.start.year),
            entries=found,
        )
        for key, found in members.items()
    ]


def _row(
    agreement: Agreement, group: CountedGroup, parties: Mapping[str, frozenset[str]], as_of: date | None
) -> QuotaRow:
    rule, period, (receiving, inspecting, obj) = group.rule, group.period, group.key
    used = sum(1 for e in group.entries if tally(agreement, e) is Tally.USED)
    one, other = _sides(agreement, rule, group.key, parties, period)
    day = period.end if as_of is None else min(max(as_of, period.start), period.end)
    standing = obligation_standing(agreement, one, other, day)
    return QuotaRow(
        agreement=agreement.id,
        rule=rule.id,
        kind=str(rule.kind),
        activity=str(rule.activity),
        receiving_state=receiving,
        inspecting_state=inspecting,
        object=obj,
        period_start=period.start,
        period_end=period.end,
        limit=group.limit.value,
        used=used,
        pending=len(group.entries) - used,
        force=str(standing.force),
        force_since=standing.since,
        force_changed=obligation_changed(agreement, one, other, period.start, day),
    )


def _sides(
    agreement: Agreement,
    rule: QuotaRule,
    key: RowKey,
    parties: Mapping[str, frozenset[str]],
    period: Period,
) -> tuple[frozenset[str], frozenset[str] | None]:
    """The states on each side of a row's obligation: one side for a passive or an active
    quota (the party's own standing), both for a cap between two parties."""
    receiving, inspecting, _ = key
    if rule.kind is RuleKind.ACTIVE:
        return _states_of(agreement, inspecting, parties, period), None
    one = _states_of(agreement, receiving, parties, period)
    if rule.scopes_inspecting:
        return one, _states_of(agreement, inspecting, parties, period)
    return one, None


def _states_of(
    agreement: Agreement, party: str | None, parties: Mapping[str, frozenset[str]], period: Period
) -> frozenset[str]:
    if party is None:
        return frozenset()
    if party in parties:
        return parties[party]
    for group in agreement.groups:
        if group.id == party:
            return frozenset(m.state for m in group.members if m.start <= period.end)
    return frozenset({party})


def _over_limit(agreement: Agreement, group: CountedGroup) -> list[tuple[int, LedgerEntry]]:
    """The group's units past its limit, each with its number (none when the limit is unknown)."""
    rule, limit = group.rule, group.limit.value
    if limit is None:
        return []
    # docs/semantics.md section 5: the active quota is exceeded by what was conducted;
    # every other cap is taken by what is counted (pending or used).
    counted = [e for e in group.entries if rule.kind is not RuleKind.ACTIVE or tally(agreement, e) is Tally.USED]
    return [(n, e) for n, e in enumerate(counted, start=1) if n > limit]


class ReferenceResolver(LimitResolver):
    """The resolver as it was: memoised per (rule, group, year) only (formulas: tests/unit/test_formula.py
    holds the compiled ones to ``tree_walk``)."""

    def __init__(self, agreement: Agreement, declarations: Mapping[DeclarationKey, int]) -> None:
        super().__init__(agreement, declarations)
        self._old_memo: dict[tuple[str, str | None, str | None, int], ResolvedLimit] = {}

    def resolve(self, rule: QuotaRule, receiving: str | None, inspecting: str | None, year: int) -> ResolvedLimit:
        key = (rule.id, receiving, inspecting, year)
        if key not in self._old_memo:
            self._old_memo[key] = self._resolve(rule, receiving, inspecting, year, 0)
        return self._old_memo[key]


def tree_walk(node: Node, variables: Mapping[str, int | Fraction], text: str) -> Fraction:
    """A formula's value as the evaluator used to compute it, node by node."""
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        if node.name not in variables:
            raise FormulaError(f"formula {text!r} needs {node.name!r}, which has no value")
        return Fraction(variables[node.name])
    if isinstance(node, Negate):
        return -tree_walk(node.operand, variables, text)
    if isinstance(node, Call):
        return Fraction(_FUNCTIONS[node.function][2](*(tree_walk(arg, variables, text) for arg in node.args)))
    assert isinstance(node, Binary)
    left, right = tree_walk(node.left, variables, text), tree_walk(node.right, variables, text)
    if node.op in _COMPARE:
        return Fraction(int(_COMPARE[node.op](left, right)))
    if node.op == "/":
        if right == 0:
            raise FormulaError(f"formula {text!r} divides by zero")
        return left / right
    return {"+": left + right, "-": left - right, "*": left * right}[node.op]
