"""The collector pause around evaluations: off inside, back as it was after."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import pytest

from app.services import collection
from app.services.collection import collection_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    before = gc.isenabled()
    yield
    (gc.enable if before else gc.disable)()


@collection_paused
def seen_inside() -> bool:
    return gc.isenabled()


def test_paused_inside_and_enabled_after() -> None:
    gc.enable()
    assert seen_inside() is False
    assert gc.isenabled()


def test_left_disabled_when_it_was_disabled() -> None:
    gc.disable()
    assert seen_inside() is False
    assert not gc.isenabled()


def test_enabled_again_after_an_error() -> None:
    gc.enable()

    @collection_paused
    def failing() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        failing()
    assert gc.isenabled()


def test_nested_pauses_end_with_the_outer_one() -> None:
    gc.enable()

    @collection_paused
    def outer() -> tuple[bool, bool]:
        inner = seen_inside()
        return inner, gc.isenabled()

    assert outer() == (False, False)
    assert gc.isenabled()


def test_concurrent_pauses_end_when_the_last_one_ends() -> None:
    gc.enable()
    first_inside, release = threading.Event(), threading.Event()
    states: list[bool] = []

    @collection_paused
    def long_running() -> None:
        first_inside.set()
        release.wait(5)
        states.append(gc.isenabled())

    worker = threading.Thread(target=long_running)
    worker.start()
    first_inside.wait(5)
    states.append(seen_inside())  # starts and ends while the other is still inside
    states.append(gc.isenabled())  # the other pause still holds
    release.set()
    worker.join(5)
    assert states == [False, False, False]
    assert gc.isenabled()


def test_a_pause_that_overlapping_evaluations_keep_up_still_collects(monkeypatch: pytest.MonkeyPatch) -> None:
    gc.enable()
    monkeypatch.setattr(collection, "LONGEST_PAUSE", 0.05)
    collected: list[bool] = []

    def collect(*_: object) -> int:
        collected.append(gc.isenabled())
        return 0

    monkeypatch.setattr(gc, "collect", collect)
    inside, release = threading.Event(), threading.Event()

    @collection_paused
    def long_running() -> None:
        inside.set()
        release.wait(5)

    worker = threading.Thread(target=long_running)
    worker.start()
    inside.wait(5)
    seen_inside()  # a short one within the limit: nothing collected
    assert collected == []
    time.sleep(0.1)
    seen_inside()  # the pause has outlasted the limit: one collection, still paused
    seen_inside()  # and not again at once
    assert collected == [False]
    release.set()
    worker.join(5)
    assert gc.isenabled()


def test_no_more_than_at_once_evaluations_run_together_and_the_rest_wait_their_turn() -> None:
    running, most, lock = 0, 0, threading.Lock()
    release = threading.Event()

    @collection_paused
    def evaluation() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(5)
        with lock:
            running -= 1

    workers = [threading.Thread(target=evaluation) for _ in range(collection.AT_ONCE + 3)]
    for worker in workers:
        worker.start()
    time.sleep(0.2)
    with lock:
        assert running == collection.AT_ONCE
    release.set()
    for worker in workers:
        worker.join(5)
    assert most == collection.AT_ONCE
    assert not any(worker.is_alive() for worker in workers)


def test_an_evaluation_within_evaluations_takes_no_second_turn() -> None:
    # Every turn is held by an outer evaluation; were the inner ones to ask for another,
    # all of them would wait on each other for ever.
    everyone_inside = threading.Barrier(collection.AT_ONCE, timeout=5)
    results: list[bool] = []

    @collection_paused
    def outer() -> None:
        everyone_inside.wait()
        results.append(seen_inside())

    workers = [threading.Thread(target=outer) for _ in range(collection.AT_ONCE)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(5)
    assert results == [False] * collection.AT_ONCE
