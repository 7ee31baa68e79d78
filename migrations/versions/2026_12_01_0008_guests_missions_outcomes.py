"""entry revisions record guest inspectors and a curtailment cause; an object may name a
mission's several objects

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing revisions get empty values, which their hashes do not cover (app/domain/chain.py:
    # ENTRY_EXTENSION), so every chain and every filed report's chain head still verifies.
    with op.batch_alter_table("entry_revisions") as batch:
        batch.add_column(sa.Column("guests", sa.Text(), server_default="", nullable=False))
        batch.add_column(sa.Column("cause", sa.String(length=40), server_default="", nullable=False))
        batch.alter_column("object", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=False)
        # "refused_force_majeure" is longer than the 20 characters the first statuses needed.
        batch.alter_column("status", existing_type=sa.String(length=20), type_=sa.String(length=32), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("entry_revisions") as batch:
        batch.alter_column("status", existing_type=sa.String(length=32), type_=sa.String(length=20), existing_nullable=False)
        batch.alter_column("object", existing_type=sa.Text(), type_=sa.String(length=200), existing_nullable=False)
        batch.drop_column("cause")
        batch.drop_column("guests")
