"""``csbm db``: the database's schema."""

from __future__ import annotations

from app.cli.common import Url, commands, group, upgrade_database
from app.cli.output import console

app = commands()
db = group(app, "db", "The database.")


@db.command("upgrade")
def upgrade(url: Url = None) -> None:
    """Apply the migrations."""
    console.print(f"Database at {upgrade_database(url)} is up to date.")
