"""Failed logins are counted in the database and forgotten once outside the throttling window."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

from app.db.session import transaction
from app.services import accounts

T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)


def failures(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM login_failures")).scalar_one())


def test_the_table_holds_one_window_of_guesses_not_every_guess(engine: Engine) -> None:
    for minute in range(0, 60, 3):  # a guess every three minutes for an hour, from ever new addresses
        with transaction(engine, write=True) as session:
            at = T0 + dt.timedelta(minutes=minute)
            found = accounts.authenticate(session, username=f"u{minute}", password="x", client=f"c{minute}", now=at)
            assert found is None
    window = int(accounts.FAILURE_WINDOW.total_seconds() // 180) + 1
    assert failures(engine) <= window
    with transaction(engine, write=True) as session:
        accounts.record_token_failure(session, client="c-late", now=T0 + dt.timedelta(hours=5))
    assert failures(engine) == 1
