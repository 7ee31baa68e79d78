"""Writing a report folder: atomic files, a manifest, and revisions instead of overwrites.

A filed report is evidence, so it is never rewritten. Reports go under
``<out>/<label>/`` (``<label>-<STATE>`` for a home state). When that folder's
manifest carries the same input hash, regenerating writes nothing, except
formats or languages not yet in it, which are added beside the others. When
the inputs changed, a new revision ``<label>-r2`` (then -r3 ...) is written
beside the old one.

A folder changes only as a whole: its complete new content (the files kept,
the files added and the manifest) is written in a staging folder outside
``<out>`` and then renamed into place, or atomically exchanged with the old
folder. A crash at any moment leaves either the old folder or the new one,
each with a manifest that matches its files, and at most a staging folder
beside ``<out>``, which the next run removes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import hashlib
import json
import os
import shutil
import socket
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
    """Add the files not yet in the folder's manifest: the folder is replaced as a whole."""
    old = read_manifest(folder)
    manifest = old or {**header, "files": {}}
    listed: dict[str, Any] = manifest["files"]
    written, unchanged = [], []
    for name in sorted(files):
        target = folder / name
        if name in listed and target.exists() and sha256(target.read_bytes()) == listed[name]["sha256"]:
            unchanged.append(name)
            continue
        written.append(name)
    if not written:
        return WrittenReport(folder, written, unchanged)
    staging = _staging_folder(folder.parent)
    try:
        for name in listed:
            if name not in written and (folder / name).exists():
                _link_or_copy(folder / name, staging / name)
        for name in written:
            write_atomic(staging / name, files[name])
            listed[name] = {"sha256": sha256(files[name]), "bytes": len(files[name])}
        write_atomic(
            staging / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()
        )
        _sync_folder(staging)
        _put_in_place(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return WrittenReport(folder, written, unchanged)


def staging_root(out: Path) -> Path:
    """Where report folders are assembled: beside ``out`` on the same file system, never in it."""
    out.mkdir(parents=True, exist_ok=True)
    beside = out.resolve().parent / f".{out.resolve().name}.staging"
    try:
        beside.mkdir(exist_ok=True)
        if beside.stat().st_dev == out.stat().st_dev:
            return beside
    except OSError:
        pass
    # ``out`` is a mount point (or its parent is read-only): stage inside it, hidden.
    inside = out / ".staging"
    inside.mkdir(exist_ok=True)
    return inside


def _staging_folder(out: Path) -> Path:
    root = staging_root(out)
    remove_stale_staging(out)
    return Path(tempfile.mkdtemp(dir=root, prefix=f"{socket.gethostname()}-{os.getpid()}-"))


def remove_stale_staging(out: Path) -> list[Path]:
    """Staging folders left by writers of this host that no longer run (killed mid-write)."""
    removed = []
    host = socket.gethostname()
    for root in (out.resolve().parent / f".{out.resolve().name}.staging", out / ".staging"):
        if not root.is_dir():
            continue
        for staging in root.iterdir():
            if not staging.name.startswith(f"{host}-"):
                continue  # another machine's writer: only it can tell whether it still runs
            pid_text = staging.name[len(host) + 1 :].split("-", 1)[0]
            if not pid_text.isdigit() or _alive(int(pid_text)):
                continue
            shutil.rmtree(staging, ignore_errors=True)
            removed.append(staging)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)  # the filed bytes themselves, not a copy that could differ
    except OSError:
        shutil.copy2(source, target)


def _sync_folder(folder: Path) -> None:
    for directory in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_RENAME_EXCHANGE = 2


def _put_in_place(staging: Path, folder: Path) -> None:
    """Rename the staged folder into place; swap it atomically with an existing one."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    if not folder.exists():
        os.rename(staging, folder)
        return
    if _exchange(staging, folder):
        return  # the old content is now in ``staging``, removed by the caller
    # No atomic exchange (not Linux): move the old folder aside first. For a
    # moment the folder is absent; it is never half-written.
    aside = staging.with_name(staging.name + ".old")
    os.rename(folder, aside)
    os.rename(staging, folder)
    os.rename(aside, staging)


def _exchange(a: Path, b: Path) -> bool:
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


@functools.cache
def _renameat2() -> Any:
    """libc's renameat2, looked up once per process (find_library runs ldconfig)."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    return getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None)
