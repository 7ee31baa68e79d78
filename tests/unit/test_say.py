"""A line said without rich is the line rich's console prints to a pipe."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from app.cli.plain_table import PIPE_WIDTH
from app.cli.say import emit, say


def rich_prints(text: str) -> str:
    stream = io.StringIO()
    Console(width=PIPE_WIDTH, file=stream).print(text)
    return stream.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | st.from_regex(r"[ -~]{0,160}", fullmatch=True))
def test_a_line_is_said_as_rich_prints_it(text: str) -> None:
    stream = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdout", stream)
        patch.delenv("FORCE_COLOR", raising=False)
        patch.delenv("TTY_COMPATIBLE", raising=False)
        say(text)
    assert stream.getvalue() == rich_prints(text)


def test_an_import_summary_is_said_without_rich(capsys: pytest.CaptureFixture[str]) -> None:
    line = "/data/ledger 2025.csv: 3 new, 0 revised, 1 unchanged."
    emit(False, {}, line)
    assert capsys.readouterr().out == rich_prints(line) == line + "\n"


def test_json_is_the_documented_shape(capsys: pytest.CaptureFixture[str]) -> None:
    emit(True, {"created": 1}, "not this")
    assert capsys.readouterr().out == '{"created": 1}\n'
