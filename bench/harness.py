"""Helpers for the benchmarks: databases per backend, timing, processes, wrk."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
CSBM = str(Path(sys.executable).parent / "csbm")
PG_URL = os.environ.get("CSBM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_available() -> bool:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:  # any failure means "not available"
        return False


def _schema(name: str) -> str:
    # CSBM_BENCH_TAG keeps runs from two checkouts at once (a branch timed beside main)
    # out of each other's PostgreSQL schemas; SQLite files already live in each checkout.
    return f"bench_{os.environ.get('CSBM_BENCH_TAG', '')}{name}".lower()  # search_path is folded to lower case


def fresh_database(backend: str, name: str) -> str:
    """An empty database (SQLite file or PostgreSQL schema) named for the benchmark."""
    if backend == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{WORK / f'{name}.sqlite3'}"
    schema = _schema(name)
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    return (
        make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    )


def drop_database(backend: str, name: str) -> None:
    """Remove a benchmark database, so that no later figure shares the machine with
    PostgreSQL's autovacuum working through it."""
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"{name}.sqlite3{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{_schema(name)}" CASCADE'))
    engine.dispose()


def settle(url: str) -> None:
    """Bring a freshly loaded PostgreSQL database to the state autovacuum leaves it in
    (visibility map set, statistics current) before it is timed, rather than timing it
    while autovacuum does that work on the same two cores."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("VACUUM (ANALYZE) ledger_entries, entry_revisions"))
    finally:
        engine.dispose()


def median_seconds(fn: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


# Run by a small interpreter of its own: Linux carries a process's peak RSS across
# execve, so a command started straight from this (large) benchmark process would
# report the benchmark's own peak whenever that is the larger one.
_MEASURE = """
import os, subprocess, sys, time
start = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_pid, status, usage = os.wait4(process.pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run_measured(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a command; return (seconds, peak RSS in MB). The peak is that of the command's
    largest process (wait4 folds in the children it waited for, such as an import's parser)."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"{' '.join(args[:4])}... failed: {done.stderr[-500:]}")
    seconds, peak_kb, code = done.stdout.split()
    if int(code) != 0:
        raise RuntimeError(f"{' '.join(args[:4])}... failed (exit {code}): {done.stderr[-500:]}")
    return float(seconds), int(peak_kb) / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(database_url: str, workers: int) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "CSBM_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [CSBM, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the server did not start") from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def warm(url: str, token: str, fast_ms: float = 250, in_a_row: int = 16, deadline_s: float = 600) -> float:
    """Ask until ``in_a_row`` requests in a row, each on a connection of its own (so
    that they spread over the workers' sockets), answer within ``fast_ms``: every worker
    has then computed what it caches. A 2 s wrk warm-up was not enough at full size,
    where the first quota status takes seconds; the cold computation then fell inside
    the measured run. Returns the seconds it took."""
    started = time.monotonic()
    quick = 0
    while quick < in_a_row:
        if time.monotonic() - started > deadline_s:
            raise RuntimeError(f"{url} did not become warm in {deadline_s} s")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        begun = time.monotonic()
        with urllib.request.urlopen(request, timeout=deadline_s) as response:
            response.read()
        quick = quick + 1 if (time.monotonic() - begun) * 1000 < fast_ms else 0
    return time.monotonic() - started


def wrk(url: str, token: str, seconds: int, connections: int = 32) -> dict[str, float]:
    """Requests/s and latency percentiles (ms) from Debian's wrk, bounded in time."""
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "30s",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(label: str) -> float:
        match = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {"rps": rate, "p50_ms": percentile("50"), "p99_ms": percentile("99")}
