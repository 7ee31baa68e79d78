"""Declarations: the figures quotas are computed from, recorded one at a time or a file at a time.

A changed value (or source) is a new revision; an unchanged one writes
nothing. Each recorded declaration, and each imported file, is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import PurePath
from typing import TextIO

from sqlalchemy.orm import Session

from app.db import repositories as repo
from app.domain.ledger import Declaration
from app.services.accounts import audit
from app.services.declarations_csv import (
    FIRST_YEAR,
    LAST_YEAR,
    parse_declaration,
    party_problem,
    read_declarations,
    write_declarations,
)
from app.services.errors import InvalidInput, Problem
from app.services.ledger import ImportSummary
from app.services.status import replay_moment


def as_json(declaration: Declaration) -> dict[str, object]:
    d = declaration
    return {"state": d.state, "year": d.year, "name": d.name, "value": d.value, "source": d.source}


def checked(values: Mapping[str, str]) -> Declaration:
    """A declaration from text fields (a form, a request, the command line); InvalidInput when bad."""
    declared, problems = parse_declaration(values)
    if declared is None:
        raise InvalidInput(problems)
    return declared


def declare(session: Session, declaration: Declaration, *, at: dt.datetime, by: str) -> bool:
    """Record a declaration; a changed value is a new revision. False when unchanged."""
    before = repo.declarations(session, years=[declaration.year]).get(
        (declaration.state, declaration.year, declaration.name)
    )
    changed = repo.record_declaration(session, declaration, at=at, by=by)
    if changed:
        audit(
            session,
            by=by,
            at=at,
            action="declaration.record",
            target=f"{declaration.state} {declaration.year} {declaration.name}",
            before=None if before is None else {"value": before},
            after={"value": declaration.value, "source": declaration.source},
        )
    return changed


def record(session: Session, values: Mapping[str, str], *, at: dt.datetime, by: str) -> bool:
    return declare(session, checked(values), at=at, by=by)


def whole_year(text: str | None) -> int | None:
    """A year filter as text (a form's): None when empty; InvalidInput when it is no whole number."""
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise InvalidInput.one("year", f"{text!r} is not a whole number") from None


def listed(
    session: Session, *, year: int | None = None, state: str | None = None, as_of: str | None = None
) -> list[Declaration]:
    """The latest value of each declaration (as of a replay), of one year and one state or group."""
    problems = (
        [] if year is None or FIRST_YEAR <= year <= LAST_YEAR else [Problem("year", f"year {year} is out of range")]
    )
    if state and (problem := party_problem(state)) is not None:
        problems.append(problem)
    if problems:
        raise InvalidInput(problems)
    found = repo.declaration_list(session, replay_moment(as_of))
    return [d for d in found if (year is None or d.year == year) and (not state or d.state == state)]


def import_declarations(session: Session, name: str, data: bytes, *, at: dt.datetime, by: str) -> ImportSummary:
    """All or nothing: FileRejected names every bad row; new and changed figures become revisions."""
    declarations = read_declarations(name, data)
    current = {(d.state, d.year, d.name): d for d in repo.declaration_list(session)}
    created = revised = 0
    for declared in declarations:
        before = current.get((declared.state, declared.year, declared.name))
        if before == declared:
            continue
        repo.record_declaration(session, declared, at=at, by=by)
        created, revised = (created + 1, revised) if before is None else (created, revised + 1)
    summary = ImportSummary(created=created, revised=revised, unchanged=len(declarations) - created - revised)
    audit(session, by=by, at=at, action="declarations.import", target=PurePath(name).name, after=summary.as_json())
    return summary


def export_declarations(session: Session, stream: TextIO, *, as_of: str | None = None) -> int:
    """Every declaration's latest value (as of a replay) in the import format."""
    return write_declarations(repo.declaration_list(session, replay_moment(as_of)), stream)
