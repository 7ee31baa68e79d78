"""Producing ahead of the consumer: in a second thread, or in a forked process.

An import alternates between Python work (parsing and checking a batch of
rows, chaining and formatting it) and waiting for the database (PostgreSQL
maintaining its indexes during COPY, SQLite stepping through executemany).
A reader thread overlaps parsing with those waits only (the GIL lets one
thread run Python at a time); a child process parses on the other core.
"""

from __future__ import annotations

import ctypes
import gc
import io
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterator
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import Generic, TypeVar

T = TypeVar("T")
A = TypeVar("A")
G = TypeVar("G")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterator[T], depth: int = 2) -> Generator[T]:
    """``items`` as they are produced by a reader thread, at most ``depth`` ahead.

    The reader's exception is raised here, where the item it failed to produce
    would have been; when the consumer stops early the reader stops too.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as exc:  # handed over to the consumer, which raises it
            offer(_Failed(exc))
            return
        offer(_DONE)

    reader = threading.Thread(target=read, name="csbm-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join()


def fork_available() -> bool:
    # Linux only: the child must die with its parent (PR_SET_PDEATHSIG, below).
    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


def from_child(produce: Callable[[], Iterator[T]]) -> Generator[T]:
    """The items of ``produce()``, computed in a forked child process.

    For CPU-bound producers: the child runs on the other core instead of taking
    turns with the consumer for the GIL. The child starts from a copy of this
    process (nothing is re-imported or pickled going in; items are pickled
    coming back) and touches nothing it inherited but ``produce``; it leaves
    through ``os._exit``, so inherited database connections are never closed
    from there. Its exception is raised here; a child that dies is an error.

    The child inherits this process's database connection, socket and all, so
    it must never outlive it: a child left running after its parent was killed
    would keep the socket open, and with it the parent's unfinished transaction
    and its locks. The kernel kills it the moment its parent dies.
    """
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=_produce_into, args=(produce, sending, receiving, os.getpid()), name="csbm-parser", daemon=True
    )
    child.start()
    sending.close()
    yield from _received(child, receiving)


class ChildAhead(Generic[A, G, T]):
    """from_child for a producer that needs a value this process does not have yet.

    The child starts at once and runs ``ahead()``, keeping up to ``most`` of its items,
    until it is given the value; it then produces ``then(items, value)``, where ``items``
    are those it kept followed by the rest of ``ahead()``, and hands them over as
    from_child does. An error of ``ahead()`` comes out of ``items`` where its item would
    have. A child that is never given its value is ended by close()."""

    def __init__(self, ahead: Callable[[], Iterator[A]], then: Callable[[Iterator[A], G], Iterator[T]], most: int):
        context = multiprocessing.get_context("fork")
        self._receiving, sending = context.Pipe(duplex=False)
        waiting, self._giving = context.Pipe(duplex=False)
        self._child = context.Process(
            target=_ahead_into,
            args=(ahead, then, most, sending, waiting, (self._receiving, self._giving), os.getpid()),
            name="csbm-parser",
            daemon=True,
        )
        self._child.start()
        sending.close()
        waiting.close()

    def given(self, value: G) -> Generator[T]:
        """The child's items, now that it has ``value`` (given once)."""
        self._giving.send(value)
        self._giving.close()
        return _received(self._child, self._receiving)

    def close(self) -> None:
        """End the child if it still runs (never given its value, or not read to the end)."""
        if self._child.is_alive():
            self._child.terminate()
        self._child.join()
        self._receiving.close()
        self._giving.close()


def _received(child: BaseProcess, receiving: Connection) -> Generator[T]:
    finished = False
    try:
        while True:
            try:
                kind, value = receiving.recv()
            except EOFError:
                child.join()
                raise RuntimeError(f"the parser process ended without a result (exit code {child.exitcode})") from None
            if kind == "item":
                yield value
            elif kind == "raise":
                finished = True
                raise value
            else:
                finished = True
                return
    finally:
        receiving.close()
        if not finished:
            child.terminate()
        child.join()


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        os._exit(70)  # could not tie this process to its parent: do not run untied
    if os.getppid() != parent:  # the parent died before the tie was made
        os._exit(70)


def _produce_into(
    produce: Callable[[], Iterator[object]], sending: Connection, receiving: Connection, parent: int
) -> None:
    _as_child(parent, (receiving,))
    _send_all(produce, sending)


def _ahead_into(
    ahead: Callable[[], Iterator[A]],
    then: Callable[[Iterator[A], G], Iterator[T]],
    most: int,
    sending: Connection,
    waiting: Connection,
    parents: tuple[Connection, ...],
    parent: int,
) -> None:
    _as_child(parent, parents)
    kept: deque[A] = deque()
    items: Iterator[A] = iter(())
    failure: Exception | None = None
    try:
        items = ahead()
        while len(kept) < most and not waiting.poll():
            before = len(kept)
            kept.extend(islice(items, _AHEAD_STEP))
            if len(kept) - before < _AHEAD_STEP:
                break  # all read
    except Exception as exc:  # raised where its item would have been, once the value is given
        failure = exc
    try:
        value = waiting.recv()
    except EOFError:
        return  # the parent ended without giving it: nothing is wanted
    _send_all(lambda: then(_kept_then_rest(kept, failure, items), value), sending)


# Between two looks for the value, in items: a look is a system call, an item a row.
_AHEAD_STEP = 256


def _kept_then_rest(kept: deque[A], failure: Exception | None, rest: Iterator[A]) -> Iterator[A]:
    while kept:
        yield kept.popleft()  # handed on one by one, so that they are freed as they go
    if failure is not None:
        raise failure
    yield from rest


def _as_child(parent: int, parents: tuple[Connection, ...]) -> None:
    _die_with_parent(parent)
    # No cyclic garbage collection here: an import's parser allocates several tracked
    # objects per row, and the collector scanning them cost a sixth of its time. This
    # process lives for one producer and leaves through os._exit; reference counting
    # still frees everything that is not a cycle, and the parser makes none per row.
    gc.disable()
    # The parent's ends, copied by fork: closed here so that a parent that stops
    # reading shows as a broken pipe rather than a send that never returns.
    for connection in parents:
        connection.close()
    # Ctrl-C reaches the whole process group; the parent decides, and ends the child.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _send_all(produce: Callable[[], Iterator[object]], sending: Connection) -> None:
    try:
        try:
            for item in produce():
                sending.send_bytes(_pickled_unshared(("item", item)))
        except Exception as exc:  # handed to the parent, which raises it
            try:
                sending.send(("raise", exc))
            except Exception:  # not picklable: its text still tells what happened
                sending.send(("raise", RuntimeError("".join(traceback.format_exception(exc)))))
            return
        sending.send(("done", None))
    except (BrokenPipeError, EOFError):
        return  # the parent stopped reading: it failed, and nothing is left to do


def _pickled_unshared(item: object) -> memoryview:
    """``item`` pickled without a memo. An import's batch is thousands of tuples of strings,
    and recording each in the memo (for objects met twice, which batches barely have) took
    more than half of the child's pickling; an object within itself is refused (ValueError)
    rather than pickled for ever. What the receiving end reads is a pickle as any other."""
    buffer = io.BytesIO()
    pickler = ForkingPickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(item)
    return buffer.getbuffer()
