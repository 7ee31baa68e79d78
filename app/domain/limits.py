"""Resolving a rule's limit for one group in one period (docs/semantics.md section 3).

A limit is a constant, a formula over declarations, or a share of another
rule's limit. A period uses the declarations of the year in which it starts;
when one that a limit needs is missing, the limit is unknown (None) and the
names of the missing declarations are kept for the ``missing_declaration``
finding. A share refers to another rule's limit for the receiving or the
inspecting side; that limit is taken for the same year.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.agreement import Agreement, Limit, LimitKind, QuotaRule, RefSide, RuleKind
from app.domain.errors import DomainError

DeclarationKey = tuple[str, int, str]  # (state or group id, year, name)
MAX_REF_DEPTH = 8


@dataclass(frozen=True, slots=True)
class ResolvedLimit:
    value: int | None
    missing: tuple[DeclarationKey, ...] = ()  # the declarations it needs that are not recorded


class LimitResolver:
    """Resolves limits for one agreement against a fixed set of declarations.

    A limit depends on the rule, the party that owns it, the year and (for a share) the
    parties its references take: each is computed once for those, however many groups
    share them (a cap between two parties is owned by the receiving one alone).
    """

    def __init__(self, agreement: Agreement, declarations: Mapping[DeclarationKey, int]) -> None:
        self._agreement = agreement
        self._declarations = declarations
        self._memo: dict[tuple[object, ...], ResolvedLimit] = {}
        self._values: dict[tuple[int, tuple[tuple[str, int], ...]], int] = {}

    def resolve(self, rule: QuotaRule, receiving: str | None, inspecting: str | None, year: int) -> ResolvedLimit:
        return self._cached(rule, receiving, inspecting, year, 0)

    def _cached(
        self, rule: QuotaRule, receiving: str | None, inspecting: str | None, year: int, depth: int
    ) -> ResolvedLimit:
        owner = inspecting if rule.kind is RuleKind.ACTIVE else receiving
        limit = rule.limit_for(owner) if owner else rule.limit
        # What _resolve reads for the group: its owner, and the party each reference takes.
        key: tuple[object, ...] = (rule.id, owner, year)
        if limit.refs:
            key += tuple(receiving if ref.side is RefSide.RECEIVING else inspecting for ref in limit.refs)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._resolve(rule, receiving, inspecting, year, depth)
        return found

    def _resolve(
        self, rule: QuotaRule, receiving: str | None, inspecting: str | None, year: int, depth: int
    ) -> ResolvedLimit:
        if depth > MAX_REF_DEPTH:
            raise DomainError(f"rule {rule.id!r}: limits refer to each other in a cycle", field="limit")
        owner = inspecting if rule.kind is RuleKind.ACTIVE else receiving
        limit = rule.limit_for(owner) if owner else rule.limit
        if limit.kind is LimitKind.CONSTANT:
            return ResolvedLimit(limit.value)
        assert limit.formula is not None  # the catalog guarantees it
        variables: dict[str, int] = {}
        missing: list[DeclarationKey] = []
        if limit.kind is LimitKind.SHARE:
            self._share_variables(limit, receiving, inspecting, year, depth, variables, missing)
        names = limit.formula.names - {ref.name for ref in limit.refs}
        for name in sorted(names):
            value = self._declarations.get((owner or "", year, name))
            if value is None:
                missing.append((owner or "", year, name))
            else:
                variables[name] = value
        if missing:
            return ResolvedLimit(None, tuple(dict.fromkeys(missing)))
        # Many groups' shares come to the same figures (half of a quota of 4, say).
        inputs = (id(limit.formula), tuple(sorted(variables.items())))
        value = self._values.get(inputs)
        if value is None:
            value = self._values[inputs] = limit.formula.evaluate_int(variables)
        return ResolvedLimit(value)

    def _share_variables(
        self,
        limit: Limit,
        receiving: str | None,
        inspecting: str | None,
        year: int,
        depth: int,
        variables: dict[str, int],
        missing: list[DeclarationKey],
    ) -> None:
        for ref in limit.refs:
            party = receiving if ref.side is RefSide.RECEIVING else inspecting
            resolved = self._cached(self._agreement.rule(ref.rule), party, party, year, depth + 1)
            if resolved.value is None:
                missing.extend(resolved.missing)
            else:
                variables[ref.name] = resolved.value
