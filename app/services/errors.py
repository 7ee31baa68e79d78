"""What a use case refuses, said once for every front end.

The services raise these; the CLI prints the message and exits 1 (3 for a
quota refusal), the API answers problem+json (422, 404, 409, 503) and a page
shows the message beside its field. A database failure is turned into one of
them here, so every command and every request says the same about a
database that is not set up, unreachable or busy, and about a concurrent write.

No third-party import at module level: the CLI imports this to start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad input. ``field`` is named as the API and the forms name it ("to", "inspecting_state")."""

    field: str
    message: str


class ServiceError(Exception):
    """A use case that could not be done; nothing was written. ``field``: the input it is about."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ServiceError):
    """Bad input, each problem located by its field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls([Problem(field, message)])


class NotFound(ServiceError):
    """What was asked for does not exist (an entry's ref, an agreement)."""


class Conflict(ServiceError):
    """Someone else wrote the same thing at the same moment, or it exists already."""


class FileRejected(ServiceError):
    """A file to import, with every bad line located as ``FILE:LINE: column: message``."""

    def __init__(self, name: str, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__(f"{name}: nothing was imported ({len(self.messages)} error(s))")


class DatabaseUnavailable(ServiceError):
    """The database cannot answer now: not set up, unreachable or busy. Worth retrying."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


NOT_SET_UP = "the database is not set up: run `csbm db upgrade` first"
CONCURRENT_WRITE = "recorded by someone else at the same moment; try again"


def from_database_error(exc: Exception) -> ServiceError | None:
    """The ServiceError a database failure means, or None when it is no database failure."""
    from sqlalchemy import exc as sa

    if isinstance(exc, sa.IntegrityError):
        return Conflict(CONCURRENT_WRITE)
    if isinstance(exc, sa.TimeoutError):
        return DatabaseUnavailable("every database connection is in use; try again shortly")
    if not isinstance(exc, sa.OperationalError | sa.InterfaceError):
        return None
    text = str(exc.orig if exc.orig is not None else exc).strip().splitlines()[0]
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return DatabaseUnavailable(f"{NOT_SET_UP} ({text})", retry_after=60)
    if "database is locked" in text:
        return DatabaseUnavailable("the database is busy with another write; try again shortly")
    return DatabaseUnavailable(f"the database is unavailable: {text}")
