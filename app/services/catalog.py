"""Loading agreement files into the database, and reading them back as of a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy.orm import Session

from app.catalog.loader import load_directory, parse_agreement
from app.db import repositories as repo
from app.db.migrate import shipped_path
from app.db.models import AgreementVersion
from app.domain.agreement import Agreement


@dataclass(frozen=True, slots=True)
class LoadResult:
    agreement_id: str
    version: int
    changed: bool
    sha256: str


def shipped_agreements() -> Path:
    return shipped_path("agreements")


def load_agreements(session: Session, directory: Path | None, *, at: dt.datetime, by: str) -> list[LoadResult]:
    """Validate every file first (CatalogError on any problem, nothing written),
    then store each agreement as a new version only when its content changed."""
    loaded = load_directory(directory or shipped_agreements())
    current = {v.agreement_id: v for v in repo.agreement_versions(session)}
    results = []
    for item in loaded:
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
        results.append(LoadResult(item.agreement.id, version, True, item.sha256))
    return results


@lru_cache(maxsize=64)
def _parsed(sha256: str, content: str, filename: str) -> Agreement:
    return parse_agreement(content, filename).agreement


def agreements_as_of(session: Session, as_of: dt.datetime | None = None) -> dict[str, Agreement]:
    """The agreements as loaded at ``as_of`` (now when None), so old answers replay."""
    return {v.agreement_id: _parsed(v.sha256, v.content, v.filename) for v in repo.agreement_versions(session, as_of)}


def agreement_versions(session: Session, as_of: dt.datetime | None = None) -> list[AgreementVersion]:
    return repo.agreement_versions(session, as_of)
