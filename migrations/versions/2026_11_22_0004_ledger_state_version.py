"""ledger state version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 01:18:30.437772
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_state'))
    )
    # The single row every write bumps; existing data starts at version 1.
    op.execute("INSERT INTO ledger_state (id, version) VALUES (1, 1)")


def downgrade() -> None:
    op.drop_table('ledger_state')
