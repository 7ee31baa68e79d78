"""Running the Alembic migrations from code, from any working directory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

_PACKAGE = Path(__file__).resolve().parent.parent


def shipped_path(name: str) -> Path:
    """A top-level project folder: beside the package in a checkout, inside it in a wheel."""
    for candidate in (_PACKAGE / "_shipped" / name, _PACKAGE.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"csbm's {name} are not installed (looked in {_PACKAGE})")


def alembic_config(engine: Engine) -> Config:
    # Alembic is imported here, not at the top: it costs a third of a second,
    # and every CLI command imports this module for shipped_path.
    from alembic.config import Config

    # The stream now, not Config's default: that is sys.stdout as it was when alembic
    # was first imported, which may be a stream replaced (and closed) since.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(shipped_path("migrations")))
    # configparser treats % as interpolation; URL-encoded options contain it.
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def migrate_to(connection: Connection, revision: str) -> None:
    """Bring the database on ``connection`` to ``revision``, up or down, inside the caller's
    transaction (PostgreSQL and SQLite both run DDL transactionally), so that what follows
    in that transaction commits or rolls back together with the migrations."""
    from alembic import command

    config = alembic_config(connection.engine)
    config.attributes["connection"] = connection
    current = current_revision(connection)
    if current is not None and _position(revision) < _position(current):
        command.downgrade(config, revision)
    else:
        command.upgrade(config, revision)


def revisions() -> list[str]:
    """Every migration this csbm ships, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(shipped_path("migrations")))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _position(revision: str) -> int:
    known = revisions()
    return len(known) - 1 if revision == "head" else known.index(revision)


def head_revision() -> str:
    """The newest migration this csbm ships."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(shipped_path("migrations")))
    head = script.get_current_head()
    if head is None:
        raise RuntimeError("csbm ships no migrations")
    return head


def current_revision(connection: Connection) -> str | None:
    """The migration a database is at; None for a database never set up."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()
