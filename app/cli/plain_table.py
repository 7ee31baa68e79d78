"""The quota view (app/cli/quota_view.py) drawn as rich draws it to a pipe, without rich.

Importing rich and laying a table out with it is a third of what a quick ``csbm quota``
costs. This draws the case that needs no layout decisions: styles that a pipe does not
show, text of printable characters one cell wide each, without markup or emoji syntax,
and a table narrower than the console, so no column wraps. Anything else gives None and
rich draws it.
tests/unit/test_quota_fast_path.py holds the two to the same characters.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence

from app.cli.quota_view import Column, Line, TableView

PIPE_WIDTH = 150  # app/cli/output.py's console width when standard output is no terminal


def plain_output(sections: Sequence[TableView | Line]) -> str | None:
    """What rich prints for the sections on a pipe; None where only rich can say."""
    if not _plain_console():
        return None
    drawn = [_line(s) if isinstance(s, Line) else _table(s) for s in sections]
    return None if None in drawn else "".join(d for d in drawn if d is not None)


def _plain_console() -> bool:
    """Whether output.py's console would be a plain, 150-column, UTF-8 one."""
    stream = sys.stdout
    if stream.isatty() or "FORCE_COLOR" in os.environ or os.environ.get("TTY_COMPATIBLE") == "1":
        return False
    return (getattr(stream, "encoding", None) or "utf-8").lower().startswith("utf")


# Characters one cell wide, by rich's own table of them (rich/cells.py): ASCII, Latin, Greek, Cyrillic.
_NARROW = frozenset(
    chr(c)
    for first, last in ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF), (0x370, 0x482))
    for c in range(first, last + 1)
)


def _plain(text: str) -> bool:
    """Text rich shows exactly as written: printable and one cell a character, no markup,
    no :emoji: code, no space at either end (justifying strips it)."""
    shown = _NARROW.issuperset(text) and text.isprintable() and text == text.strip()
    return shown and not any(c in text for c in "[]\\") and text.count(":") < 2


def _line(line: Line) -> str | None:
    return line.text + "\n" if _plain(line.text) and len(line.text) <= PIPE_WIDTH else None


def _table(view: TableView) -> str | None:
    texts = [[c.header for c in view.columns], *([cell.text for cell in row] for row in view.rows)]
    if not all(_plain(text) for row in texts for text in row) or not _plain(view.title):
        return None
    widths = [_width(column, (row[i] for row in texts)) for i, column in enumerate(view.columns)]
    table_width = sum(widths) + len(widths) + 1
    if table_width > PIPE_WIDTH or len(view.title) > table_width:
        return None
    header, *body = texts
    lines = [
        *([view.title.ljust(table_width)] if view.title else []),
        _rule("┏━┳┓", widths),
        _row("┃", header, view.columns, widths),
        _rule("┡━╇┩", widths),
        *(_row("│", row, view.columns, widths) for row in body),
        _rule("└─┴┘", widths),
    ]
    return "\n".join(lines) + "\n"


def _width(column: Column, texts: Iterable[str]) -> int:
    """A column's width with its padding of one space each side, as rich measures it."""
    return max(max(len(t) for t in texts), column.min_width or 0) + 2


def _rule(box: str, widths: Sequence[int]) -> str:
    return box[0] + box[2].join(box[1] * w for w in widths) + box[3]


def _row(edge: str, texts: Sequence[str], columns: Sequence[Column], widths: Sequence[int]) -> str:
    cells = [
        " " + (text.rjust(w - 2) if column.justify == "right" else text.ljust(w - 2)) + " "
        for text, column, w in zip(texts, columns, widths, strict=True)
    ]
    return edge + edge.join(cells) + edge
