"""Findings about single entries: timing, force, concurrency and refusals.

docs/semantics.md sections 4 and 5. A timing rule is checked only when both of its
timestamps carry a time of day; for a date-only entry the check is skipped
rather than guessed. Team size needs no timestamps. Timing rules apply to a
mission as a whole, however many objects it inspects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping

from app.domain.agreement import Agreement, QuotaRule, RuleKind, TeamScope, TimingKind, TimingRule
from app.domain.counting import Tally, refusal_compliant, tally, units
from app.domain.findings import Code, Finding
from app.domain.force import breach_during
from app.domain.groups import CountedGroup, MissingDeclarations, group_keys, make_finding
from app.domain.ledger import LedgerEntry, Status
from app.domain.limits import LimitResolver
from app.domain.moments import end_instant, has_time, hours_between, start_instant
from app.domain.periods import Period
from app.domain.quota import RowKey

FORCE_RULE = "in_force"
_NOT_CARRIED_OUT = (Status.CANCELLED, Status.FORCE_MAJEURE, Status.PROHIBITED)
# The timing breaches that make a refusal compliant: the request itself broke them.
_REQUEST_BREACHES = (Code.SHORT_NOTICE, Code.DURATION_EXCEEDED, Code.TEAM_SIZE_EXCEEDED)


def timing_rule_id(rule: TimingRule) -> str:
    return f"{rule.activity}.{rule.kind}"


def timing_findings(agreement: Agreement, entry: LedgerEntry) -> list[Finding]:
    findings: list[Finding] = []
    for rule in agreement.timing(entry.activity):
        breach = _timing_breach(rule, entry)
        if breach is not None:
            code, values = breach
            findings.append(make_finding(agreement, timing_rule_id(rule), rule.source, code, entry, **values))
    return findings


def _timing_breach(rule: TimingRule, entry: LedgerEntry) -> tuple[Code, dict[str, object]] | None:
    """The rule's breach, if any: each limit itself is compliant, one unit past it is not."""
    if rule.kind is TimingKind.REPLY_WITHIN_HOURS:
        replied = entry.replied_at
        if replied is not None and has_time(replied) and has_time(entry.requested_at):
            hours = hours_between(entry.requested_at, replied)
            if hours > rule.value:
                return Code.LATE_REPLY, {"hours": round(hours, 1), "limit": rule.value}
        return None
    if entry.status in _NOT_CARRIED_OUT:
        return None
    if rule.kind is TimingKind.MIN_NOTICE_HOURS and has_time(entry.requested_at) and has_time(entry.start):
        hours = hours_between(entry.requested_at, entry.start)
        if hours < rule.value:
            return Code.SHORT_NOTICE, {"hours": round(hours, 1), "limit": rule.value}
    if rule.kind is TimingKind.MAX_DURATION_HOURS and has_time(entry.start) and has_time(entry.end):
        hours, limit = hours_between(entry.start, entry.end), rule.limit_for(len(entry.objects))
        if hours > limit:
            return Code.DURATION_EXCEEDED, {"hours": round(hours, 1), "limit": limit}
    if rule.kind is TimingKind.MAX_TEAM_SIZE:
        return _team_breach(rule, entry)
    return None


def _team_breach(rule: TimingRule, entry: LedgerEntry) -> tuple[Code, dict[str, object]] | None:
    lead_only = rule.team is TeamScope.LEAD_INSPECTORS
    size = entry.lead_team_size if lead_only else entry.team_size
    if size is None or size <= rule.value:
        return None
    return Code.TEAM_SIZE_EXCEEDED, {"count": size, "limit": rule.value, "team": str(rule.team)}


def force_findings(agreement: Agreement, entry: LedgerEntry) -> list[Finding]:
    """not_in_force: a counted activity on a day the agreement did not bind the two."""
    if tally(agreement, entry) is Tally.NONE:
        return []
    breach = breach_during(agreement, entry.inspecting_state, entry.receiving_state, entry.start_day, entry.end_day)
    if breach is None:
        return []
    day, standing = breach
    since = standing.since.isoformat() if standing.since else ""
    values = {"day": day.isoformat(), "force": str(standing.force), "since": since}
    return [make_finding(agreement, FORCE_RULE, agreement.status_source, Code.NOT_IN_FORCE, entry, **values)]


def entry_findings(agreement: Agreement, entry: LedgerEntry) -> list[Finding]:
    return timing_findings(agreement, entry) + force_findings(agreement, entry)


def every(entry: LedgerEntry) -> bool:
    """Findings about every entry (the default of the functions that take ``wanted``)."""
    return True


def _by_receiving_party(agreement: Agreement, rule: QuotaRule, pool: list[LedgerEntry]) -> dict[str, list[LedgerEntry]]:
    """Counted entries per receiving party, in the pool's order, which is the counting order."""
    parties: dict[str, list[LedgerEntry]] = defaultdict(list)
    for entry in pool:
        if entry.activity in rule.counts and tally(agreement, entry) is not Tally.NONE:
            parties[agreement.quota_party(entry.receiving_state, entry.start_day)].append(entry)
    return parties


def _overlapping_before(entries: list[LedgerEntry], entry: LedgerEntry) -> int:
    """Counted activities earlier in counting order still under way when ``entry`` starts.

    Every earlier entry starts no later than ``entry``; those that end after it
    starts all overlap at that instant, so their number is the peak overlap.
    """
    begins = start_instant(entry.start)
    key = entry.counting_key()
    return sum(1 for e in entries if e.counting_key() < key and end_instant(e.end) > begins)


def concurrency_findings(
    agreement: Agreement,
    rule: QuotaRule,
    pool: list[LedgerEntry],
    resolver: LimitResolver,
    missing: MissingDeclarations | None = None,
    wanted: Callable[[LedgerEntry], bool] = every,
) -> list[Finding]:
    """VD (108): at most one evaluation visit at any given time on a territory; CFE and
    Open Skies likewise cap simultaneous teams and flights. A mission is one team.
    Every entry runs; findings are made about the ``wanted`` ones."""
    findings: list[Finding] = []
    for party, entries in _by_receiving_party(agreement, rule, pool).items():
        running: list[LedgerEntry] = []
        for entry in entries:
            begins = start_instant(entry.start)
            running = [e for e in running if end_instant(e.end) > begins]
            limit = resolver.resolve(rule, party, None, rule.period.containing(entry.start_day).start.year)
            if limit.value is None:
                if missing is not None and wanted(entry):
                    missing.add(rule, limit, entry)
            elif len(running) + 1 > limit.value and wanted(entry):
                values = {"count": len(running) + 1, "limit": limit.value}
                findings.append(
                    make_finding(agreement, rule.id, rule.source, Code.CONCURRENT_ACTIVITY, entry, **values)
                )
            running.append(entry)
    return findings


GroupIndex = Mapping[tuple[str, Period, RowKey], CountedGroup]


def refusal_findings(
    agreement: Agreement,
    pool: list[LedgerEntry],
    groups: GroupIndex,
    resolver: LimitResolver,
    wanted: Callable[[LedgerEntry], bool] = every,
) -> list[Finding]:
    """refused_within_quota, unless the refusal was compliant.

    docs/semantics.md section 5: a refusal is compliant when the request exceeded a
    quota or cap, broke a timing rule, or fell outside the agreement's force,
    or when it cited force majeure and the agreement accepts that. Where a
    needed limit is unknown, compliance cannot be established and no finding
    is made. An agreement may also name activities that can be refused
    outright: the CFE lets a state refuse a challenge inspection (PoI section
    VIII para 4), and there the treaty text wins over the general rule.
    """
    findings: list[Finding] = []
    refused = [
        e
        for e in pool
        if e.status.is_refusal
        and e.activity not in agreement.refusable
        and not refusal_compliant(agreement, e)
        and wanted(e)
    ]
    running = {
        rule.id: _by_receiving_party(agreement, rule, pool)
        for rule in agreement.quota_rules
        if refused and rule.kind is RuleKind.CONCURRENCY
    }
    for entry in refused:
        if _refusal_justified(agreement, entry, running, groups, resolver):
            continue
        rule = _primary_rule(agreement, entry)
        source = rule.source if rule else agreement.status_source
        rule_id = rule.id if rule else str(entry.activity)
        findings.append(make_finding(agreement, rule_id, source, Code.REFUSED_WITHIN_QUOTA, entry))
    return findings


Running = Mapping[str, dict[str, list[LedgerEntry]]]  # concurrency rule -> party -> counted entries


def _refusal_justified(
    agreement: Agreement, entry: LedgerEntry, running: Running, groups: GroupIndex, resolver: LimitResolver
) -> bool:
    if breach_during(agreement, entry.inspecting_state, entry.receiving_state, entry.start_day, entry.end_day):
        return True
    if any(f.code in _REQUEST_BREACHES for f in timing_findings(agreement, entry)):
        return True
    for rule in agreement.quota_rules:
        if entry.activity in rule.counts and _would_exceed(agreement, rule, entry, running, groups, resolver):
            return True
    return False


def _would_exceed(
    agreement: Agreement,
    rule: QuotaRule,
    entry: LedgerEntry,
    running: Running,
    groups: GroupIndex,
    resolver: LimitResolver,
) -> bool:
    """Had the request been counted in its place, would it have gone past the limit?"""
    if rule.kind is RuleKind.CONCURRENCY:
        party = agreement.quota_party(entry.receiving_state, entry.start_day)
        limit = resolver.resolve(rule, party, None, rule.period.containing(entry.start_day).start.year)
        earlier = running[rule.id].get(party, [])
        return limit.value is None or _overlapping_before(earlier, entry) + 1 > limit.value
    period = rule.period.containing(entry.start_day)
    return any(
        _group_would_exceed(agreement, rule, period, key, entry, groups, resolver)
        for key in group_keys(agreement, rule, entry)
    )


def _group_would_exceed(
    agreement: Agreement,
    rule: QuotaRule,
    period: Period,
    key: RowKey,
    entry: LedgerEntry,
    groups: GroupIndex,
    resolver: LimitResolver,
) -> bool:
    group = groups.get((rule.id, period, key))
    limit = group.limit if group else resolver.resolve(rule, key[0], key[1], period.start.year)
    if limit.value is None:
        return True
    before = 0
    if group is not None:
        ahead = group.entries[: group.position_of(entry)]
        before = sum(1 for e in ahead if rule.kind is not RuleKind.ACTIVE or tally(agreement, e) is Tally.USED)
    return before + (1 if rule.per_object else units(rule, entry)) > limit.value


def _primary_rule(agreement: Agreement, entry: LedgerEntry) -> QuotaRule | None:
    candidates = [r for r in agreement.quota_rules if entry.activity in r.counts]
    for rule in candidates:
        if rule.kind in (RuleKind.PASSIVE, RuleKind.PAIR) and rule.activity is entry.activity:
            return rule
    return candidates[0] if candidates else None
