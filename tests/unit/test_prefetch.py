"""Producing ahead: a reader thread or a forked child, with errors handed to the consumer."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.ledger_csv import LedgerFileError
from app.services.prefetch import ChildAhead, fork_available, from_child, read_ahead

needs_fork = pytest.mark.skipif(not fork_available(), reason="no fork on this platform")


def counting(n: int, fail_at: int | None = None) -> Iterator[int]:
    for i in range(n):
        if i == fail_at:
            raise LedgerFileError([f"f.csv:{i}: status: unknown", "f.csv:99: ref: twice"])
        yield i


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 40), depth=st.integers(1, 4))
def test_read_ahead_yields_everything_in_order(n: int, depth: int) -> None:
    assert list(read_ahead(counting(n), depth)) == list(range(n))


def test_read_ahead_raises_the_readers_error_where_the_item_would_have_been() -> None:
    stream = read_ahead(counting(10, fail_at=6))
    assert [next(stream) for _ in range(6)] == [0, 1, 2, 3, 4, 5]
    with pytest.raises(LedgerFileError) as caught:
        next(stream)
    assert caught.value.messages == ["f.csv:6: status: unknown", "f.csv:99: ref: twice"]


def test_read_ahead_stops_its_reader_when_the_consumer_stops() -> None:
    before = threading.active_count()
    stream = read_ahead(counting(10_000), depth=1)
    assert next(stream) == 0
    stream.close()
    assert threading.active_count() == before


@needs_fork
@settings(max_examples=10, deadline=None)
@given(n=st.integers(0, 30))
def test_a_child_process_yields_everything_in_order(n: int) -> None:
    assert list(from_child(lambda: counting(n))) == list(range(n))


@needs_fork
def test_a_child_process_hands_its_error_back_whole() -> None:
    stream = from_child(lambda: counting(10, fail_at=3))
    assert [next(stream) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(LedgerFileError) as caught:
        next(stream)
    assert caught.value.messages == ["f.csv:3: status: unknown", "f.csv:99: ref: twice"]


@needs_fork
def test_items_cross_without_a_memo_and_one_holding_itself_is_an_error() -> None:
    shared = ("2026-11-01 09:00:00", "by")
    looped: list[object] = []
    looped.append(looped)
    stream = from_child(lambda: iter([[shared, shared], looped]))
    assert next(stream) == [shared, shared]
    with pytest.raises(ValueError, match="cyclic"):
        next(stream)


@needs_fork
def test_an_error_that_cannot_be_pickled_still_arrives_with_its_text() -> None:
    class Local(Exception):  # a local class cannot be pickled
        pass

    def failing() -> Iterator[int]:
        yield 1
        raise Local("the parser broke on line 7")

    with pytest.raises(RuntimeError, match="the parser broke on line 7"):
        list(from_child(failing))


@needs_fork
def test_a_child_that_dies_is_an_error_not_a_short_file() -> None:
    def dying() -> Iterator[int]:
        yield 1
        os._exit(7)

    stream = from_child(dying)
    assert next(stream) == 1
    with pytest.raises(RuntimeError, match="exit code 7"):
        next(stream)


@needs_fork
def test_a_consumer_that_stops_early_ends_the_child() -> None:
    pids: list[int] = []

    def endless() -> Iterator[int]:
        while True:
            yield os.getpid()

    stream = from_child(endless)
    pids.append(next(stream))
    stream.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pids[0], 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the child process is still running")
    assert pids[0] != os.getpid()


@needs_fork
def test_the_child_dies_with_its_parent(tmp_path: Path) -> None:
    # A child outliving a killed import would hold the import's database socket, and with
    # it the unfinished transaction's locks.
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from app.services.prefetch import from_child\n"
        "def busy():\n"  # one item, then a long batch: the child sends nothing for a while
        "    yield os.getpid()\n"
        "    time.sleep(600)\n"
        "    yield 0\n"
        "stream = from_child(busy)\n"
        "print(next(stream), flush=True)\n"
        "time.sleep(600)\n",
        encoding="utf-8",
    )
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    assert parent.stdout is not None
    with parent.stdout:
        child = int(parent.stdout.readline())
        assert child != parent.pid
        os.kill(child, 0)  # running
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail(f"the child {child} outlived its killed parent")


def _tagged(items: Iterator[int], tag: str) -> Iterator[str]:
    return (f"{tag}{i}" for i in items)


@needs_fork
@settings(max_examples=10, deadline=None)
@given(n=st.integers(0, 700), most=st.integers(1, 600))
def test_a_child_ahead_yields_what_then_makes_of_every_item_in_order(n: int, most: int) -> None:
    child = ChildAhead(lambda: counting(n), _tagged, most)
    try:
        assert list(child.given("x")) == [f"x{i}" for i in range(n)]
    finally:
        child.close()


@needs_fork
def test_a_child_ahead_raises_the_error_of_what_it_read_ahead_where_the_item_would_have_been() -> None:
    child = ChildAhead(lambda: counting(1000, fail_at=600), _tagged, 2000)
    try:
        time.sleep(0.2)  # it reads ahead, to the error, before it is given its value
        stream = child.given("y")
        assert [next(stream) for _ in range(600)] == [f"y{i}" for i in range(600)]
        with pytest.raises(LedgerFileError) as caught:
            next(stream)
        assert caught.value.messages == ["f.csv:600: status: unknown", "f.csv:99: ref: twice"]
    finally:
        child.close()


@needs_fork
def test_a_child_ahead_never_given_its_value_is_ended_by_close() -> None:
    child = ChildAhead(lambda: counting(10**9), _tagged, 10**9)
    pid = child._child.pid
    assert pid is not None
    assert pid != os.getpid()
    os.kill(pid, 0)  # running
    child.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
