"""Loading agreement files into the database, and reading them back as of a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from app.catalog import cache
from app.db.plain import PlainSession
from app.db.quota_reads import agreement_documents
from app.domain.agreement import Agreement, Limit, LimitKind, Source, TimingKind, TimingRule
from app.domain.periods import PeriodKind, PeriodSpec

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session

    from app.db.models import AgreementVersion


@dataclass(frozen=True, slots=True)
class LoadResult:
    agreement_id: str
    version: int
    changed: bool
    sha256: str

    def as_json(self) -> dict[str, object]:
        return {"agreement": self.agreement_id, "version": self.version, "changed": self.changed, "sha256": self.sha256}


def shipped_agreements() -> Path:
    from app.db.migrate import shipped_path

    return shipped_path("agreements")


def load_agreements(session: Session, directory: Path | None, *, at: dt.datetime, by: str) -> list[LoadResult]:
    """Validate every file first (CatalogError on any problem, nothing written),
    then store each agreement as a new version only when its content changed."""
    from app.catalog.loader import load_directory
    from app.db import repositories as repo
    from app.services.accounts import audit

    loaded = load_directory(directory or shipped_agreements())
    current = {v.agreement_id: v for v in repo.agreement_versions(session)}
    results = []
    for item in loaded:
        cache.keep(item.sha256, item.agreement)
        previous = current.get(item.agreement.id)
        if previous is not None and previous.sha256 == item.sha256:
            results.append(LoadResult(item.agreement.id, previous.version, False, item.sha256))
            continue
        version = repo.add_agreement_version(
            session,
            agreement_id=item.agreement.id,
            sha256=item.sha256,
            filename=item.filename,
            content=item.content,
            at=at,
            by=by,
        )
        audit(
            session,
            by=by,
            at=at,
            action="agreement.load",
            target=item.agreement.id,
            before=None if previous is None else {"version": previous.version, "sha256": previous.sha256},
            after={"version": version, "sha256": item.sha256},
        )
        results.append(LoadResult(item.agreement.id, version, True, item.sha256))
    return results


@lru_cache(maxsize=64)
def _parsed(sha256: str, content: str, filename: str) -> Agreement:
    """The agreement a stored document holds: validated when it was loaded, so built
    again from the cache (app/catalog/cache.py) when it was built before."""
    found = cache.cached(sha256)
    if found is None:
        from app.catalog.loader import parse_agreement

        found = parse_agreement(content, filename).agreement
        cache.keep(sha256, found)
    return found


def agreements_as_of(session: Session | PlainSession, as_of: dt.datetime | None = None) -> dict[str, Agreement]:
    """The agreements as loaded at ``as_of`` (now when None), so old answers replay."""
    return {d.agreement_id: _parsed(d.sha256, d.content, d.filename) for d in agreement_documents(session, as_of)}


def agreement_versions(session: Session, as_of: dt.datetime | None = None) -> list[AgreementVersion]:
    from app.db import repositories as repo

    return repo.agreement_versions(session, as_of)


def _source(source: Source | None) -> dict[str, str | None] | None:
    if source is None:
        return None
    return {
        "document": source.document,
        "paragraph": source.paragraph,
        "confidence": str(source.confidence),
        "note": source.note,
    }


def _limit(limit: Limit) -> dict[str, Any]:
    if limit.kind is LimitKind.CONSTANT:
        return {"constant": limit.value}
    described: dict[str, Any] = {"formula": limit.formula.text if limit.formula else None}
    if limit.refs:
        described["share"] = {r.name: {"rule": r.rule, "side": str(r.side)} for r in limit.refs}
    return described


def _period(spec: PeriodSpec) -> str:
    if spec.kind is PeriodKind.TREATY_YEAR:
        return f"treaty_year from {spec.start_month:02d}-{spec.start_day:02d}"
    return str(spec.kind)


def _timing(t: TimingRule) -> dict[str, Any]:
    found: dict[str, Any] = {"activity": str(t.activity), "kind": str(t.kind), "value": t.value}
    if t.kind is TimingKind.MAX_TEAM_SIZE:
        found |= {"team": str(t.team), "team_source": _source(t.team_source)}
    if t.per_further_object:
        found |= {"per_further_object": t.per_further_object, "cap": t.cap}
    return found | {"source": _source(t.source)}


def describe_agreement(agreement: Agreement) -> dict[str, Any]:
    """An agreement as plain data: rules with sources, parties with status timelines."""
    return {
        "id": agreement.id,
        "title": {"en": agreement.title_en, "ru": agreement.title_ru},
        "legal_basis": agreement.legal_basis,
        "in_force_from": agreement.in_force_from.isoformat(),
        "terminated_on": agreement.terminated_on.isoformat() if agreement.terminated_on else None,
        "status_source": _source(agreement.status_source),
        "parties": [
            {
                "state": t.state,
                "joined_on": t.joined_on.isoformat(),
                "withdrew_on": t.withdrew_on.isoformat() if t.withdrew_on else None,
                "suspensions": [
                    {
                        "start": s.start.isoformat(),
                        "end": s.end.isoformat() if s.end else None,
                        "toward": sorted(s.toward) if s.toward is not None else None,
                        "source": _source(s.source),
                    }
                    for s in t.suspensions
                ],
                "source": _source(t.source),
            }
            for t in sorted(agreement.parties.values(), key=lambda t: t.state)
        ],
        "groups": [
            {
                "id": g.id,
                "name": {"en": g.name_en, "ru": g.name_ru},
                "shares_quota": g.shares_quota,
                "members": [
                    {"state": m.state, "start": m.start.isoformat(), "end": m.end.isoformat() if m.end else None}
                    for m in g.members
                ],
                "source": _source(g.source),
            }
            for g in agreement.groups
        ],
        "quota_rules": [
            {
                "id": r.id,
                "activity": str(r.activity),
                "counts": sorted(str(a) for a in r.counts),
                "kind": str(r.kind),
                "period": _period(r.period),
                "limit": _limit(r.limit),
                "party_limits": {p: _limit(lm) for p, lm in r.party_limits.items()},
                "counts_per": str(r.counts_per),
                "counts_per_source": _source(r.counts_per_source),
                "description": r.description,
                "source": _source(r.source),
                "notice_when_filled": _source(r.notice_when_filled),
            }
            for r in agreement.quota_rules
        ],
        "timing_rules": [_timing(t) for t in agreement.timing_rules],
        "outcomes": [
            {
                "status": o.status,
                "counted": o.counted,
                "compliant": o.compliant,
                "uncounted_causes": sorted(o.uncounted_causes),
                "source": _source(o.source),
            }
            for o in agreement.outcomes.values()
        ],
        "refusable_activities": [{"activity": str(a), "source": _source(s)} for a, s in agreement.refusable.items()],
        "provisions": [{"id": p.id, "text": p.text, "source": _source(p.source)} for p in agreement.provisions],
        "dates": [
            {
                "id": d.id,
                "day": f"{d.month:02d}-{d.day:02d}",
                "title": {"en": d.title_en, "ru": d.title_ru},
                "parties": str(d.parties),
                "source": _source(d.source),
            }
            for d in agreement.dates
        ],
    }


def list_agreements(session: Session, as_of: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Each loaded agreement with its version, hash and headline facts."""
    parsed = agreements_as_of(session, as_of)
    rows = []
    for v in agreement_versions(session, as_of):
        a = parsed[v.agreement_id]
        rows.append(
            {
                "id": v.agreement_id,
                "title": a.title_en,
                "title_ru": a.title_ru,
                "version": v.version,
                "sha256": v.sha256,
                "loaded_at": v.loaded_at.isoformat(),
                "in_force_from": a.in_force_from.isoformat(),
                "terminated_on": a.terminated_on.isoformat() if a.terminated_on else None,
                "parties": len(a.parties),
                "quota_rules": [r.id for r in a.quota_rules],
            }
        )
    return rows
