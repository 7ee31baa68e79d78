"""Hostile statements: any file given to ``csbm reconcile`` is reconciled or refused with its
name and a reason, never a traceback, and a refused one records nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from app.cli import app
from app.domain.statement import Period, Statement, statement_entry
from app.services.keys import sign
from tests.builders import make_entry
from tests.fuzz.test_fuzz import FUZZ
from tests.integration.reconcile_helpers import count, run

runner = CliRunner()
PRIVATE = Ed25519PrivateKey.generate()


@pytest.fixture
def centre(ledger_db: str, tmp_path: Path) -> str:
    """Lithuania's centre, which registered Belarus's key (the module's test key)."""
    run(ledger_db, "users", "add", "lt-admin", "--role", "admin", "--password-stdin", input="correct horse battery\n")
    public = tmp_path / "by.pub"
    public.write_bytes(PRIVATE.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    run(ledger_db, "keys", "import", "BY", str(public), "--yes", "--user", "lt-admin")
    return ledger_db


def document() -> dict[str, Any]:
    entry = statement_entry(
        make_entry(
            "BY-1",
            agreement="by-lt-2001",
            activity="evaluation_visit",
            inspecting_state="BY",
            receiving_state="LT",
            start=dt.date(2019, 5, 5),
            team_size=2,
        )
    )
    statement = Statement(
        issuer="BY",
        partner="LT",
        period=Period(start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31), label="2019"),
        agreements=("by-lt-2001",),
        entries=(entry,),
        quotas=(),
        chain={"ledger": {"seq": 1, "hash": "0" * 64}},
        made_by="by-officer",
        made_at="2020-01-20T09:30:00Z",
        csbm_version="0.1.0",
    )
    return statement.as_json()


def signed_bytes(body: Any) -> bytes:
    """``body`` signed as it is, so the signature holds and only the content is hostile."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
    if isinstance(body, dict):
        body = {**body, "signature": sign(PRIVATE, text).as_json()}
    return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")


def reconcile(url: str, path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["reconcile", str(path), "--home-state", "LT", "--database-url", url])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stderr


def check(url: str, path: Path) -> None:
    before = count(url, "reconciliation_records")
    code, stderr = reconcile(url, path)
    assert code in (0, 1)
    if code == 1:
        assert count(url, "reconciliation_records") == before
        assert stderr.startswith(str(path)), stderr


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.text(max_size=12),
        st.sampled_from(["2019-05-05", "BY", "LT", "vd2011", "2019-13-45", "\ud800"]),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def paths(node: Any) -> list[list[Any]]:
    found: list[list[Any]] = [[]]
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        found += [[key, *rest] for rest in paths(child)]
    return found


def replaced(node: Any, path: list[Any], value: Any) -> Any:
    if not path:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = replaced(node[path[0]], path[1:], value)
    return copy


@given(data=st.binary(max_size=800))
@FUZZ
def test_any_bytes_are_reconciled_or_refused_cleanly(centre: str, tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(data)
    check(centre, path)


@given(cut=st.integers(0, 2_000), flip=st.integers(0, 2_000), byte=st.integers(0, 255))
@FUZZ
def test_truncated_or_altered_signed_statements_are_refused(
    centre: str, tmp_path: Path, cut: int, flip: int, byte: int
) -> None:
    data = bytearray(signed_bytes(document()))
    if flip < len(data):
        data[flip] = byte
    path = tmp_path / "fuzz.json"
    path.write_bytes(bytes(data[: len(data) - cut % len(data)] if cut else data))
    check(centre, path)


@given(st.data())
@FUZZ
def test_hostile_content_under_a_good_signature_is_refused_by_place(centre: str, tmp_path: Path, data: Any) -> None:
    body = document()
    path_in = data.draw(st.sampled_from(paths(body)))
    hostile = replaced(body, path_in, data.draw(json_values))
    path = tmp_path / "fuzz.json"
    path.write_bytes(signed_bytes(hostile))
    check(centre, path)


@given(header=st.lists(st.text(max_size=30), max_size=6), rows=st.lists(st.text(max_size=80), max_size=4))
@FUZZ
def test_hostile_csv_forms_are_refused_by_line(centre: str, tmp_path: Path, header: list[str], rows: list[str]) -> None:
    lines = [
        "# csbm-statement-1",
        *(f"# {h}" for h in header),
        "ref,agreement,activity,inspecting_state,receiving_state,requested_at,start,end,status",
        *rows,
    ]
    path = tmp_path / "fuzz.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    check(centre, path)


def test_the_untouched_statement_the_fuzzers_start_from_is_reconciled(centre: str, tmp_path: Path) -> None:
    path = tmp_path / "good.json"
    path.write_bytes(signed_bytes(document()))
    assert reconcile(centre, path)[0] == 0
    assert count(centre, "reconciliation_records", "WHERE kind = 'reconcile'") == 1
