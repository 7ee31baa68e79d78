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

A restore loads everything in one transaction into an empty database,
migrated to the archive's schema version first and to the newest after, and
verifies the chains before committing: a damaged or tampered archive loads
nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.orm import Session

from app.db import archive
from app.db.chain_writer import chain_heads
from app.db.migrate import current_revision, head_revision, upgrade
from app.db.session import transaction
from app.domain.chain import CHAIN_FORMAT
from app.services.errors import ServiceError
from app.services.integrity import describe_breaks, verify

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


# ---- restore ---------------------------------------------------------------------


@dataclass(slots=True)
class RestoreSummary:
    schema: str
    tables: dict[str, int] = field(default_factory=dict)
    heads: dict[str, dict[str, object]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"schema": self.schema, "tables": self.tables, "chain_heads": self.heads, "verified": True}


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


def restore(engine: Engine, path: Path) -> RestoreSummary:
    """Load an archive into an empty database; the chains must verify, or nothing is loaded."""
    manifest = read_manifest(path)
    schema = str(manifest.get("schema"))
    # Archives written before the manifest named it hold chains of the first (and only) format.
    chains = manifest.get("chain_format", CHAIN_FORMAT)
    if chains != CHAIN_FORMAT:
        raise BackupError(f"{path}: its hash chains are of format {chains}; this csbm computes {CHAIN_FORMAT}")
    if schema != head_revision():
        raise BackupError(
            f"{path}: the archive has schema version {schema}, this csbm {head_revision()}: restore it with the "
            "csbm that made it, then upgrade that database"
        )
    upgrade(engine)
    summary = RestoreSummary(schema=schema)
    with zipfile.ZipFile(path) as zipped, transaction(engine, write=True) as session:
        connection = session.connection()
        in_use = archive.table_in_use(connection)
        if in_use is not None:
            raise BackupError(
                f"the target database is not empty ({in_use} has rows): restore only into a new, empty database"
            )
        archive.clear(connection)  # the migrations' seed rows; the archive's own replace them
        for table in archive.tables():
            described = manifest["tables"].get(table.name)
            if described is None:
                continue  # a table newer than the archive: left as the migrations made it
            summary.tables[table.name] = _load_table(connection, zipped, table, described, path)
        archive.reset_sequences(connection)
        result = verify(session)
        if not result.ok:
            raise BackupError(
                f"{path}: the archive's hash chains do not verify; nothing was restored:\n"
                + "\n".join(describe_breaks(result.breaks))
            )
        summary.heads = {n: h.as_json() for n, h in result.heads.items()}
        if summary.heads != manifest.get("chain_heads"):
            raise BackupError(f"{path}: the chain heads differ from the manifest's; nothing was restored")
    return summary


def _load_table(
    connection: Connection, zipped: zipfile.ZipFile, table: Table, described: dict[str, Any], path: Path
) -> int:
    columns = list(described["columns"])
    unknown = archive.unknown_columns(table, columns)
    if unknown:
        raise BackupError(f"{path}: table {table.name} has columns this schema does not: {', '.join(unknown)}")
    try:
        member = zipped.open(f"tables/{table.name}.jsonl")
    except KeyError:
        raise BackupError(f"{path}: table {table.name} is listed but missing") from None
    digest, count = hashlib.sha256(), 0

    def counted(lines: Iterable[bytes]) -> Iterator[bytes]:
        nonlocal count
        for line in lines:
            digest.update(line)
            count += 1
            yield line

    with member:
        archive.insert_lines(connection, table, columns, counted(member))
    if digest.hexdigest() != described["sha256"] or count != described["rows"]:
        raise BackupError(f"{path}: table {table.name} does not match its checksum; nothing was restored")
    return count
