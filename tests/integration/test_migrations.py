from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from app.db.migrate import alembic_config, downgrade, upgrade


def test_the_models_and_the_migrations_agree(engine: Engine) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)


def test_every_migration_runs_up_down_and_up_again(engine: Engine) -> None:
    """The stairway: each revision, from the first, can be undone and redone."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    downgrade(engine, "base")
    for revision in revisions:
        upgrade(engine, revision)
        down = script.get_revision(revision).down_revision
        downgrade(engine, down if isinstance(down, str) else "base")
        upgrade(engine, revision)
