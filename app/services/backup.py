"""``csbm backup`` / ``csbm restore``: one portable archive, either database.

The archive is a ZIP file (deflate) holding ``tables/<table>.jsonl`` (one JSON
array per row, columns as listed in the manifest) and ``manifest.json``,
written last: the format, the schema version, the chain heads, and each
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

import base64
import datetime as dt
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, LargeBinary, Table, func, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import Date

from app.db.base import Base
from app.db.chain_writer import chain_heads
from app.db.migrate import current_revision, head_revision, upgrade
from app.db.session import transaction
from app.db.types import UtcDateTime
from app.domain.chain import CHAIN_FORMAT
from app.services.errors import ServiceError
from app.services.integrity import describe_breaks, verify

FORMAT = "csbm-backup-1"
MANIFEST = "manifest.json"
_CHUNK = 2_000
# Row-less bookkeeping that a restore must not carry over: the migration
# version is recorded in the manifest instead.
_SKIPPED = {"alembic_version"}


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


def tables() -> list[Table]:
    """Every table csbm owns, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in _SKIPPED]


# ---- values by column type ---------------------------------------------------------


def _dump(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, UtcDateTime):
        return str(value.isoformat())
    if isinstance(column_type, Date):
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _load(value: Any, column_type: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, UtcDateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(column_type, Date):
        return dt.date.fromisoformat(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    return value


# ---- backup ----------------------------------------------------------------------


def backup(engine: Engine, path: Path, *, at: dt.datetime) -> BackupSummary:
    """Write one consistent archive of every table to ``path`` (atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with _snapshot(engine) as connection:
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
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                for table in tables():
                    count, digest = _write_table(connection, archive, table)
                    manifest["tables"][table.name] = {
                        "columns": [c.name for c in table.columns],
                        "rows": count,
                        "sha256": digest,
                    }
                    summary.tables[table.name] = count
                with Session(bind=connection) as session:
                    summary.heads = {n: h.as_json() for n, h in chain_heads(session).items()}
                manifest["chain_heads"] = summary.heads
                archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        with partial.open("rb") as stream:
            summary.sha256 = hashlib.file_digest(stream, "sha256").hexdigest()
        with partial.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return summary


class _snapshot:
    """A read-only connection that sees one moment of the database throughout."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __enter__(self) -> Connection:
        if self.engine.dialect.name == "postgresql":
            self.connection = self.engine.connect().execution_options(isolation_level="REPEATABLE READ")
            self.transaction = self.connection.begin()
            self.connection.execute(text("SET TRANSACTION READ ONLY"))
        else:
            # SQLite in WAL mode: a read transaction keeps the snapshot of its first read.
            self.connection = self.engine.connect()
            self.transaction = self.connection.begin()
        return self.connection

    def __exit__(self, *_: object) -> None:
        self.transaction.rollback()
        self.connection.close()


def _write_table(connection: Connection, archive: zipfile.ZipFile, table: Table) -> tuple[int, str]:
    digest = hashlib.sha256()
    types = [c.type for c in table.columns]
    order = [c for c in table.primary_key.columns] or list(table.columns)
    count = 0
    with archive.open(f"tables/{table.name}.jsonl", "w", force_zip64=True) as member:
        result = connection.execute(select(table).order_by(*order).execution_options(yield_per=_CHUNK))
        for row in result:
            line = (
                json.dumps([_dump(v, t) for v, t in zip(row, types, strict=True)], ensure_ascii=False) + "\n"
            ).encode("utf-8")
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
    with zipfile.ZipFile(path) as archive, transaction(engine, write=True) as session:
        connection = session.connection()
        _require_empty(connection)
        # Migrations seed a few rows (the ledger state, the quota locks); the archive's
        # own rows replace them.
        for table in reversed(tables()):
            connection.execute(table.delete())
        for table in tables():
            described = manifest["tables"].get(table.name)
            if described is None:
                continue  # a table newer than the archive: left as the migrations made it
            summary.tables[table.name] = _load_table(connection, archive, table, described, path)
        if connection.dialect.name == "postgresql":
            _reset_sequences(connection)
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


def _require_empty(connection: Connection) -> None:
    for name in ("ledger_entries", "declarations", "agreement_versions", "users", "audit_log"):
        table = Base.metadata.tables[name]
        if connection.execute(select(func.count()).select_from(table)).scalar_one():
            raise BackupError(
                f"the target database is not empty ({name} has rows): restore only into a new, empty database"
            )


def _load_table(
    connection: Connection, archive: zipfile.ZipFile, table: Table, described: dict[str, Any], path: Path
) -> int:
    columns = list(described["columns"])
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        raise BackupError(f"{path}: table {table.name} has columns this schema does not: {', '.join(unknown)}")
    types = [table.columns[c].type for c in columns]
    digest = hashlib.sha256()
    count = 0
    batch: list[dict[str, Any]] = []
    try:
        member = archive.open(f"tables/{table.name}.jsonl")
    except KeyError:
        raise BackupError(f"{path}: table {table.name} is listed but missing") from None
    with member:
        for line in member:
            digest.update(line)
            values = json.loads(line)
            batch.append({c: _load(v, t) for c, v, t in zip(columns, values, types, strict=True)})
            count += 1
            if len(batch) >= _CHUNK:
                connection.execute(insert(table), batch)
                batch = []
    if batch:
        connection.execute(insert(table), batch)
    if digest.hexdigest() != described["sha256"] or count != described["rows"]:
        raise BackupError(f"{path}: table {table.name} does not match its checksum; nothing was restored")
    return count


def _reset_sequences(connection: Connection) -> None:
    """Rows came with their ids; PostgreSQL's sequences must continue after them."""
    for table in tables():
        if "id" not in table.columns or list(table.primary_key.columns) != [table.columns["id"]]:
            continue
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if sequence:
            connection.execute(
                text(f"SELECT setval(:s, coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"),
                {"s": sequence},
            )
