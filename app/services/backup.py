"""``csbm backup`` / ``csbm restore``: one portable archive, either database.

The archive is a ZIP file (deflate) holding ``tables/<table>.jsonl`` (one JSON
array per row, columns as listed in the manifest) and ``manifest.json``,
written last: the format, the chain format, the schema version, the chain heads, and each
table's row count and sha256. Values are stored by column type (datetimes in
ISO 8601 with their zone, dates as ISO dates, binary as base64), so a backup
of SQLite restores into PostgreSQL and back without loss, and the hash
chains verify on both sides.

A backup reads inside one transaction: PostgreSQL's REPEATABLE READ (read
only) or SQLite's WAL read snapshot, so it is consistent while the app is in
use. It is written under a temporary name and renamed when complete.

A restore (app/services/restore.py) loads everything in one transaction into
an empty database, at the archive's schema version first and migrated to the
newest after, and verifies the chains before committing: a damaged or
tampered archive loads nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.orm import Session

from app.db import archive
from app.db.chain_writer import chain_heads
from app.db.migrate import current_revision
from app.domain.chain import CHAIN_FORMAT
from app.services.errors import ServiceError

FORMAT = "csbm-backup-1"
MANIFEST = "manifest.json"


class BackupError(ServiceError):
    """A backup or restore that could not be done; nothing was written."""


@dataclass(slots=True)
class BackupSummary:
    path: Path
    schema: str
    tables: dict[str, int] = field(default_factory=dict)
    heads: dict[str, dict[str, object]] = field(default_factory=dict)
    sha256: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "schema": self.schema,
            "tables": self.tables,
            "chain_heads": self.heads,
            "sha256": self.sha256,
        }


# ---- backup ----------------------------------------------------------------------


def backup(engine: Engine, path: Path, *, at: dt.datetime) -> BackupSummary:
    """Write one consistent archive of every table to ``path`` (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with archive.snapshot(engine) as connection:
            schema = current_revision(connection)
            if schema is None:
                raise BackupError(f"{path}: the database is not set up: run `csbm db upgrade` first")
            summary = BackupSummary(path=path, schema=schema)
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "chain_format": CHAIN_FORMAT,
                "schema": schema,
                "created_at": at.isoformat(),
                "dialect": connection.dialect.name,
                "tables": {},
            }
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zipped:
                for table in archive.tables():
                    count, digest = _write_table(connection, zipped, table)
                    manifest["tables"][table.name] = {
                        "columns": [c.name for c in table.columns],
                        "rows": count,
                        "sha256": digest,
                    }
                    summary.tables[table.name] = count
                with Session(bind=connection) as session:
                    summary.heads = {n: h.as_json() for n, h in chain_heads(session).items()}
                manifest["chain_heads"] = summary.heads
                zipped.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        with partial.open("rb") as stream:
            summary.sha256 = hashlib.file_digest(stream, "sha256").hexdigest()
        with partial.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


def _write_table(connection: Connection, zipped: zipfile.ZipFile, table: Table) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    with zipped.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as member:
        for line in archive.lines(connection, table):
            digest.update(line)
            member.write(line)
            count += 1
    return count, digest.hexdigest()


# ---- reading an archive ----------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        with zipfile.ZipFile(path) as archive:
            manifest: dict[str, Any] = json.loads(archive.read(MANIFEST))
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{path}: not a csbm backup ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a csbm backup (format {manifest.get('format')!r}, expected {FORMAT})")
    return manifest
