"""``csbm notices``: the quota-filled notices csbm drafted, and recording that one was sent."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from app.cli.common import Json, Url, User, commands, group, now, session, who
from app.cli.output import emit, emit_rows
from app.services import notices as service
from app.services.errors import NotFound

app = commands()
help_line = "Quota-filled notices: list the drafts and their status (the default), or record one as sent."
notices = group(app, "notices", help_line, listing=True)

NoticeId = Annotated[int, typer.Argument(help="The notice's number")]
SentOn = Annotated[str, typer.Option("--on", help="The day it was sent, YYYY-MM-DD")]
Reference = Annotated[str, typer.Option("--reference", help="The outgoing reference")]


@notices.callback()
def listed(ctx: typer.Context, url: Url = None, as_json: Json = False) -> None:
    """List the notices drafted when a quota of ours was filled, with their status."""
    if ctx.invoked_subcommand is not None:
        return
    with session(url) as s:
        rows = service.list_notices(s)
    emit_rows(as_json, rows, _line, "No notices.")


def _line(r: dict[str, Any]) -> str:
    sent = f"sent {r['sent_on']} as {r['sent_reference']}" if r["sent_on"] else "draft, not sent"
    return (
        f"#{r['id']} {r['agreement']} {r['rule']} {r['party']} {r['period_start']}..{r['period_end']} "
        f"(limit {r['limit']}, filled by {r['filled_by']}): {sent}"
    )


@notices.command("show")
def show(
    notice_id: NoticeId,
    lang: Annotated[str, typer.Option("--lang", help="en or ru")] = "en",
    url: Url = None,
) -> None:
    """Print a notice's text, ready to send through the OSCE network."""
    with session(url) as s:
        rows = {r["id"]: r for r in service.list_notices(s)}
    if notice_id not in rows:
        raise NotFound(service.NO_NOTICE)
    typer.echo(rows[notice_id]["text"].get(lang, rows[notice_id]["text"]["en"]))


@notices.command("mark-sent")
def mark_sent(
    notice_id: NoticeId,
    on: SentOn,
    reference: Reference,
    url: Url = None,
    user: User = None,
    as_json: Json = False,
) -> None:
    """Record that the officer sent a notice: the day and the outgoing reference (audited)."""
    sent = service.sending(on, reference)
    with session(url, write=True) as s:
        after = service.mark_sent(s, notice_id, sent, by=who(url, user), at=now())
    emit(as_json, after, f"notice #{notice_id}: sent {after['sent_on']} as {after['sent_reference']}")
