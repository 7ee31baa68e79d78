"""Writing a report folder: atomic files, a manifest, and revisions instead of overwrites.

A filed report is evidence, so it is never rewritten. Reports go under
``<out>/<label>/`` (``<label>-<STATE>`` for a home state). When that folder's
manifest carries the same input hash, regenerating writes nothing, except
formats or languages not yet in it, which are added beside the others. When
the inputs changed, a new revision ``<label>-r2`` (then -r3 ...) is written
beside the old one. Every file is written under a temporary name and renamed
into place; the manifest is written last, so a reader never sees a manifest
that names a missing or half-written file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class WrittenReport:
    folder: Path
    written: list[str]
    unchanged: list[str]


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def choose_folder(out: Path, base_name: str, input_sha256: str) -> Path:
    """The folder whose manifest has these inputs, or the next free revision."""
    revision = 1
    while True:
        folder = out / (base_name if revision == 1 else f"{base_name}-r{revision}")
        manifest = read_manifest(folder)
        if manifest is None and not folder.exists():
            return folder
        if manifest is not None and manifest.get("input_sha256") == input_sha256:
            return folder
        revision += 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_report_files(folder: Path, files: dict[str, bytes], header: dict[str, Any]) -> WrittenReport:
    """Write the files not yet in the folder's manifest, then the manifest."""
    manifest = read_manifest(folder) or {**header, "files": {}}
    listed: dict[str, Any] = manifest["files"]
    written, unchanged = [], []
    for name, data in sorted(files.items()):
        target = folder / name
        if name in listed and target.exists() and sha256(target.read_bytes()) == listed[name]["sha256"]:
            unchanged.append(name)
            continue
        write_atomic(target, data)
        listed[name] = {"sha256": sha256(data), "bytes": len(data)}
        written.append(name)
    if written:
        write_atomic(
            folder / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
        )
    return WrittenReport(folder, written, unchanged)
