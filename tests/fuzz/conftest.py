from __future__ import annotations

from pathlib import Path

import pytest

from app.db.migrate import upgrade
from app.db.session import make_engine
from tests.integration.cli_helpers import csbm


@pytest.fixture
def ledger_db(tmp_path: Path) -> str:
    """One SQLite ledger with the agreements loaded, shared by a test's examples."""
    url = f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    csbm(url, "agreements", "load")
    return url
