"""Cyclic garbage collection held off while the engine runs.

An evaluation allocates hundreds of thousands of short-lived tracked objects (entries,
keys, rows, findings) and makes no reference cycle among them, so reference counting
frees every one. The cyclic collector, started every 700 allocations, walked them all
the same, and now and then everything the process holds: on a year of 3,700 entries
that was a third of a cold quota status and most of its jitter. The pause is process
wide, so concurrent evaluations share it and the last one to finish ends it. On a busy
server evaluations overlap without end, and the pause with them: so while it has lasted
longer than ``LONGEST_PAUSE``, each evaluation that finishes collects once, so that the
cycles the rest of the process makes (requests, sessions) are still freed.

At most ``AT_ONCE`` evaluations run in a process at a time; others wait their turn. They
share one interpreter lock, so more at once finish no sooner, but each holds megabytes
while it runs: a serving process's memory followed how many happened to coincide, and
grew through a soak as ever more did.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

LONGEST_PAUSE = 1.0  # seconds
AT_ONCE = 2  # one computing while the other reads the database

_turns = threading.BoundedSemaphore(AT_ONCE)
_inside = threading.local()  # an evaluation within an evaluation takes no second turn

_lock = threading.Lock()
_pausing = 0
_was_enabled = False
_collected_at = 0.0


def _enter() -> None:
    global _pausing, _was_enabled, _collected_at
    with _lock:
        if _pausing == 0:
            _was_enabled, _collected_at = gc.isenabled(), time.monotonic()
            gc.disable()
        _pausing += 1


def _leave() -> None:
    global _pausing, _collected_at
    with _lock:
        _pausing -= 1
        if _pausing == 0 and _was_enabled:
            gc.enable()
        overdue = _pausing > 0 and _was_enabled and time.monotonic() - _collected_at > LONGEST_PAUSE
        if overdue:
            _collected_at = time.monotonic()
    if overdue:
        gc.collect()


def collection_paused(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` runs with cyclic collection paused (reference counting goes on)."""

    @wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        depth = getattr(_inside, "depth", 0)
        outermost = depth == 0
        if outermost:
            _turns.acquire()
        _inside.depth = depth + 1
        _enter()
        try:
            return function(*args, **kwargs)
        finally:
            _leave()
            _inside.depth -= 1
            if outermost:
                _turns.release()

    return paused
