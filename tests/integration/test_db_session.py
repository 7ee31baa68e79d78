"""Connections handed out by app/db/session.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from app.db.session import make_engine, single_read, transaction
from app.services.alerts import open_alerts, raise_alert


def test_a_single_read_in_autocommit_leaves_its_pooled_connection_transactional(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("only PostgreSQL reads in autocommit")
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with single_read(engine) as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            driver = connection.connection.driver_connection
            assert driver is not None
            assert driver.autocommit is True
        with transaction(engine) as session:
            assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() == backend  # the same connection
            pooled = session.connection().connection.driver_connection
            assert pooled is not None
            assert pooled.autocommit is False
    finally:
        engine.dispose()


def test_every_moment_leaves_the_database_aware_and_in_utc(engine: Engine) -> None:
    """SQLite keeps no zone; app/db/types.py's UtcDateTime stores UTC and hands back aware UTC on both."""
    minsk = dt.datetime(2026, 3, 1, 12, 0, tzinfo=ZoneInfo("Europe/Minsk"))
    with transaction(engine, write=True) as session:
        raise_alert(session, kind="test", message="a moment in Minsk", at=minsk)
    with transaction(engine) as session:
        [alert] = open_alerts(session)
        stored = session.execute(text("SELECT raised_at FROM alerts")).scalar_one()
    assert alert["raised_at"] == "2026-03-01T09:00:00+00:00"
    if engine.dialect.name == "sqlite":
        assert str(stored).startswith("2026-03-01 09:00:00")  # UTC's wall time, with no zone
    else:
        assert stored == minsk
