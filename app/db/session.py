"""Engines and sessions. The caller owns the transaction; services only add and flush.

SQLite: WAL, a long busy timeout, foreign keys on, and pysqlite's own
transaction handling switched off so that csbm issues BEGIN itself. A write
session begins with BEGIN IMMEDIATE, which takes the database's write lock
at once: two ``--within-quota`` writers can then never both read the same
free slot. PostgreSQL needs none of this; it serializes on a lock row.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 60_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MB of page cache rather than 2 MB: an import updates six indexes
        # per revision, and with the default cache their pages churn.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("csbm_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class CommitThenFail(Exception):
    """Raised through a transaction that must still commit what it recorded
    (a failed authentication is counted, although the request fails)."""


@contextmanager
def single_read(engine: Engine) -> Iterator[Connection]:
    """A bare connection for one read statement. On PostgreSQL it runs in autocommit:
    one statement sees one snapshot anyway, and BEGIN and ROLLBACK would be two more
    round trips on a path (the quota API's cache hits) that is otherwise one."""
    connection = engine.connect()
    if connection.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
    with connection:
        yield connection


@contextmanager
def transaction(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """A session whose work commits at the end and rolls back on any error but CommitThenFail."""
    bound = engine.execution_options(csbm_write=True) if write else engine
    factory = sessionmaker(bind=bound, expire_on_commit=False)
    with factory() as session:
        try:
            yield session
        except CommitThenFail:
            try:
                session.commit()
            except OperationalError:
                # SQLite could not turn this read into a write (another writer got
                # in first); what was to be recorded is lost, the failure still stands.
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
        session.commit()
