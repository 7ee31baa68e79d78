"""Connections handed out by app/db/session.py."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.db.session import make_engine, single_read, transaction


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
