"""The statement format: written, read back, and described by docs/statement.schema.json."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.statement import FORMAT, Period, Signature, Statement, statement_entry
from app.domain.statement_reader import StatementError, parse_statement
from tests.builders import ROOT, make_entry


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "docs" / "statement.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def validate(document: Any) -> None:
    jsonschema.Draft202012Validator(schema()).validate(document)


def statement(entries: list[Any], **overrides: Any) -> Statement:
    values: dict[str, Any] = {
        "issuer": "BY",
        "partner": "LT",
        "period": Period(start=dt.date(2019, 1, 1), end=dt.date(2019, 12, 31), label="2019"),
        "agreements": ("by-lt-2001", "vd2011"),
        "entries": tuple(entries),
        "quotas": (),
        "chain": {"ledger": {"seq": 7, "hash": "ab" * 32}},
        "made_by": "officer",
        "made_at": "2020-01-20T09:30:00Z",
        "csbm_version": "0.1.0",
        "signature": Signature(key="cd" * 32, value="A" * 86 + "=="),
    }
    values.update(overrides)
    return Statement(**values)


entry_records = st.lists(
    st.builds(
        lambda n, day, team, notes, forward: statement_entry(
            make_entry(
                f"BY-{n}",
                agreement="vd2011",
                activity="inspection",
                inspecting_state="BY" if forward else "LT",
                receiving_state="LT" if forward else "BY",
                start=dt.date(2019, 1, 1) + dt.timedelta(days=day),
                team_size=team,
                notes=notes,
            )
        ),
        st.integers(0, 999),
        st.integers(10, 364),
        st.one_of(st.none(), st.integers(0, 9)),
        st.text(max_size=20).filter(lambda t: "\x00" not in t and not any(0xD800 <= ord(c) <= 0xDFFF for c in t)),
        st.booleans(),
    ),
    max_size=6,
    unique_by=lambda e: str(e["ref"]),
)


class TestTheStatementFormat:
    @given(entry_records)
    def test_every_statement_validates_against_the_schema_and_reads_back_the_same(self, entries: list[Any]) -> None:
        written = statement(entries)
        validate(json.loads(written.to_bytes()))
        assert parse_statement(written.to_bytes()) == written

    def test_fields_the_ledger_adds_later_are_allowed_in_entries(self) -> None:
        [entry] = [
            statement_entry(make_entry("BY-1", inspecting_state="BY", receiving_state="LT", start=dt.date(2019, 5, 5)))
        ]
        entry |= {"guests": [{"state": "LV", "count": 2}], "object": ["unit A", "unit B"]}
        validate(statement([entry]).as_json())
        assert parse_statement(statement([entry]).to_bytes()).entries[0]["guests"] == [{"state": "LV", "count": 2}]

    def test_the_canonical_bytes_leave_out_the_signature_and_keep_every_other_field(self) -> None:
        signed = statement([])
        assert signed.canonical_bytes() == signed.unsigned().canonical_bytes()
        assert b'"format":"' + FORMAT.encode() + b'"' in signed.canonical_bytes()
        assert b" " not in signed.canonical_bytes()


def damaged(change: Any) -> bytes:
    document = statement([]).as_json()
    change(document)
    return json.dumps(document).encode("utf-8")


class TestBadStatementsAreRefusedByPlace:
    @pytest.mark.parametrize(
        ("data", "words"),
        [
            (b"", "not valid JSON"),
            (statement([]).to_bytes()[:-30], "truncated"),
            (b"\xff\xfe", "not UTF-8"),
            (b'{"a": 1.5}', "not an integer"),
            (b'{"a": 1, "a": 2}', "appears twice"),
            (damaged(lambda d: d.update(format="csbm-statement-9")), "format"),
            (damaged(lambda d: d.update(partner="BY")), "partner"),
            (damaged(lambda d: d["period"].update(end="2018-01-01")), "period.end"),
            (damaged(lambda d: d.update(entries=[{"ref": "X"}])), "entries[0]"),
            (damaged(lambda d: d["signature"].update(value="not base64!")), "signature.value"),
            (damaged(lambda d: d.update(extra=1)), "unknown key"),
            (damaged(lambda d: d["chain"].pop("ledger")), "ledger missing"),
        ],
    )
    def test_each_problem_is_named(self, data: bytes, words: str) -> None:
        with pytest.raises(StatementError) as refused:
            parse_statement(data)
        assert words in str(refused.value)

    def test_an_entry_outside_the_period_or_between_other_states_is_refused(self) -> None:
        outside = statement_entry(
            make_entry("BY-1", inspecting_state="BY", receiving_state="LT", start=dt.date(2020, 1, 5))
        )
        with pytest.raises(StatementError, match=r"entries\[0\].start: .* outside the period"):
            parse_statement(statement([outside]).to_bytes())
        other = statement_entry(make_entry("BY-2", start=dt.date(2019, 5, 5)))  # DE inspecting BY
        with pytest.raises(StatementError, match="not between BY and LT"):
            parse_statement(statement([other]).to_bytes())
