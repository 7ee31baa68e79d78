"""``csbm restore``: an archive of ``csbm backup`` into an empty database of either kind.

Everything is loaded in one transaction: the rows go in at the archive's own
schema version (the tables as they were then, reflected from the database, not
as this csbm's models describe them), the migrations bring them to this
csbm's, PostgreSQL's sequences are reset, and the chains are verified before
committing. A damaged or tampered archive loads nothing, and an archive
written by an older csbm restores into a newer one.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, insert, inspect, text

from app.db.archive import SKIPPED, load_value, reset_sequences
from app.db.migrate import current_revision, head_revision, migrate_to, revisions
from app.db.session import transaction
from app.domain.chain import CHAIN_FORMAT
from app.services.backup import BackupError, read_manifest
from app.services.integrity import describe_breaks, verify

_CHUNK = 2_000


@dataclass(slots=True)
class RestoreSummary:
    schema: str
    tables: dict[str, int] = field(default_factory=dict)
    heads: dict[str, dict[str, object]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"schema": self.schema, "tables": self.tables, "chain_heads": self.heads, "verified": True}


def restore(engine: Engine, path: Path) -> RestoreSummary:
    """Load an archive into an empty database; the chains must verify, or nothing is loaded.

    The rows go in at the archive's own schema version, and the migrations then bring
    them to this csbm's, all in one transaction: an archive written by an older csbm
    restores into a newer one, and is verified as the newer one reads it."""
    manifest = read_manifest(path)
    summary = RestoreSummary(schema=_known_schema(manifest, path))
    with zipfile.ZipFile(path) as archive, transaction(engine, write=True) as session:
        connection = session.connection()
        summary.tables = _load_at_schema(connection, archive, manifest, path)
        migrate_to(connection, "head")
        result = verify(session)
        if not result.ok:
            raise BackupError(
                f"{path}: the archive's hash chains do not verify; nothing was restored:\n"
                + "\n".join(describe_breaks(result.breaks))
            )
        summary.heads = {n: h.as_json() for n, h in result.heads.items()}
        if not _heads_match(summary.heads, manifest.get("chain_heads")):
            raise BackupError(f"{path}: the chain heads differ from the manifest's; nothing was restored")
    return summary


def _heads_match(restored: dict[str, dict[str, object]], recorded: Any) -> bool:
    """The archive's chains as it recorded them; a chain newer than the archive must be empty."""
    if not isinstance(recorded, dict):
        return False
    newer = {name: head for name, head in restored.items() if name not in recorded}
    return all(head["seq"] == 0 for head in newer.values()) and all(
        restored.get(name) == head for name, head in recorded.items()
    )


def load_at_archive_schema(engine: Engine, path: Path) -> dict[str, int]:
    """Load an archive into an empty database at the archive's own schema version, and stop there.

    The database is then as the csbm that wrote the archive left it: the way to rehearse
    `csbm db upgrade` on a copy of a centre's data (tests/integration/test_upgrade.py).
    Each table's checksum is checked; the chains are not, since this csbm reads them only
    at its own schema: `csbm audit verify` after the upgrade does that."""
    manifest = read_manifest(path)
    _known_schema(manifest, path)
    with zipfile.ZipFile(path) as archive, transaction(engine, write=True) as session:
        return _load_at_schema(session.connection(), archive, manifest, path)


def _known_schema(manifest: dict[str, Any], path: Path) -> str:
    # Archives written before the manifest named it hold chains of the first (and only) format.
    chains = manifest.get("chain_format", CHAIN_FORMAT)
    if chains != CHAIN_FORMAT:
        raise BackupError(f"{path}: its hash chains are of format {chains}; this csbm computes {CHAIN_FORMAT}")
    schema = str(manifest.get("schema"))
    if schema not in revisions():
        raise BackupError(
            f"{path}: the archive has schema version {schema}, which this csbm (schema {head_revision()}) does not "
            "know: it was written by a newer csbm; restore it with that one"
        )
    return schema


def _load_at_schema(
    connection: Connection, archive: zipfile.ZipFile, manifest: dict[str, Any], path: Path
) -> dict[str, int]:
    """Migrate the empty database to the archive's schema and load every table as it was then."""
    if current_revision(connection) is not None:
        _require_empty(connection)
    migrate_to(connection, str(manifest["schema"]))
    # The tables as they are at that schema, not as this csbm's models describe them:
    # a column added later (with its Python-side default) does not exist yet.
    found = MetaData()
    found.reflect(connection)
    present = [t for t in found.sorted_tables if t.name not in SKIPPED]
    missing = sorted(set(manifest["tables"]) - {t.name for t in present})
    if missing:
        raise BackupError(f"{path}: tables {', '.join(missing)} are not in schema {manifest['schema']}")
    # Migrations seed a few rows (the ledger state, the quota locks); the archive's
    # own rows replace them.
    for table in reversed(present):
        connection.execute(table.delete())
    loaded = {
        t.name: _load_table(connection, archive, t, manifest["tables"][t.name], path)
        for t in present
        if t.name in manifest["tables"]
    }
    reset_sequences(connection, present)
    return loaded


def _require_empty(connection: Connection) -> None:
    existing = set(inspect(connection).get_table_names())
    for name in ("ledger_entries", "declarations", "agreement_versions", "users", "audit_log"):
        if name in existing and connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one():
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
            batch.append({c: load_value(v, t) for c, v, t in zip(columns, values, types, strict=True)})
            count += 1
            if len(batch) >= _CHUNK:
                connection.execute(insert(table), batch)
                batch = []
    if batch:
        connection.execute(insert(table), batch)
    if digest.hexdigest() != described["sha256"] or count != described["rows"]:
        raise BackupError(f"{path}: table {table.name} does not match its checksum; nothing was restored")
    return count
