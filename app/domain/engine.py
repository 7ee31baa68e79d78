"""The quota engine: counts a period's entries against an agreement's rules.

The engine is given only the entries of the periods it is asked about
(``entry_window`` says which), never the whole history. One pass reports
every breach; it does not stop at the first. What one agreement's evaluation
computes more than once (limits, force, parties) is computed once, in
app/domain/counted.py; tests/reference_engine.py is the plain definition the
property tests hold this to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter, itemgetter, methodcaller
from typing import Any, TypeVar

from app.domain.agreement import Agreement, RuleKind
from app.domain.counted import Counter
from app.domain.counted_entry import Counted
from app.domain.findings import Code, Finding
from app.domain.groups import CountedGroup, MissingDeclarations, over_limit, over_limit_finding
from app.domain.ledger import LedgerEntry
from app.domain.limits import DeclarationKey, LimitResolver
from app.domain.periods import Period
from app.domain.quota import QuotaRow, RowKey
from app.domain.rules import concurrency_findings, entry_findings, every, refusal_findings

RuleRows = tuple[Period, str, list[QuotaRow]]  # a rule period's rows, with its rule's id
_BY_KEY = itemgetter(4, 5, 6)  # a row's receiving state, inspecting state and object
_START_DAY = attrgetter("start_day")
_E = TypeVar("_E", bound=Counted)

# Activities are hours to days long; this margin lets a concurrency check see
# an activity that started shortly before the window and still overlaps it.
CONCURRENCY_MARGIN = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Evaluation:
    rows: list[QuotaRow]
    findings: list[Finding]


def entry_window(agreement: Agreement, start: date, end: date) -> tuple[date, date]:
    """The span of start dates whose entries the engine needs for [start, end]."""
    first, last = start - CONCURRENCY_MARGIN, end
    for rule in agreement.quota_rules:
        periods = rule.period.overlapping(start, end)
        first = min(first, periods[0].start)
        last = max(last, periods[-1].end)
    return first, last


def evaluate(
    agreement: Agreement,
    entries: Iterable[LedgerEntry],
    declarations: Mapping[DeclarationKey, int],
    *,
    start: date,
    end: date,
    count_until: date | None = None,
    as_of: date | None = None,
    with_rows: bool = True,
    about: Callable[[LedgerEntry], bool] | None = None,
) -> Evaluation:
    """Quota rows for every rule period overlapping [start, end], and findings.

    ``count_until`` leaves out entries that start after it (a Q2 report shows
    the year's use up to 30 June). Findings are about entries that start in
    [start, end], plus one period-level warning per missing declaration. Each
    row's force is read as at its period's end, or at ``as_of`` when that is
    earlier (a replay). Without ``with_rows`` no row is built (a findings list
    shows none; no finding depends on a row). With ``about``, findings are built
    only about the entries it accepts: every entry is still counted, since the
    others share groups and limits with them.
    """
    pool = counting_pool(agreement, entries, count_until)
    resolver = LimitResolver.shared(agreement, declarations)
    counter = Counter[LedgerEntry](agreement, resolver, as_of)
    blocks: list[RuleRows] = []
    findings: list[Finding] = []
    wanted = about or every
    for entry in pool:
        findings += entry_findings(agreement, entry) if wanted(entry) else []
    # An activity the agreement did not cover has its not_in_force finding, and no other quota finding.
    unbound = {f.entry_ref for f in findings if f.code is Code.NOT_IN_FORCE}
    missing = MissingDeclarations()
    groups: dict[tuple[str, Period, RowKey], CountedGroup] = {}
    for rule in agreement.quota_rules:
        if rule.kind is RuleKind.CONCURRENCY:
            findings += concurrency_findings(agreement, rule, pool, resolver, missing, wanted)
            continue
        # An empty group has no finding, and a refusal's check finds the same limit without it.
        for period, touched, empty in counter.rule_groups(rule, rule.period.overlapping(start, end), pool):
            for key, counted in touched:
                group = groups[(rule.id, period, key)] = counter.group(rule, period, key, counted)
                findings += group_findings(agreement, group, missing, unbound, wanted)
            blocks += [(period, rule.id, counter.period_rows(rule, period, touched, empty))] if with_rows else []
    findings += refusal_findings(agreement, pool, groups, resolver, wanted)
    starts = {e.ref: e.start_day for e in pool}
    in_window = [f for f in findings if f.entry_ref is None or start <= starts[f.entry_ref] <= end]
    in_window += missing.findings(agreement, lambda ref: ref not in unbound and start <= starts[ref] <= end)
    return Evaluation(in_row_order(blocks), unique(in_window))


def evaluate_rows(
    agreement: Agreement,
    entries: Iterable[_E],
    declarations: Mapping[DeclarationKey, int],
    *,
    start: date,
    end: date,
    count_until: date | None = None,
    as_of: date | None = None,
    wanted: Callable[[RowKey], bool] | None = None,
) -> list[QuotaRow]:
    """``evaluate(...).rows`` without the findings: what a quota status shows. No row
    depends on a finding, so a status need not build thousands of them (about half of a
    whole evaluation's time); the property tests hold the two to the same rows.

    ``wanted`` keeps only the rows whose (receiving, inspecting, object) it accepts: a
    status for one state needs 112 of the Vienna Document's 3,192 pair rows. The entries
    may be whole or hold only what counting reads (``CountedEntry``)."""
    # A row is a count: the order within a day, which findings number by, changes none.
    pool = counting_pool(agreement, entries, count_until, key=_START_DAY)
    counter = Counter[_E](agreement, LimitResolver.shared(agreement, declarations), as_of)
    blocks: list[RuleRows] = []
    for rule in agreement.quota_rules:
        if rule.kind is not RuleKind.CONCURRENCY:
            for period, touched, empty in counter.rule_groups(rule, rule.period.overlapping(start, end), pool):
                if wanted is not None:
                    empty = [key for key in empty if wanted(key)]
                    touched = [(key, counted) for key, counted in touched if wanted(key)]
                blocks.append((period, rule.id, counter.period_rows(rule, period, touched, empty)))
    return in_row_order(blocks)


def in_row_order(blocks: list[RuleRows]) -> list[QuotaRow]:
    """One agreement's rows as ``QuotaRow.sort_key`` orders them, from one block of rows per
    rule period: the blocks in (period start, rule) order, each block by its rows' keys.
    A rule fixes the shape of its keys (a passive row never has an inspecting state), so
    within a block the keys compare as they are; a year's thousands of rows are most of
    a status's work, and sorting them by a Python key was a sixth of it."""
    rows: list[QuotaRow] = []
    for _, _, block in sorted(blocks, key=lambda b: (b[0].start, b[1])):
        rows += sorted(block, key=_BY_KEY)
    return rows


def counting_pool(
    agreement: Agreement,
    entries: Iterable[_E],
    count_until: date | None,
    key: Callable[[_E], Any] = methodcaller("counting_key"),
) -> list[_E]:
    """The agreement's entries counted, sorted once into counting order (or by ``key``, which
    must keep start days in order: a rule period's entries are a slice); every group built
    from the pool keeps that order."""
    return sorted(
        (e for e in entries if e.agreement == agreement.id and (count_until is None or e.start_day <= count_until)),
        key=key,
    )


def group_findings(
    agreement: Agreement,
    group: CountedGroup,
    missing: MissingDeclarations,
    unbound: set[str | None],
    wanted: Callable[[LedgerEntry], bool],
) -> list[Finding]:
    if group.limit.value is None:
        for entry in filter(wanted, group.entries):
            missing.add(group.rule, group.limit, entry)
        return []
    past = over_limit(agreement, group)
    return [over_limit_finding(agreement, group, n, e) for n, e in past if e.ref not in unbound and wanted(e)]


def unique(findings: list[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str | None, str, str, str], Finding] = {}
    for finding in findings:
        seen.setdefault(finding.identity(), finding)
    return sorted(seen.values(), key=Finding.sort_key)
