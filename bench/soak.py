"""Load soak: mixed reads and writes on PostgreSQL, 2 app workers, a running scheduler.

    python bench/soak.py --minutes 10          # what `make soak` runs
    python bench/soak.py --minutes 0.5         # a smoke run

It reports the error count (target 0), p50/p99 latency (p99 target 1 s), each app process's
RSS growth from the end of the warm-up to the end (target under 10 %), and
checks the ledger against what the load generator believes it wrote: every
201 is one new entry, every revision one more revision, nothing lost and
nothing duplicated; finally the hash chains must verify. Results go to
bench/results/soak-<date>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx2 as httpx
from sqlalchemy import text

from app.db.migrate import upgrade
from app.db.session import make_engine
from bench import generate
from bench.harness import CSBM, fresh_database, server
from bench.run import token_for

RESULTS = Path(__file__).resolve().parent / "results"
YEAR = generate.LAST_YEAR


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def app_processes(parent: int) -> list[int]:
    """The uvicorn worker processes (children of the server) and the server itself."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return [parent, *children]


class RssTrail:
    """Each app process's RSS every ``every`` seconds while the measured run goes on: whether
    the growth the soak reports levels off, or climbs to the end."""

    def __init__(self, pids: list[int], every: float = 30.0) -> None:
        self.pids, self.every = pids, every
        self.samples: dict[str, list[int]] = {str(pid): [] for pid in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> RssTrail:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            for pid in self.pids:
                if Path(f"/proc/{pid}").exists():
                    self.samples[str(pid)].append(rss_kb(pid))


def entry(ref: str, rnd: random.Random) -> dict[str, Any]:
    day = dt.date(YEAR, 1, 1) + dt.timedelta(days=rnd.randrange(330))
    start = dt.datetime(day.year, day.month, day.day, 8, tzinfo=dt.UTC)
    return {
        "ref": ref,
        "agreement": "vd2011",
        "activity": rnd.choice(["inspection", "evaluation_visit"]),
        "inspecting_state": rnd.choice(["DE", "FR", "GB", "PL", "SE"]),
        "receiving_state": "BY",
        "requested_at": (start - dt.timedelta(days=10)).isoformat().replace("+00:00", "Z"),
        "start": start.isoformat().replace("+00:00", "Z"),
        "end": (start + dt.timedelta(hours=30)).isoformat().replace("+00:00", "Z"),
        "status": "requested",
    }


class Load:
    def __init__(self, base: str, token: str, seed: int) -> None:
        self.base, self.token = base, token
        self.rnd = random.Random(seed)
        self.latencies: list[float] = []
        self.by_kind: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.created: list[str] = []
        self.revised = 0
        self.counter = 0

    async def one(self, client: httpx.AsyncClient) -> None:
        roll = self.rnd.random()
        started = time.perf_counter()
        # A centre's mix: dashboards and look-ups dominate; one request in ten records.
        if roll < 0.50:
            response = await client.get(f"/api/v1/quota?year={YEAR}&state=BY")
        elif roll < 0.70:
            response = await client.get("/api/v1/entries?state=BY&limit=50")
        elif roll < 0.75:
            response = await client.get(f"/api/v1/findings?from={YEAR}-10-01&to={YEAR}-12-31&state=BY")
        elif roll < 0.90:
            response = await client.get("/api/v1/health")
        elif roll < 0.97 or not self.created:
            self.counter += 1
            ref = f"SOAK-{os.getpid()}-{self.counter:06d}"
            response = await client.post("/api/v1/entries", json=entry(ref, self.rnd))
            if response.status_code == 201:
                self.created.append(ref)
        else:
            ref = self.rnd.choice(self.created)
            body = {**entry(ref, self.rnd), "status": "accepted", "notes": f"revised {self.counter}"}
            body.pop("ref")
            response = await client.put(f"/api/v1/entries/{ref}", json=body)
            if response.status_code == 200 and response.json().get("outcome") == "revised":
                self.revised += 1
        took = (time.perf_counter() - started) * 1000
        self.latencies.append(took)
        # Which requests make the tail: the path with its method, ids left out.
        kind = f"{response.request.method} {response.request.url.path.split('/SOAK-')[0]}"
        self.by_kind.setdefault(kind, []).append(took)
        if response.status_code >= 400:
            self.errors.append(f"{response.request.method} {response.request.url.path}: {response.status_code}")

    async def run(self, seconds: float, concurrency: int, *, keep_alive: bool = True) -> None:
        deadline = time.monotonic() + seconds
        headers = {"Authorization": f"Bearer {self.token}"}
        # Without keep-alive every request is a new connection, which the kernel hands to
        # either worker: the warm-up then reaches both, not only the first to accept.
        limits = httpx.Limits(max_keepalive_connections=None if keep_alive else 0)
        async with httpx.AsyncClient(base_url=self.base, headers=headers, timeout=120, limits=limits) as client:

            async def worker() -> None:
                while time.monotonic() < deadline:
                    try:
                        await self.one(client)
                    except httpx.HTTPError as exc:
                        self.errors.append(f"transport: {exc!r}")

            await asyncio.gather(*(worker() for _ in range(concurrency)))


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "entries": conn.execute(text("SELECT count(*) FROM ledger_entries")).scalar_one(),
                "revisions": conn.execute(text("SELECT count(*) FROM entry_revisions")).scalar_one(),
                "soak_entries": conn.execute(
                    text("SELECT count(*) FROM ledger_entries WHERE ref LIKE 'SOAK-%'")
                ).scalar_one(),
            }
    finally:
        engine.dispose()


P99_TARGET_MS = 1000


def percentile(ordered: list[float], share: float) -> float | None:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else None


def _spread(latencies: list[float]) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {"n": len(ordered), "p50_ms": percentile(ordered, 0.5), "p99_ms": percentile(ordered, 0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    url = fresh_database("postgresql", "soak")
    upgrade(make_engine(url))
    generate.load(url, 2, 3000)
    token = token_for(url)
    before = counts(url)
    work = Path(__file__).resolve().parent / "work" / "soak"
    work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CSBM_DATABASE_URL": url,
        "CSBM_HOME_STATE": "BY",
        "CSBM_REPORTS_DIR": str(work / "reports"),
        "CSBM_BACKUP_DIR": str(work / "backups"),
        "CSBM_BACKUP_KEEP": "3",
        # Every scheduled job fires several times during the soak.
        "CSBM_SCHEDULE_QUARTERLY": "*/2 * * * *",
        "CSBM_SCHEDULE_BACKUP": "*/3 * * * *",
        "CSBM_SCHEDULE_AUDIT": "*/2 * * * *",
        "CSBM_CATCH_UP_QUARTERS": "1",
    }
    log = (work / "scheduler.log").open("w")
    scheduler = subprocess.Popen([CSBM, "scheduler", "run"], env=env, stdout=subprocess.DEVNULL, stderr=log)
    seconds = args.minutes * 60
    # Long enough for every worker to have served every kind of request (its caches and
    # parsed agreements then in memory): growth is measured from there.
    warmup = min(max(60.0, seconds / 10), seconds / 2)
    try:
        with server(url, 2) as base:
            server_pid = _server_pid(base)
            load = Load(base, token, args.seed)
            asyncio.run(load.run(warmup, args.concurrency, keep_alive=False))
            rss_start = {pid: rss_kb(pid) for pid in app_processes(server_pid)}
            load.latencies.clear()
            load.by_kind.clear()
            with RssTrail(list(rss_start)) as trail:
                asyncio.run(load.run(seconds - warmup, args.concurrency))
            rss_end = {pid: rss_kb(pid) for pid in rss_start if Path(f"/proc/{pid}").exists()}
    finally:
        scheduler.send_signal(signal.SIGTERM)
        try:
            scheduler.wait(timeout=30)
        except subprocess.TimeoutExpired:
            scheduler.kill()
        log.close()
    after = counts(url)
    verify = subprocess.run(
        [CSBM, "audit", "verify", "--json", "--database-url", url], capture_output=True, text=True, check=False
    )
    latencies = sorted(load.latencies)
    growth = {str(pid): (rss_end.get(pid, 0) - kb) / kb * 100 for pid, kb in rss_start.items() if kb}
    created, revised = len(load.created), load.revised
    result = {
        "minutes": args.minutes,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
        "requests": len(latencies),
        "errors": len(load.errors),
        "error_samples": sorted(set(load.errors))[:10],
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "by_request": {kind: _spread(found) for kind, found in sorted(load.by_kind.items())},
        "rss_start_kb": {str(k): v for k, v in rss_start.items()},
        "rss_growth_percent": growth,
        "rss_kb_every_30_s": trail.samples,
        "written": {"created": created, "revised": revised},
        "ledger": {"before": before, "after": after},
        "no_write_lost_or_duplicated": after["soak_entries"] == created
        and after["entries"] - before["entries"] == created
        and after["revisions"] - before["revisions"] == created + revised,
        "chains_verify": verify.returncode == 0,
        "scheduler_exit": scheduler.returncode,
        "backups": len(list((work / "backups").glob("*.zip"))),
    }
    RESULTS.mkdir(exist_ok=True)
    day = dt.datetime.now(dt.UTC).date().isoformat()
    (RESULTS / f"soak-{day}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    ok = (
        result["errors"] == 0
        and result["no_write_lost_or_duplicated"]
        and result["chains_verify"]
        and all(g < 10 for g in growth.values())
        and result["p99_ms"] is not None
        and result["p99_ms"] <= P99_TARGET_MS
    )
    print("SOAK", "PASSED" if ok else "FAILED")
    sys.exit(0 if ok else 1)


def _server_pid(base: str) -> int:
    port = int(base.rsplit(":", 1)[1])
    for proc in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = proc.read_bytes().split(b"\0")
        except OSError:
            continue
        if (b"uvicorn" in b" ".join(command) or b"serve" in command) and str(port).encode() in command:
            return int(proc.parent.name)
    raise RuntimeError(f"no server process on port {port}")


if __name__ == "__main__":
    main()
