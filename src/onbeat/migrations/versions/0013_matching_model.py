"""enter once: versioned match models

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('match_models',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('prior', sa.Float(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('trained_on', sa.Text(), nullable=False),
    sa.Column('record_count', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=True),
    sa.Column('created_by_label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('prior > 0 and prior < 1', name=op.f('ck_match_models_prior_probability')),
    sa.CheckConstraint('threshold > 0 and threshold < 1', name=op.f('ck_match_models_threshold_probability')),
    sa.CheckConstraint('version > 0', name=op.f('ck_match_models_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_match_models_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_models')),
    sa.UniqueConstraint('version', name=op.f('uq_match_models_version'))
    )


def downgrade() -> None:
    op.drop_table('match_models')
