"""entry revisions indexed by agreement, receiving state and start; the redundant
(entry_id, recorded_at) index goes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 09:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Replays find an entry's latest revision as of a time through the unique
    # (entry_id, revision) index; this one only cost every import a sixth index.
    op.drop_index("ix_entry_revisions_entry_id_recorded_at", table_name="entry_revisions")
    op.create_index(
        "ix_entry_revisions_agreement_receiving_state_start_on",
        "entry_revisions",
        ["agreement", "receiving_state", "start_on"],
    )


def downgrade() -> None:
    op.drop_index("ix_entry_revisions_agreement_receiving_state_start_on", table_name="entry_revisions")
    op.create_index("ix_entry_revisions_entry_id_recorded_at", "entry_revisions", ["entry_id", "recorded_at"])
