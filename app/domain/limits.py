"""Resolving a rule's limit for one group in one period (docs/semantics.md section 3).

A limit is a constant, a formula over declarations, or a share of another
rule's limit. A period uses the declarations of the year in which it starts;
when one that a limit needs is missing, the limit is unknown (None) and the
names of the missing declarations are kept for the ``missing_declaration``
finding. A share refers to another rule's limit for the receiving or the
inspecting side; that limit is taken for the same year.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from threading import Lock

from app.domain.agreement import Agreement, Limit, LimitKind, QuotaRule, RefSide, RuleKind
from app.domain.errors import DomainError
from app.domain.quota import RowKey

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

    @classmethod
    def shared(cls, agreement: Agreement, declarations: Mapping[DeclarationKey, int]) -> LimitResolver:
        """The agreement's resolver for these declarations, kept on the agreement: limits
        read nothing else, so the statuses that follow a write to the ledger find them
        resolved. A status and a findings list read the declarations of different years,
        so the last few sets are kept side by side, not only the last."""
        kept = agreement.derived("limits", _Resolvers, lambda _: _Resolvers(), lambda _: True)
        return kept.for_declarations(agreement, declarations)

    def __init__(self, agreement: Agreement, declarations: Mapping[DeclarationKey, int]) -> None:
        self._agreement = agreement
        self._declarations = declarations
        self.figures = frozenset(declarations.items())
        self._memo: dict[tuple[object, ...], ResolvedLimit] = {}
        self._values: dict[tuple[object, ...], int] = {}
        self._owned: dict[tuple[int, str, int], tuple[tuple[tuple[str, int], ...], list[DeclarationKey]]] = {}

    def resolve(self, rule: QuotaRule, receiving: str | None, inspecting: str | None, year: int) -> ResolvedLimit:
        return self._cached(rule, receiving, inspecting, year, 0)

    def for_rule(self, rule: QuotaRule, year: int) -> Callable[[RowKey], int | None]:
        """The rule's limit for each group of a year. A limit reads its owner and, for a
        share, another rule's limit for each party it refers to; so it is looked up by the
        owner and by what the references to the other side come to. The Open Skies cap
        between two parties reads the observing party's active quota: its 870 pairs share
        a few dozen limits."""
        owner_at = 1 if rule.kind is RuleKind.ACTIVE else 0
        plain: dict[str | None, ResolvedLimit] = {}  # owners whose limits read no other party
        limits: dict[str | None, Limit] = {}
        across: dict[tuple[int, str | None], tuple[ResolvedLimit, ...]] = {}
        values: dict[tuple[object, ...], ResolvedLimit] = {}

        def limit_of(key: RowKey) -> int | None:
            owner = key[owner_at]
            known = plain.get(owner)
            if known is not None:
                return known.value
            limit = limits.get(owner)
            if limit is None:
                limit = limits[owner] = rule.limit_for(owner) if owner else rule.limit
            other = key[1 - owner_at] if limit.refs else None
            read = across.get((id(limit), other))
            if read is None:
                read = across[(id(limit), other)] = self._across(limit, 1 - owner_at, other, year)
            found = values.get((owner, read))
            if found is None:
                found = values[(owner, read)] = self.resolve(rule, key[0], key[1], year)
            if not read:
                plain[owner] = found
            return found.value

        return limit_of

    def _across(self, limit: Limit, other_at: int, other: str | None, year: int) -> tuple[ResolvedLimit, ...]:
        """The limits the references to the other side of a group take for its party."""
        sides = (RefSide.RECEIVING, RefSide.INSPECTING)
        refs = [ref for ref in limit.refs if ref.side is sides[other_at]]
        return tuple(self._cached(self._agreement.rule(ref.rule), other, other, year, 1) for ref in refs)

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
        shared, missing = self._shared(limit, receiving, inspecting, year, depth)
        declared, undeclared = self._declared(limit, owner or "", year)
        if missing or undeclared:
            return ResolvedLimit(None, tuple(dict.fromkeys(missing + undeclared)))
        # Many groups' shares come to the same figures (half of a quota of 4, say).
        inputs = (id(limit.formula), declared, shared)
        value = self._values.get(inputs)
        if value is None:
            value = self._values[inputs] = limit.formula.evaluate_int(dict(declared + shared))
        return ResolvedLimit(value)

    def _declared(
        self, limit: Limit, owner: str, year: int
    ) -> tuple[tuple[tuple[str, int], ...], list[DeclarationKey]]:
        """The owner's declared figures the formula names (other than its references), by
        name, and those not recorded: the same for every group the owner's limit serves."""
        key = (id(limit), owner, year)
        found = self._owned.get(key)
        if found is None:
            names = sorted(limit.formula.names - {ref.name for ref in limit.refs}) if limit.formula else []
            values = [(name, self._declarations.get((owner, year, name))) for name in names]
            declared = tuple((name, value) for name, value in values if value is not None)
            found = self._owned[key] = (declared, [(owner, year, name) for name, value in values if value is None])
        return found

    def _shared(
        self, limit: Limit, receiving: str | None, inspecting: str | None, year: int, depth: int
    ) -> tuple[tuple[tuple[str, int], ...], list[DeclarationKey]]:
        """Each reference's value, by name, and the declarations missing for those unknown."""
        shared: list[tuple[str, int]] = []
        missing: list[DeclarationKey] = []
        for ref in limit.refs if limit.kind is LimitKind.SHARE else ():
            party = receiving if ref.side is RefSide.RECEIVING else inspecting
            resolved = self._cached(self._agreement.rule(ref.rule), party, party, year, depth + 1)
            if resolved.value is None:
                missing.extend(resolved.missing)
            else:
                shared.append((ref.name, resolved.value))
        return tuple(shared), missing


class _Resolvers:
    """An agreement's resolvers for the ``KEPT`` declaration sets used last. With one, a
    quota status and a findings list, one after the other, each threw away the other's
    resolver, and every limit was resolved again for every request."""

    KEPT = 8

    def __init__(self) -> None:
        self._by_figures: dict[frozenset[tuple[DeclarationKey, int]], LimitResolver] = {}
        self._lock = Lock()

    def for_declarations(self, agreement: Agreement, declarations: Mapping[DeclarationKey, int]) -> LimitResolver:
        figures = frozenset(declarations.items())
        with self._lock:
            found = self._by_figures.pop(figures, None)
            if found is None:
                found = LimitResolver(agreement, dict(declarations))
            self._by_figures[figures] = found  # put back last: the newest
            if len(self._by_figures) > self.KEPT:
                del self._by_figures[next(iter(self._by_figures))]
        return found
