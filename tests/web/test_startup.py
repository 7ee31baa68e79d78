"""What the served app does once at start-up."""

from __future__ import annotations

import gc

import pytest
from fastapi.testclient import TestClient

from app.web.app import create_app_from_env


def test_the_served_app_freezes_what_it_loaded_so_full_collections_skip_it(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CSBM_DATABASE_URL", database_url)
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        with TestClient(create_app_from_env()) as client:
            assert client.get("/api/v1/health").status_code == 200
            assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()  # the test process itself keeps collecting everything
