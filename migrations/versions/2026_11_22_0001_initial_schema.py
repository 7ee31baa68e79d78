"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 00:03:11.190063
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agreement_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('loaded_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_versions')),
    sa.UniqueConstraint('agreement_id', 'version', name=op.f('uq_agreement_versions_agreement_id'))
    )
    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.create_index('ix_agreement_versions_agreement_id_loaded_at', ['agreement_id', 'loaded_at'], unique=False)

    op.create_table('declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declarations')),
    sa.UniqueConstraint('state', 'year', 'name', name=op.f('uq_declarations_state'))
    )
    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('ref', name=op.f('uq_ledger_entries_ref'))
    )
    op.create_table('quota_locks',
    sa.Column('agreement_id', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('agreement_id', name=op.f('pk_quota_locks'))
    )
    op.create_table('declaration_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_declaration_revisions_declaration_id_declarations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_revisions')),
    sa.UniqueConstraint('declaration_id', 'revision', name=op.f('uq_declaration_revisions_declaration_id'))
    )
    op.create_table('entry_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('agreement', sa.String(length=40), nullable=False),
    sa.Column('activity', sa.String(length=40), nullable=False),
    sa.Column('inspecting_state', sa.String(length=2), nullable=False),
    sa.Column('receiving_state', sa.String(length=2), nullable=False),
    sa.Column('requested_iso', sa.String(length=32), nullable=False),
    sa.Column('replied_iso', sa.String(length=32), nullable=True),
    sa.Column('start_iso', sa.String(length=32), nullable=False),
    sa.Column('end_iso', sa.String(length=32), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('team_size', sa.Integer(), nullable=True),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('object', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_entry_revisions_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_revisions')),
    sa.UniqueConstraint('entry_id', 'revision', name=op.f('uq_entry_revisions_entry_id'))
    )
    with op.batch_alter_table('entry_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_entry_revisions_agreement_start_on', ['agreement', 'start_on'], unique=False)
        batch_op.create_index('ix_entry_revisions_entry_id_recorded_at', ['entry_id', 'recorded_at'], unique=False)
        batch_op.create_index('ix_entry_revisions_start_on', ['start_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('entry_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_entry_revisions_start_on')
        batch_op.drop_index('ix_entry_revisions_entry_id_recorded_at')
        batch_op.drop_index('ix_entry_revisions_agreement_start_on')

    op.drop_table('entry_revisions')
    op.drop_table('declaration_revisions')
    op.drop_table('quota_locks')
    op.drop_table('ledger_entries')
    op.drop_table('declarations')
    with op.batch_alter_table('agreement_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_agreement_versions_agreement_id_loaded_at')

    op.drop_table('agreement_versions')
