"""Fixtures shared by all tests.

Integration tests run once on SQLite and once on PostgreSQL (CSBM_TEST_PG_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test gets a
clean schema built by running the migrations: a fresh SQLite file, or a fresh
PostgreSQL schema selected through the connection's search_path. Where no
PostgreSQL server answers, the PostgreSQL half is skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from app.db.migrate import upgrade
from app.db.session import make_engine

# Speed is measured by the benchmarks (bench/), not per example: hypothesis's 200 ms
# deadline failed a deadlines property whose first example also imports the engine, on a
# machine whose two cores were busy with a soak.
settings.register_profile("csbm", deadline=None)
settings.load_profile("csbm")

PG_URL = os.environ.get("CSBM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# A scheduler run inside the test process (or its children) would lower the priority of
# every test after it: tests/integration/test_scheduler.py checks the lowering apart.
os.environ.setdefault("CSBM_SCHEDULER_NICE", "0")


@cache
def postgres_unavailable() -> str | None:
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "skip", with the reason
        return f"PostgreSQL at {make_url(PG_URL).render_as_string(hide_password=True)} is not reachable: {exc}"
    return None


def _pg_schema_url(schema: str) -> str:
    url = make_url(PG_URL)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database of each kind."""
    with _migrated_database(request.param, tmp_path / "csbm.sqlite3") as url:
        yield url


@pytest.fixture
def other_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second empty, migrated database of the same kind as database_url."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with _migrated_database(backend, tmp_path / "other.sqlite3") as url:
        yield url


@contextmanager
def _migrated_database(backend: str, sqlite_file: Path) -> Iterator[str]:
    if backend == "sqlite":
        url = f"sqlite:///{sqlite_file}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    with empty_pg_schema() as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@contextmanager
def empty_pg_schema() -> Iterator[str]:
    """A URL of a new, empty PostgreSQL schema, dropped after; skips where no server answers."""
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def other_engine(other_database_url: str) -> Iterator[Engine]:
    built = make_engine(other_database_url)
    yield built
    built.dispose()


def quoted(url: str) -> str:
    return quote(url, safe="")
