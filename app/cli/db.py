"""``csbm db``: the database's schema."""

from __future__ import annotations

from app.cli.common import DatabaseUrl, commands, group, upgrade_database
from app.cli.output import console

app = commands()
db = group("The database.")
app.add_typer(db, name="db")


@db.command("upgrade")
def upgrade(database_url: DatabaseUrl = None) -> None:
    """Apply the migrations."""
    console.print(f"Database at {upgrade_database(database_url)} is up to date.")
