"""Schemathesis over the OpenAPI schema: no generated request may cause a server error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from app.config import Settings
from app.db.migrate import upgrade
from app.db.session import make_engine, transaction
from app.services import accounts, demo
from app.web.app import create_app


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'csbm.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    with transaction(engine, write=True) as session:
        demo.load_demo(session, at=now, by="fuzz")
        accounts.add_user(
            session, username="fuzzer", password="fuzzing password", role=accounts.Role.ADMIN, at=now, by="fuzz"
        )
        token = accounts.create_token(session, username="fuzzer", name="fuzz", days=1, at=now, by="fuzz")
    engine.dispose()
    app = create_app(Settings(database_url=url, reports_dir=str(Path(folder) / "reports")))
    return app, token


def test_no_generated_request_causes_a_server_error(fuzzed_app: tuple[Any, str]) -> None:
    """Each operation gets a bounded number of generated requests (schemathesis's
    strategies driven by hypothesis directly; its pytest plugin does not run
    under this pytest)."""
    app, token = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    statuses: list[int] = []
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 12
    for operation in operations:

        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def exercise(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}")

        exercise()
    assert failures == []
    assert len(statuses) >= 5 * len(operations)
    assert {200, 422} <= set(statuses)


def test_a_stateful_run_finds_no_server_error_and_no_response_off_its_schema(fuzzed_app: tuple[Any, str]) -> None:
    """Sequences of calls that follow the schema's links (create an entry, then read,
    revise and list its history) with generated data; every response must be below
    500 and, where the schema describes it, conform to it."""
    from hypothesis.stateful import run_state_machine_as_test
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    app, token = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    machine = schema.as_state_machine()
    seen: list[tuple[str, int]] = []

    class Run(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {token}"}}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            seen.append((f"{case.method} {case.path}", response.status_code))
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    run_state_machine_as_test(
        Run,
        settings=settings(
            max_examples=25,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
    paths = {path for path, _ in seen}
    assert "POST /api/v1/entries" in paths
    assert paths & {"GET /api/v1/entries/{ref}", "PUT /api/v1/entries/{ref}", "GET /api/v1/entries/{ref}/history"}
