"""Statements: building ours from the ledger, signing and exporting it (docs/statements.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app import __version__
from app.db import records as repo
from app.db.chain_writer import chain_heads
from app.domain.agreement import Agreement
from app.domain.errors import DomainError
from app.domain.force import in_force_between_during
from app.domain.quota import QuotaRow
from app.domain.report import ReportPeriod
from app.domain.statement import JsonValue, Period, Statement, canonical_text, statement_entry
from app.services import catalog, keys
from app.services.accounts import audit
from app.services.evaluation import evaluate_range, party_has_state
from app.services.statement_csv import statement_csv

EXPORT = "statement.export"


@dataclass(frozen=True, slots=True)
class Exported:
    """One statement in both forms, so that the CSV a partner reads is made from the signed JSON."""

    statement: Statement
    json: bytes
    csv: bytes


def made_at(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def choose_agreements(
    agreements: Mapping[str, Agreement], home: str, partner: str, period: Period, chosen: Sequence[str] | None
) -> list[Agreement]:
    """The agreements a statement between the two covers: those named, each of which must be in
    force between them during the period; by default every loaded one that is."""
    if chosen:
        unknown = [a for a in chosen if a not in agreements]
        if unknown:
            known = ", ".join(sorted(agreements)) or "none loaded"
            raise DomainError(f"unknown agreement {', '.join(unknown)} (known: {known})", field="agreement")
        found = [agreements[a] for a in chosen]
        idle = [a.id for a in found if not in_force_between_during(a, home, partner, period.start, period.end)]
        if idle:
            raise DomainError(
                f"{', '.join(idle)} is not in force between {home} and {partner} in {period.start}..{period.end}",
                field="agreement",
            )
        return sorted(found, key=lambda a: a.id)
    found = [a for a in agreements.values() if in_force_between_during(a, home, partner, period.start, period.end)]
    if not found:
        raise DomainError(f"no agreement loaded is in force between {home} and {partner} in {period.label}")
    return sorted(found, key=lambda a: a.id)


def between(agreement: Agreement, row: QuotaRow, one: str, other: str) -> bool:
    """A quota row of one of the two receiving from the other: what both sides can count."""

    def sides(receiving: str, inspecting: str) -> bool:
        return party_has_state(agreement, row.receiving_state, receiving) and party_has_state(
            agreement, row.inspecting_state, inspecting
        )

    return sides(one, other) or sides(other, one)


def quota_rows_between(
    session: Session, agreements: Sequence[Agreement], home: str, partner: str, period: Period
) -> list[dict[str, JsonValue]]:
    by_id = {a.id: a for a in agreements}
    evaluations = evaluate_range(session, by_id, start=period.start, end=period.end, count_until=period.end)
    return [dict(r.as_json()) for ev in evaluations for r in ev.result.rows if between(ev.agreement, r, home, partner)]


def build_statement(
    session: Session,
    *,
    home: str,
    partner: str,
    period: Period,
    agreements: Sequence[str] | None = None,
    at: dt.datetime,
    by: str,
) -> Statement:
    """Our statement with ``partner`` for ``period``, unsigned, from the ledger as it stands."""
    if home == partner:
        raise DomainError(f"the partner must be another state than the home state {home}", field="partner")
    chosen = choose_agreements(catalog.agreements_as_of(session), home, partner, period, agreements)
    heads = {name: head for name, head in chain_heads(session).items() if name != "reconciliations"}
    entries = repo.entries_at(
        session,
        start=period.start,
        end=period.end,
        agreements=[a.id for a in chosen],
        states=(home, partner),
        seq=heads["ledger"].seq,
    )
    return Statement(
        issuer=home,
        partner=partner,
        period=period,
        agreements=tuple(a.id for a in chosen),
        entries=tuple(statement_entry(e) for e in entries),
        quotas=tuple(quota_rows_between(session, chosen, home, partner, period)),
        chain={name: {"seq": head.seq, "hash": head.hash} for name, head in heads.items()},
        made_by=by,
        made_at=made_at(at),
        csbm_version=__version__,
    )


def as_period(period: ReportPeriod) -> Period:
    return Period(start=period.start, end=period.end, label=period.label)


def export_statement(
    session: Session,
    *,
    home: str,
    partner: str,
    period: ReportPeriod,
    agreement: str | None,
    key_path: Path,
    passphrase: str | None,
    at: dt.datetime,
    by: str,
) -> Exported:
    """Build, sign and record our statement; the caller writes the files."""
    private = keys.signing_key(session, key_path, passphrase, home)
    statement = build_statement(
        session,
        home=home,
        partner=partner,
        period=as_period(period),
        agreements=[agreement] if agreement else None,
        at=at,
        by=by,
    )
    signed = statement.signed(keys.sign(private, statement.canonical_bytes()))
    sha = signed.sha256()
    repo.append_record(
        session, kind=EXPORT, subject=sha, body=canonical_text({"statement": signed.as_json()}), at=at, by=by
    )
    audit(
        session,
        by=by,
        at=at,
        action="statement.export",
        target=f"{home}-{partner} {period.label}",
        after={
            "sha256": sha,
            "entries": len(signed.entries),
            "key": signed.signature.key if signed.signature else None,
        },
    )
    return Exported(signed, signed.to_bytes(), statement_csv(signed).encode("utf-8"))
