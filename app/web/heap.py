"""A serving process's heap, kept from growing with the peaks of its requests.

A quota status or a findings list allocates megabytes for a moment and frees them. With
glibc, each of the threads serving requests draws on a malloc arena of its own (up to
eight per core), and memory freed into an arena stays with the process. Two arenas, and
freed pages handed back every few seconds, halved what glibc held free in a served
worker (docs/benchmarks.md, the fifth round). Elsewhere than glibc nothing is changed.
"""

from __future__ import annotations

import ctypes
import threading
import time
from typing import Any

M_ARENA_MAX = -8  # glibc's mallopt parameter
ARENAS = 2
TRIM_EVERY = 5.0  # seconds; a trim takes about a millisecond

_started = threading.Event()


def _glibc() -> Any | None:
    # The process's own symbols: no find_library, which runs ldconfig at every start.
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def keep_heap_small() -> bool:
    """Limit the malloc arenas and start handing freed pages back (once per process);
    False off glibc."""
    libc = _glibc()
    if libc is None:
        return False
    if _started.is_set():
        return True
    _started.set()
    libc.mallopt(M_ARENA_MAX, ARENAS)
    threading.Thread(target=_trim, args=(libc,), name="csbm-heap-trim", daemon=True).start()
    return True


def _trim(libc: Any) -> None:
    while True:
        time.sleep(TRIM_EVERY)
        libc.malloc_trim(0)
