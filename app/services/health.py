"""Readiness, for a load balancer: the database answers and is at the newest migration."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine

from app.db.migrate import current_revision, head_revision
from app.db.session import single_read
from app.services.errors import from_database_error


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    detail: str
    schema: str | None = None


@lru_cache(maxsize=1)
def _head() -> str:
    return head_revision()


def readiness(engine: Engine) -> Readiness:
    try:
        with single_read(engine) as connection:
            schema = current_revision(connection)
    except Exception as exc:
        # Anyone may ask (a load balancer has no login): say what is wrong, not where.
        if from_database_error(exc) is None:
            raise
        return Readiness(False, "the database does not answer")
    if schema is None:
        return Readiness(False, "the database is not set up: run `csbm db upgrade`")
    if schema != _head():
        return Readiness(False, f"the database is at migration {schema}, csbm needs {_head()}: run `csbm db upgrade`")
    return Readiness(True, "the database answers and is at the newest migration", schema)
