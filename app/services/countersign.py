"""Countersignatures: the partner's signature over the statement both sides agreed.

When both centres use csbm, the partner countersigns our statement once every
difference is settled in its favour: its signature, by its own key, over the
same canonical bytes ours covers. We verify it and keep it. From then on
``csbm audit verify`` checks that the ledger, as it stood at the statement's
chain head, still holds exactly the countersigned entries. An insider who edits
an entry in SQL and recomputes every hash of the chain still cannot recompute
the partner's signature, whose copy the partner keeps.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.db import records as repo
from app.db.chain_reader import hash_at
from app.domain.chain import Break
from app.domain.errors import DomainError
from app.domain.reconcile import Kind, Resolution
from app.domain.statement import Signature, Statement, canonical_text, statement_entry
from app.domain.statement_reader import StatementError, load_json, parse_document
from app.services import keys
from app.services.accounts import audit
from app.services.reconciliation import StatementRefused
from app.services.reconciliation_view import load_reconciliation
from app.services.statements import EXPORT, made_at

FORMAT = "csbm-countersignature-1"
GIVEN, RECEIVED = "countersign.give", "countersign.receive"


def countersign(
    session: Session, number: int, *, key_path: Path, passphrase: str | None, at: dt.datetime, by: str
) -> bytes:
    """Our countersignature over the partner's statement of reconciliation ``number``, as a file
    for the partner. Only a signed statement whose every difference was agreed as theirs is signed."""
    view = load_reconciliation(session, number)
    if not view.body["signed"]:
        raise DomainError(
            f"reconciliation {number} is of an unsigned statement; only a csbm statement is countersigned"
        )
    resolved = view.resolutions()
    unsettled = [
        n
        for n, item in enumerate(view.items, 1)
        if item.kind is not Kind.AGREED
        and (n not in resolved or resolved[n].resolution is not Resolution.AGREED_AS_THEIRS)
    ]
    if unsettled:
        raise DomainError(
            f"reconciliation {number}: item(s) {', '.join(map(str, unsettled))} are not agreed as {view.partner}'s; "
            f"countersign only a statement both sides agree on (ask {view.partner} for a corrected statement)"
        )
    statement = view.theirs
    private = keys.signing_key(session, key_path, passphrase, view.home)
    signature = keys.sign(private, statement.canonical_bytes())
    block = {"state": view.home, "signed_by": by, "signed_at": made_at(at), **signature.as_json()}
    document = {
        "format": FORMAT,
        "statement_sha256": statement.sha256(),
        "statement": statement.as_json(),
        "countersignature": block,
    }
    body = canonical_text({"reconciliation": number, "countersignature": dict(block)})
    repo.append_record(session, kind=GIVEN, subject=statement.sha256(), body=body, at=at, by=by)
    audit(session, by=by, at=at, action="statement.countersign", target=statement.sha256(), after=block)
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _read(data: bytes, name: str) -> tuple[Statement, Signature, dict[str, Any]]:
    try:
        document = load_json(data)
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise StatementError(f"not a countersignature (format {FORMAT})", field="format")
        statement = parse_document(document.get("statement"))
        block = document.get("countersignature")
        if not isinstance(block, dict) or not all(isinstance(block.get(k), str) for k in ("state", "key", "value")):
            raise StatementError("state, key and value are required", field="countersignature")
    except StatementError as exc:
        raise StatementRefused(f"{name}: {exc}") from None
    return statement, Signature(key=block["key"], value=block["value"]), block


def accept_countersignature(session: Session, data: bytes, name: str, *, home: str, at: dt.datetime, by: str) -> str:
    """Verify the partner's countersignature over a statement we exported, and keep it."""
    statement, countersignature, block = _read(data, name)
    sha = statement.sha256()
    if statement.issuer != home:
        raise StatementRefused(f"{name}: the statement is {statement.issuer}'s, not this centre's ({home})")
    if not repo.records(session, EXPORT, sha):
        raise StatementRefused(f"{name}: this centre has no record of exporting statement {sha[:12]}…")
    if block["state"] != statement.partner:
        raise StatementRefused(f"{name}: countersigned by {block['state']}, not by the partner {statement.partner}")
    try:
        _signatures_hold(session, statement, countersignature)
    except keys.SignatureError as exc:
        raise StatementRefused(f"{name}: {exc.message}") from None
    if any(
        json.loads(r.body)["countersignature"]["key"] == countersignature.key
        for r in repo.records(session, RECEIVED, sha)
    ):
        return sha
    body = canonical_text({"statement": statement.as_json(), "countersignature": block})
    repo.append_record(session, kind=RECEIVED, subject=sha, body=body, at=at, by=by)
    audit(
        session,
        by=by,
        at=at,
        action="statement.countersigned",
        target=sha,
        after={"by": block["state"], "key": countersignature.key},
    )
    return sha


def _signatures_hold(session: Session, statement: Statement, countersignature: Signature) -> None:
    if statement.signature is None:
        raise keys.SignatureError("the statement carries no signature of ours")
    data = statement.canonical_bytes()
    keys.verify_signature(session, statement.signature, data, state=statement.issuer)
    keys.verify_signature(session, countersignature, data, state=statement.partner)


def verify_countersigned(session: Session) -> tuple[int, list[Break]]:
    """Every countersigned statement against the ledger as it stood at the statement's chain head."""
    breaks = []
    found = repo.records(session, RECEIVED)
    for record in found:
        try:
            body = json.loads(record.body)
            statement = parse_document(body["statement"])
            countersignature = Signature(key=body["countersignature"]["key"], value=body["countersignature"]["value"])
        except (ValueError, KeyError, TypeError) as exc:  # edited in SQL: the records' chain names it too
            detail = f"the countersigned statement recorded at place {record.seq} can no longer be read ({exc})"
            breaks.append(Break("statements", int(record.seq), record.subject, "countersigned", detail))
            continue
        problem = _problem(session, statement, countersignature)
        if problem:
            where = f"{statement.issuer}-{statement.partner} {statement.period.label}"
            detail = f"statement {statement.sha256()[:12]}… ({where}, countersigned by {statement.partner}): {problem}"
            breaks.append(Break("statements", int(record.seq), statement.sha256(), "countersigned", detail))
    return len(found), breaks


def _problem(session: Session, statement: Statement, countersignature: Signature) -> str | None:
    try:
        _signatures_hold(session, statement, countersignature)
    except keys.SignatureError as exc:
        return f"the signatures no longer verify ({exc.message})"
    head = statement.chain["ledger"]
    if not isinstance(head, dict) or not isinstance(head["seq"], int):
        return "it names no ledger chain head"
    seq, expected = head["seq"], str(head["hash"])
    if seq and hash_at(session, "ledger", seq) != expected:
        return (
            f"it was made from ledger revision {seq} with hash {expected[:12]}…, and the ledger's chain now holds "
            "another hash there: the history it was made from was rewritten"
        )
    try:
        now = [
            statement_entry(e)
            for e in repo.entries_at(
                session,
                start=statement.period.start,
                end=statement.period.end,
                agreements=statement.agreements,
                states=(statement.issuer, statement.partner),
                seq=seq,
            )
        ]
    except ValueError as exc:
        return f"an entry it covers can no longer be read ({exc})"
    return _entries_problem(list(statement.entries), now)


def _entries_problem(signed: list[dict[str, Any]], now: list[dict[str, Any]]) -> str | None:
    by_ref = {str(e["ref"]): e for e in now}
    for entry in signed:
        current = by_ref.pop(str(entry["ref"]), None)
        if current is None:
            return f"entry {entry['ref']} is no longer in the ledger as it stood then"
        fields = [f for f in dict.fromkeys([*entry, *current]) if entry.get(f) != current.get(f)]
        if fields:
            values = ", ".join(f"{f}={current.get(f)!r} (countersigned {entry.get(f)!r})" for f in fields)
            return f"entry {entry['ref']} now differs from what was countersigned: {values}"
    if by_ref:
        return f"the ledger as it stood then now holds entries the statement does not: {', '.join(sorted(by_ref))}"
    return None
