"""``csbm demo``: the shipped agreements and the illustrative sample data."""

from __future__ import annotations

from app.cli.common import Json, Url, User, commands, now, session, who
from app.cli.output import console, print_json

app = commands()


@app.command("demo")
def demo(url: Url = None, user: User = None, as_json: Json = False) -> None:
    """Load the shipped agreements and the illustrative Belarus sample data (idempotent)."""
    from app.services import demo

    with session(url, write=True) as s:
        summary = demo.load_demo(s, at=now(), by=who(url, user))
    if as_json:
        print_json(summary)
    else:
        console.print(
            f"Sample data (illustrative): {summary['entries_created']} entries new, "
            f"{summary['entries_revised']} revised, {summary['declarations_recorded']} declarations recorded."
        )
