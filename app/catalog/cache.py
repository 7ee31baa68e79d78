"""Built agreements kept on disk, keyed by the stored document's hash.

Turning an agreement file into a domain ``Agreement`` needs PyYAML, pydantic and the
schema: about 130 ms of imports at every start, for documents that change only when
someone loads a new version. An agreement built once is written here as tagged JSON
and read back by constructing the same domain objects, so a quick command needs none
of those imports.

The file's name holds the document's SHA-256 and a fingerprint of the code that builds
and describes agreements: a changed schema, builder or domain class makes every entry
stale at once. JSON, not pickle: reading an entry can only construct the domain classes
named below and parse formulas with their own safe parser. Any entry that cannot be
read is ignored (and rebuilt); a cache that cannot be written is not used.
"""

from __future__ import annotations

import dataclasses
import json
import os
import zlib
from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum
from functools import cache
from typing import Any

from app.domain import agreement as _agreement_module
from app.domain import periods as _periods_module
from app.domain.agreement import Agreement
from app.domain.formula import Formula, parse_formula

# The code an entry depends on, relative to the app package.
_BUILT_BY = (
    "catalog/cache.py",
    "catalog/loader.py",
    "catalog/schema.py",
    "catalog/build.py",
    "domain/agreement.py",
    "domain/periods.py",
    "domain/formula.py",
)


def _registry() -> tuple[dict[str, type], dict[str, type[Enum]]]:
    classes: dict[str, type] = {}
    enums: dict[str, type[Enum]] = {}
    for module in (_agreement_module, _periods_module):
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Enum):
                enums[name] = value
            elif isinstance(value, type) and dataclasses.is_dataclass(value):
                classes[name] = value
    return classes, enums


_CLASSES, _ENUMS = _registry()


def encode(value: Any) -> Any:
    """A domain value as JSON data, tagged so that ``decode`` gives an equal value."""
    if isinstance(value, Enum) and _ENUMS.get(type(value).__name__) is type(value):
        return {"$e": [type(value).__name__, value.value]}
    if value is None or (isinstance(value, bool | int | str) and not isinstance(value, Enum)):
        return value
    if isinstance(value, Formula):
        return {"$f": value.text}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if (
        dataclasses.is_dataclass(value)
        and not isinstance(value, type)
        and _CLASSES.get(type(value).__name__) is type(value)
    ):
        kept = (f.name for f in dataclasses.fields(value) if f.init and f.compare)
        return {"$": type(value).__name__, "v": {name: encode(getattr(value, name)) for name in kept}}
    if isinstance(value, tuple | frozenset):
        return {"$t" if isinstance(value, tuple) else "$s": [encode(v) for v in value]}
    if isinstance(value, Mapping):
        return {"$m": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"cannot keep a {type(value).__name__} in the agreement cache")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "$e": lambda v: _ENUMS[v[0]](v[1]),
    "$f": parse_formula,
    "$d": date.fromisoformat,
    "$t": lambda v: tuple(decode(x) for x in v),
    "$s": lambda v: frozenset(decode(x) for x in v),
    "$m": lambda v: {decode(k): decode(x) for k, x in v},
}


def decode(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    if "$" in data:
        return _CLASSES[data["$"]](**{name: decode(v) for name, v in data["v"].items()})
    ((tag, value),) = data.items()
    return _DECODERS[tag](value)


def cached(sha256: str) -> Agreement | None:
    """The agreement built from the document with this hash, if one was kept."""
    path = _entry(sha256)
    if path is None:
        return None
    try:
        with open(path, "rb") as stream:
            found = decode(json.loads(stream.read()))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found if isinstance(found, Agreement) else None


def keep(sha256: str, agreement: Agreement) -> None:
    """Keep a built agreement for the next start; silently not, where the cache cannot be written."""
    path = _entry(sha256)
    if path is None:
        return
    try:
        data = json.dumps(encode(agreement), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = f"{path}.{os.getpid()}.part"
        with open(partial, "wb") as stream:
            stream.write(data)
        os.replace(partial, path)  # readers see a whole entry or none
    except (OSError, TypeError):
        return


# Paths as strings, not pathlib: pathlib's import is a tenth of a quick command's.
def _entry(sha256: str) -> str | None:
    folder = _folder()
    if folder is None or not sha256.isalnum():
        return None
    return os.path.join(folder, f"{sha256}.{_fingerprint()}.json")


def _folder() -> str | None:
    """The user's cache folder (XDG); none for a user without a home."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return None if base.startswith("~") else os.path.join(base, "csbm", "agreements")


@cache
def _fingerprint() -> str:
    """A checksum of the code an entry depends on (zlib's: hashlib loads OpenSSL, and a stale
    entry only has to be told apart from a current one)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    checksum = 0
    for name in _BUILT_BY:
        with open(os.path.join(root, name), "rb") as stream:
            checksum = zlib.crc32(stream.read(), checksum)
    return f"{checksum:08x}"
