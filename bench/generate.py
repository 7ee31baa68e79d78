"""Synthetic ledgers and declarations for benchmarks, deterministic for a seed.

Entries spread over all seven agreements, only on dates and between states for
which the agreement was in force, with a realistic mix of statuses (most
conducted; some pending, refused, cancelled or prevented by force majeure),
team sizes and timestamps. Sizes are years x entries per year:

    python bench/generate.py --years 1 --per-year 30000 --csv ledger.csv
    python bench/generate.py --years 30 --per-year 30000 --database-url sqlite:///var/L.sqlite3
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.catalog.loader import load_directory
from app.db import repositories as repo
from app.db.migrate import shipped_path, upgrade
from app.db.session import make_engine, transaction
from app.domain.agreement import Activity, Agreement
from app.domain.force import in_force_between, party_in_force
from app.domain.ledger import Declaration, LedgerEntry, Status
from app.services import catalog
from app.services.ledger_csv import write_ledger

LAST_YEAR = 2025
SIZES = {"S": (1, 30_000), "L": (30, 30_000)}
WEIGHTS = {
    "vd2011": 50,
    "cfe": 25,
    "open-skies": 15,
    "by-lt-2001": 3,
    "by-lv-2004": 2,
    "by-pl-2004": 3,
    "by-ua-2001": 2,
}
ACTIVITIES = {
    "vd2011": [Activity.INSPECTION, Activity.EVALUATION_VISIT],
    "cfe": [Activity.DECLARED_SITE_INSPECTION, Activity.DECLARED_SITE_INSPECTION, Activity.CHALLENGE_INSPECTION],
    "open-skies": [Activity.OBSERVATION_FLIGHT],
}
STATUSES = (
    [Status.CONDUCTED] * 74
    + [Status.ACCEPTED] * 6
    + [Status.REQUESTED] * 4
    + [Status.REFUSED] * 8
    + [Status.CANCELLED] * 6
    + [Status.FORCE_MAJEURE] * 2
)
DURATION_HOURS = {Activity.EVALUATION_VISIT: 9, Activity.OBSERVATION_FLIGHT: 40, Activity.CHALLENGE_INSPECTION: 20}


def agreements() -> dict[str, Agreement]:
    return {item.agreement.id: item.agreement for item in load_directory(shipped_path("agreements"))}


def _pair(rnd: random.Random, agreement: Agreement, day: dt.date) -> tuple[str, str] | None:
    parties = [s for s in agreement.parties if party_in_force(agreement, s, day)]
    if len(parties) < 2:
        return None
    for _ in range(20):
        receiving, inspecting = rnd.sample(parties, 2)
        if in_force_between(agreement, inspecting, receiving, day):
            return inspecting, receiving
    return None


def entries(years: int, per_year: int, seed: int = 1, last_year: int = LAST_YEAR) -> Iterator[LedgerEntry]:
    rnd = random.Random(seed)
    catalogue = agreements()
    for year in range(last_year - years + 1, last_year + 1):
        in_force = [
            a
            for a in WEIGHTS
            if catalogue[a].in_force_from <= dt.date(year, 12, 31)
            and (catalogue[a].terminated_on or dt.date.max) > dt.date(year, 1, 1)
        ]
        weights = [WEIGHTS[a] for a in in_force]
        made = 0
        while made < per_year:
            agreement = catalogue[rnd.choices(in_force, weights)[0]]
            day = dt.date(year, 1, 1) + dt.timedelta(days=rnd.randrange(365))
            pair = _pair(rnd, agreement, day)
            if pair is None:
                continue
            made += 1
            yield _entry(rnd, agreement, pair, day, f"G{year}-{made:06d}")


def _entry(rnd: random.Random, agreement: Agreement, pair: tuple[str, str], day: dt.date, ref: str) -> LedgerEntry:
    activity = rnd.choice(ACTIVITIES.get(agreement.id, [Activity.INSPECTION, Activity.EVALUATION_VISIT]))
    start = dt.datetime(day.year, day.month, day.day, rnd.choice([6, 8, 9, 10]), tzinfo=dt.UTC)
    requested = start - dt.timedelta(hours=rnd.choice([30, 48, 80, 130, 200, 400]))
    status = rnd.choice(STATUSES)
    replied = requested + dt.timedelta(hours=rnd.choice([2, 6, 12, 20, 30])) if status != Status.REQUESTED else None
    return LedgerEntry(
        ref=ref,
        agreement=agreement.id,
        activity=activity,
        inspecting_state=pair[0],
        receiving_state=pair[1],
        requested_at=requested,
        replied_at=replied,
        start=start,
        end=start + dt.timedelta(hours=DURATION_HOURS.get(activity, 44) + rnd.choice([0, 0, 0, 4])),
        status=status,
        team_size=rnd.choice([2, 3, 3, 4, 4, 5, 9]),
        location=f"area {rnd.randrange(500)}",
        object=f"{pair[1]} unit {rnd.randrange(60)}" if activity is Activity.EVALUATION_VISIT else "",
        notes="",
    )


def declarations(years: int, seed: int = 1, last_year: int = LAST_YEAR) -> Iterator[Declaration]:
    rnd = random.Random(seed + 1)
    catalogue = agreements()
    for year in range(last_year - years, last_year + 1):
        for state in sorted(catalogue["vd2011"].parties):
            yield Declaration(state=state, year=year, name="units", value=rnd.randrange(20, 700), source="synthetic")
        for state in sorted(catalogue["cfe"].parties):
            yield Declaration(state=state, year=year, name="oov", value=rnd.randrange(5, 300), source="synthetic")
        for state in ("BA", "HR", "CZ", "EE", "FI", "GE", "LV", "LT", "SK", "SI", "SE"):
            yield Declaration(
                state=state, year=year, name="passive_quota", value=rnd.randrange(2, 8), source="synthetic"
            )


def load(database_url: str, years: int, per_year: int, seed: int = 1, batch: int = 20_000) -> int:
    """Straight into the database, for speed: the same rows an import would write."""
    engine = make_engine(database_url)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    with transaction(engine, write=True) as session:
        catalog.load_agreements(session, None, at=now, by="bench")
        for declaration in declarations(years, seed):
            repo.record_declaration(session, declaration, at=now, by="bench")
    count, chunk = 0, []
    for entry in entries(years, per_year, seed):
        chunk.append(entry)
        if len(chunk) >= batch:
            with transaction(engine, write=True) as session:
                repo.add_entries(session, chunk, at=now, by="bench")
            count, chunk = count + len(chunk), []
    if chunk:
        with transaction(engine, write=True) as session:
            repo.add_entries(session, chunk, at=now, by="bench")
        count += len(chunk)
    with transaction(engine, write=True) as session:
        repo.refresh_statistics(session)  # as `csbm ledger import` does after a bulk load
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--per-year", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--csv", type=Path)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    if args.csv:
        with args.csv.open("w", encoding="utf-8", newline="") as stream:
            print(f"{write_ledger(list(entries(args.years, args.per_year, args.seed)), stream)} entries -> {args.csv}")
    if args.database_url:
        print(f"{load(args.database_url, args.years, args.per_year, args.seed)} entries -> {args.database_url}")


if __name__ == "__main__":
    main()
