"""revision hash chains

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 02:45:00

Every ledger and declaration revision gains its place in a hash chain (seq)
and the chained hash; existing revisions are chained in the order they were
stored (by id), so a database from before this revision verifies afterwards.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.domain.chain import DECLARATION_FIELDS, ENTRY_FIELDS, GENESIS, link_values

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_ENTRY_SELECT = (
    "SELECT r.id, {fields} FROM entry_revisions r JOIN ledger_entries e ON e.id = r.entry_id ORDER BY r.id"
)
_DECLARATION_SELECT = (
    "SELECT r.id, {fields} FROM declaration_revisions r JOIN declarations d ON d.id = r.declaration_id ORDER BY r.id"
)


_TYPES = {
    "recorded_at": sa.DateTime(timezone=True),
    "start_on": sa.Date(),
    "end_on": sa.Date(),
    "revision": sa.Integer(),
    "year": sa.Integer(),
    "value": sa.Integer(),
    "team_size": sa.Integer(),
    "seq": sa.Integer(),
}


def _column(name: str) -> str:
    if name == "seq":
        return "0"  # numbered below, in id order
    if name == "ref":
        return "e.ref"
    if name in ("state", "year", "name"):
        return f"d.{name}"
    return f"r.{name}"


def _backfill(table: str, select: str, names: tuple[str, ...]) -> tuple[int, str]:
    connection = op.get_bind()
    columns = ", ".join(_column(n) for n in names)
    # Typed, so values read back exactly as the application reads them (SQLite keeps
    # datetimes as text); the hashes must be the ones csbm computes when it writes.
    query = sa.text(select.format(fields=columns)).columns(
        sa.column("id", sa.Integer()),
        *(sa.column(n, _TYPES.get(n, sa.String())) for n in names),
    )
    rows = connection.execute(query).all()
    head, seq = GENESIS, 0
    update = sa.text(f"UPDATE {table} SET seq = :seq, chain_hash = :hash WHERE id = :id")
    for row in rows:
        seq += 1
        values = list(row[1:])
        values[0] = seq
        head = link_values(head, values)
        connection.execute(update, {"seq": seq, "hash": head, "id": row[0]})
    return seq, head


def upgrade() -> None:
    for table in ("entry_revisions", "declaration_revisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
            batch_op.add_column(sa.Column('chain_hash', sa.String(length=64), nullable=True))
    with op.batch_alter_table('ledger_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_seq', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('entry_head', sa.String(length=64), nullable=False, server_default=GENESIS))
        batch_op.add_column(sa.Column('declaration_seq', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('declaration_head', sa.String(length=64), nullable=False, server_default=GENESIS))

    entry_seq, entry_head = _backfill("entry_revisions", _ENTRY_SELECT, ENTRY_FIELDS)
    declaration_seq, declaration_head = _backfill("declaration_revisions", _DECLARATION_SELECT, DECLARATION_FIELDS)
    op.get_bind().execute(
        sa.text(
            "UPDATE ledger_state SET entry_seq = :es, entry_head = :eh, declaration_seq = :ds, declaration_head = :dh"
        ),
        {"es": entry_seq, "eh": entry_head, "ds": declaration_seq, "dh": declaration_head},
    )

    for table in ("entry_revisions", "declaration_revisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('seq', existing_type=sa.BigInteger(), nullable=False)
            batch_op.alter_column('chain_hash', existing_type=sa.String(length=64), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_seq'), ['seq'])
    with op.batch_alter_table('ledger_state', schema=None) as batch_op:
        for column in ('entry_seq', 'entry_head', 'declaration_seq', 'declaration_head'):
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('ledger_state', schema=None) as batch_op:
        for column in ('declaration_head', 'declaration_seq', 'entry_head', 'entry_seq'):
            batch_op.drop_column(column)
    for table in ("declaration_revisions", "entry_revisions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_seq'), type_='unique')
            batch_op.drop_column('chain_hash')
            batch_op.drop_column('seq')
