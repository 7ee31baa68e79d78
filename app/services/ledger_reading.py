"""A large ledger file read ahead while its import is still starting.

Before an import reads its first row, its process imports the database layer,
connects and reads the agreements: about half a second, during which the second
core had nothing to do. The parser's process now starts first, before any of
that: it reads the file and makes every check of a row that needs no agreement
(QuickRows.plain_texts, against the known states), keeping up to READ_AHEAD_ROWS
rows; once given the context it checks the rest of each row against it and hands
over the same batches content_batches would (a test holds the two to each other).

``csbm ledger import`` begins the reading before it imports even the command line's
parser (begin_early, from app/cli/__init__.py). This module is imported before the
rest of the import: it imports the file's parser (which both processes then share,
instead of each importing it) and nothing that needs the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

from app.services.ledger_csv import Contents, EntryContext, ReadRow, batches_of, plain_rows
from app.services.prefetch import ChildAhead, fork_available
from app.services.states import known_states

T = TypeVar("T")

# From this size on an import parses in a child process (where fork exists):
# parsing and writing then run on two cores instead of taking turns for the GIL.
PARALLEL_FROM_BYTES = 1_000_000
# What the parser keeps while it waits for the context: what it reads in about half a
# second, and a bound on its memory (about 1 kB a row) however slowly the import starts.
READ_AHEAD_ROWS = 100_000


class LedgerReading:
    """A file being read by a parser process that waits for its import's context."""

    def __init__(self, path: Path, states: frozenset[str], most: int) -> None:
        self.path = path
        self._child: ChildAhead[ReadRow, tuple[EntryContext, Callable[[Contents], object]], object] = ChildAhead(
            partial(plain_rows, path, states), partial(_batches, path, states), most
        )

    def batches(self, context: EntryContext, shape: Callable[[Contents], T]) -> Iterator[T]:
        """``shape`` of each of content_batches(path, context), made in the parser's process
        (``shape`` crosses to it pickled, as a module's function or a partial of one). Asked once."""
        return cast(Iterator[T], self._child.given((context.for_rows(), shape)))

    def close(self) -> None:
        self._child.close()


@contextmanager
def reading_ahead(
    path: Path, from_bytes: int = PARALLEL_FROM_BYTES, most: int = READ_AHEAD_ROWS
) -> Iterator[LedgerReading | None]:
    """A reading of ``path`` begun now (or by begin_early), for a file large enough to parse
    in a process of its own (None for a smaller one, or where there is no fork); its process
    is ended on leaving, whether or not its batches were asked for."""
    global _early
    early, _early = _early, None
    if early is not None and (early.path, from_bytes, most) != (path, PARALLEL_FROM_BYTES, READ_AHEAD_ROWS):
        early.close()
        early = None
    reading = early or _begun(path, from_bytes, most)
    try:
        yield reading
    finally:
        if reading is not None:
            reading.close()


def begin_early(args: list[str]) -> None:
    """Begin reading the file that ``csbm ledger import ARGS`` names, before even the
    command line's parser is imported (a tenth of a second): reading_ahead takes that
    reading up when asked for the same file. Where the command turns out otherwise
    (--help, a usage error) the reading's process ends with this one."""
    global _early
    path = _file_argument(args)
    if path is not None and _early is None:
        _early = _begun(path, PARALLEL_FROM_BYTES, READ_AHEAD_ROWS)


_early: LedgerReading | None = None
_OPTIONS_WITH_VALUES = ("--database-url", "--user")  # those of app/cli/ledger.py's import_file


def _file_argument(args: list[str]) -> Path | None:
    """The first argument that is neither an option nor an option's value."""
    rest = iter(args)
    for arg in rest:
        if arg in _OPTIONS_WITH_VALUES:
            next(rest, None)
        elif not arg.startswith("-"):
            return Path(arg)
    return None


def _begun(path: Path, from_bytes: int, most: int) -> LedgerReading | None:
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # the reader reports why the file cannot be read
    if size < from_bytes or not fork_available():
        return None
    return LedgerReading(path, known_states(), most)


def as_read(batch: Contents) -> Contents:
    """The shape of a batch that is wanted as content_batches gives it."""
    return batch


def _batches(
    path: Path,
    states: frozenset[str],
    rows: Iterator[ReadRow],
    given: tuple[EntryContext, Callable[[Contents], object]],
) -> Iterator[object]:
    context, shape = given
    return map(shape, batches_of(path, rows, states, context))
