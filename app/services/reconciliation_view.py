"""A recorded reconciliation as its readers see it: the result, with every resolution since."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app.db import records as repo
from app.domain.errors import DomainError
from app.domain.proposal import proposal
from app.domain.reconcile import Item, Kind, QuotaPair, Resolution, summary
from app.domain.statement import Statement
from app.domain.statement_reader import parse_document

RECONCILE, RESOLUTION = "reconcile", "resolution"


@dataclass(frozen=True, slots=True)
class ResolutionRecord:
    item: int
    resolution: Resolution
    note: str
    at: dt.datetime
    by: str

    def as_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "resolution": str(self.resolution),
            "note": self.note,
            "at": self.at.isoformat(),
            "by": self.by,
        }


@dataclass(frozen=True, slots=True)
class ReconciliationView:
    """A recorded reconciliation with every resolution recorded since (the latest per item counts)."""

    number: int
    recorded_at: dt.datetime
    recorded_by: str
    body: Mapping[str, Any]
    items: list[Item]
    quotas: list[QuotaPair]
    history: list[ResolutionRecord] = field(default_factory=list)

    @property
    def theirs(self) -> Statement:
        return parse_document(self.body["theirs"], require_chain=self.body["form"] == "json")

    @property
    def ours(self) -> Statement:
        return parse_document(self.body["ours"])

    @property
    def partner(self) -> str:
        return str(self.body["theirs"]["issuer"]["state"])

    @property
    def home(self) -> str:
        return str(self.body["ours"]["issuer"]["state"])

    def resolutions(self) -> dict[int, ResolutionRecord]:
        return {r.item: r for r in self.history}

    def open_items(self) -> list[int]:
        resolved = self.resolutions()
        return [n for n, item in enumerate(self.items, 1) if item.kind is not Kind.AGREED and n not in resolved]

    def proposal(self, item: int) -> dict[str, str] | None:
        return proposal(self.items[item - 1], partner=self.partner, reconciliation=self.number)

    def as_json(self) -> dict[str, Any]:
        resolved = self.resolutions()
        items = []
        for n, item in enumerate(self.items, 1):
            found = resolved.get(n)
            items.append({"item": n, **item.as_json(), "resolution": found.as_json() if found else None})
        return {
            "number": self.number,
            "recorded_at": self.recorded_at.isoformat(),
            "recorded_by": self.recorded_by,
            "partner": self.partner,
            "home_state": self.home,
            "period": self.body["theirs"]["period"],
            "agreements": self.body["theirs"]["agreements"],
            "form": self.body["form"],
            "signed": self.body["signed"],
            "key": self.body["key"],
            "tolerance_days": self.body["tolerance_days"],
            "theirs": {"sha256": self.body["theirs_sha256"], "chain": self.body["theirs"]["chain"]},
            "ours": {"sha256": self.body["ours_sha256"], "chain": self.body["ours"]["chain"]},
            "summary": summary(self.items),
            "items": items,
            "quotas": [q.as_json() for q in self.quotas],
            "history": [r.as_json() for r in self.history],
        }


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def load_reconciliation(session: Session, number: int) -> ReconciliationView:
    found = repo.records(session, RECONCILE, str(number))
    if not found:
        raise DomainError(f"no reconciliation {number}", field="reconciliation")
    record = found[0]
    body = json.loads(record.body)
    history = []
    for r in repo.records(session, RESOLUTION, str(number)):
        data = json.loads(r.body)
        history.append(
            ResolutionRecord(
                data["item"], Resolution(data["resolution"]), data["note"], _utc(r.recorded_at), r.recorded_by
            )
        )
    return ReconciliationView(
        number=number,
        recorded_at=_utc(record.recorded_at),
        recorded_by=record.recorded_by,
        body=body,
        items=[Item.from_json(i) for i in body["items"]],
        quotas=[QuotaPair.from_json(q) for q in body["quotas"]],
        history=history,
    )


def list_reconciliations(session: Session) -> list[dict[str, Any]]:
    found = []
    for record in reversed(repo.records(session, RECONCILE)):
        body = json.loads(record.body)
        items = [Item.from_json(i) for i in body["items"]]
        found.append(
            {
                "number": body["number"],
                "recorded_at": _utc(record.recorded_at).isoformat(),
                "recorded_by": record.recorded_by,
                "partner": body["theirs"]["issuer"]["state"],
                "period": body["theirs"]["period"]["label"],
                "signed": body["signed"],
                "summary": summary(items),
            }
        )
    return found
