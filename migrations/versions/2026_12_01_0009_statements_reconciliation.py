"""statements and reconciliation: statement keys, the reconciliation records' chain

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.domain.chain import GENESIS

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("own", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_keys")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_statement_keys_fingerprint")),
    )
    op.create_table(
        "reconciliation_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_records")),
        sa.UniqueConstraint("seq", name=op.f("uq_reconciliation_records_seq")),
    )
    op.create_index(
        "ix_reconciliation_records_kind_subject", "reconciliation_records", ["kind", "subject"], unique=False
    )
    with op.batch_alter_table("ledger_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_seq", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("record_head", sa.String(length=64), nullable=False, server_default=GENESIS))
    with op.batch_alter_table("ledger_state", schema=None) as batch_op:
        for column in ("record_seq", "record_head"):
            batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("ledger_state", schema=None) as batch_op:
        batch_op.drop_column("record_head")
        batch_op.drop_column("record_seq")
    op.drop_index("ix_reconciliation_records_kind_subject", table_name="reconciliation_records")
    op.drop_table("reconciliation_records")
    op.drop_table("statement_keys")
