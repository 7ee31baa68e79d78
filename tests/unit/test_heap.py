"""The serving process's heap limits: set once, with one trimming thread."""

from __future__ import annotations

import platform
import threading
from typing import Any

import pytest

from app.web import heap


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="only glibc's malloc is tuned")
def test_set_once_per_process_with_one_trimming_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []
    libc: Any = heap._glibc()
    assert libc is not None

    class Recording:
        malloc_trim = libc.malloc_trim

        def mallopt(self, parameter: int, value: int) -> int:
            calls.append((parameter, value))
            return 1

    def trimming() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "csbm-heap-trim"]

    monkeypatch.setattr(heap, "_glibc", Recording)
    monkeypatch.setattr(heap, "_started", threading.Event())
    before = len(trimming())
    assert heap.keep_heap_small()
    assert heap.keep_heap_small()
    assert calls == [(heap.M_ARENA_MAX, heap.ARENAS)]
    assert len(trimming()) == before + 1
    assert all(t.daemon for t in trimming())


def test_nothing_is_changed_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_glibc", lambda: None)
    monkeypatch.setattr(heap, "_started", threading.Event())
    assert heap.keep_heap_small() is False
    assert not heap._started.is_set()
