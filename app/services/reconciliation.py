"""Reconciling a partner's statement with our ledger, and resolving the differences.

A reconciliation is recorded once, whole: the partner's statement as read, the
statement we built from our ledger at that moment, and the result. Resolutions
are later records of their own; nothing is ever changed in place, and nothing
here writes to the ledger. A statement that cannot be trusted or read is
refused before anything is recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.db import records as repo
from app.db.chain_writer import lock_writers
from app.domain.engine import evaluate
from app.domain.errors import DomainError
from app.domain.force import in_force_between_during
from app.domain.ledger import LedgerEntry
from app.domain.proposal import entry_texts, ledger_add_command
from app.domain.reconcile import (
    DEFAULT_TOLERANCE_DAYS,
    Kind,
    Resolution,
    compare_quotas,
    match_entries,
    summary,
)
from app.domain.statement import JsonValue, Statement, canonical_text
from app.domain.statement_reader import StatementError, parse_statement
from app.services import catalog, keys
from app.services.accounts import audit
from app.services.ledger_csv import EntryContext, parse_entry
from app.services.reconciliation_view import RECONCILE, RESOLUTION, load_reconciliation
from app.services.statement_csv import is_csv_form, read_statement_csv
from app.services.statements import between, build_statement
from app.services.states import known_states

MAX_NOTE = 2_000


class StatementRefused(DomainError):
    """A partner's statement that is not reconciled; nothing was recorded."""


@dataclass(frozen=True, slots=True)
class Received:
    statement: Statement
    form: str  # "json" or "csv"
    key: keys.KeyInfo | None  # the key that signed it; None for an unsigned CSV


def read_partner_statement(session: Session, data: bytes, name: str, *, home: str) -> Received:
    """The partner's statement, read and checked: for us, signed by a registered key of the
    issuer (unless in CSV form), under agreements in force between the two."""
    context = EntryContext(agreements=catalog.agreements_as_of(session), states=known_states())
    form = "csv" if is_csv_form(data) else "json"
    try:
        statement = read_statement_csv(data, context) if form == "csv" else parse_statement(data)
    except StatementError as exc:
        raise StatementRefused(f"{name}: {exc}") from None
    _for_us(statement, name, home)
    key = None
    if form == "json":
        if statement.signature is None:
            raise StatementRefused(f"{name}: the statement is not signed; only the CSV form may be unsigned")
        try:
            key = keys.verify_signature(
                session, statement.signature, statement.canonical_bytes(), state=statement.issuer
            )
        except keys.SignatureError as exc:
            raise StatementRefused(f"{name}: {exc.message}") from None
    _agreements_in_force(statement, context, name)
    if form == "json":
        _entries_valid(statement, context, name)
    return Received(statement, form, key)


def _for_us(statement: Statement, name: str, home: str) -> None:
    if statement.issuer == home:
        raise StatementRefused(f"{name}: the statement was made by {home}, this centre; reconcile the partner's")
    if statement.partner != home:
        raise StatementRefused(
            f"{name}: the statement is {statement.issuer}'s for {statement.partner}; this centre's home state is {home}"
        )


def _agreements_in_force(statement: Statement, context: EntryContext, name: str) -> None:
    period = statement.period
    for agreement_id in statement.agreements:
        agreement = context.agreements.get(agreement_id)
        if agreement is None:
            raise StatementRefused(f"{name}: agreements: {agreement_id!r} is not loaded in this csbm")
        if not in_force_between_during(agreement, statement.issuer, statement.partner, period.start, period.end):
            raise StatementRefused(
                f"{name}: agreements: {agreement_id} is not in force between {statement.issuer} and "
                f"{statement.partner} in {period.start}..{period.end}"
            )


def _entries_valid(statement: Statement, context: EntryContext, name: str) -> None:
    """Each entry must be one our ledger could hold (the checks an import makes)."""
    for i, record in enumerate(statement.entries):
        _entry, problems = parse_entry(entry_texts(record), context)
        if problems:
            column, message = problems[0]
            raise StatementRefused(f"{name}: entries[{i}].{column}: {message}")


def their_quotas(received: Received, context: EntryContext) -> list[dict[str, JsonValue]]:
    """The partner's quota rows: as stated, or (CSV form) counted from its entries by our engine."""
    statement = received.statement
    if received.form == "json":
        return [dict(r) for r in statement.quotas]
    parsed = [parse_entry(entry_texts(r), context)[0] for r in statement.entries]
    entries: list[LedgerEntry] = [e for e in parsed if e is not None]
    rows = []
    for agreement_id in statement.agreements:
        agreement = context.agreements[agreement_id]
        result = evaluate(agreement, entries, {}, start=statement.period.start, end=statement.period.end)
        rows += [dict(r.as_json()) for r in result.rows if between(agreement, r, statement.issuer, statement.partner)]
    return rows


def reconcile(
    session: Session,
    data: bytes,
    name: str,
    *,
    home: str,
    tolerance_days: int = DEFAULT_TOLERANCE_DAYS,
    at: dt.datetime,
    by: str,
) -> int:
    """Reconcile a partner's statement with our ledger and record the result; its number is returned."""
    received = read_partner_statement(session, data, name, home=home)
    theirs = received.statement
    ours = build_statement(
        session, home=home, partner=theirs.issuer, period=theirs.period, agreements=theirs.agreements, at=at, by=by
    )
    context = EntryContext(agreements=catalog.agreements_as_of(session), states=known_states())
    items = match_entries(list(ours.entries), list(theirs.entries), tolerance_days=tolerance_days)
    quotas = compare_quotas(ours.quotas, their_quotas(received, context))
    lock_writers(session)  # the number is the count of reconciliations so far: no two may take it
    number = repo.count_records(session, RECONCILE) + 1
    body: dict[str, JsonValue] = {
        "number": number,
        "source": name[-200:],
        "form": received.form,
        "signed": received.key is not None,
        "key": received.key.fingerprint if received.key else None,
        "tolerance_days": tolerance_days,
        "theirs": theirs.as_json(),
        "theirs_sha256": theirs.sha256(),
        "ours": ours.body(),
        "ours_sha256": ours.sha256(),
        "items": [i.as_json() for i in items],
        "quotas": [q.as_json() for q in quotas],
    }
    repo.append_record(session, kind=RECONCILE, subject=str(number), body=canonical_text(body), at=at, by=by)
    audit(
        session,
        by=by,
        at=at,
        action="reconciliation.record",
        target=str(number),
        after={"partner": theirs.issuer, "statement_sha256": theirs.sha256(), **summary(items)},
    )
    return number


def resolve(
    session: Session, number: int, item: int, resolution: Resolution, note: str, *, at: dt.datetime, by: str
) -> dict[str, Any]:
    """Record the officer's resolution of one difference. Agreed-as-theirs proposes the entry our
    ledger would need (and the command that records it); the ledger itself is not touched."""
    view = load_reconciliation(session, number)
    if not 1 <= item <= len(view.items):
        raise DomainError(f"reconciliation {number} has items 1 to {len(view.items)}, not {item}", field="item")
    if view.items[item - 1].kind is Kind.AGREED:
        raise DomainError(f"item {item} is agreed: there is nothing to resolve", field="item")
    note = note.strip()
    if not note or len(note) > MAX_NOTE:
        raise DomainError(f"a resolution needs a note (at most {MAX_NOTE} characters)", field="note")
    body: dict[str, JsonValue] = {"item": item, "resolution": str(resolution), "note": note}
    repo.append_record(session, kind=RESOLUTION, subject=str(number), body=canonical_text(body), at=at, by=by)
    audit(session, by=by, at=at, action="reconciliation.resolve", target=f"{number}/{item}", after=body)
    proposed = view.proposal(item) if resolution is Resolution.AGREED_AS_THEIRS else None
    return {**body, "proposal": proposed, "command": ledger_add_command(proposed) if proposed else None}
