"""enter once: merge proposals, merges and their undo

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('pole_persons', sa.Column('merged_into_id', sa.Uuid(), nullable=True))
    op.create_foreign_key(op.f('fk_pole_persons_merged_into_id_pole_persons'), 'pole_persons', 'pole_persons',
                          ['merged_into_id'], ['id'])
    op.create_index(op.f('ix_pole_persons_merged_into_id'), 'pole_persons', ['merged_into_id'], unique=False)

    op.create_table('pole_person_sources',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['pole_persons.id'], name=op.f('fk_pole_person_sources_person_id_pole_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_person_sources')),
    sa.UniqueConstraint('source', 'source_id', name='uq_pole_person_sources_once')
    )
    op.create_index(op.f('ix_pole_person_sources_person_id'), 'pole_person_sources', ['person_id'], unique=False)

    op.create_table('pole_person_merges',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('survivor_id', sa.Uuid(), nullable=False),
    sa.Column('merged_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('moved', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('merged_by_id', sa.Uuid(), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('survivor_id <> merged_id', name=op.f('ck_pole_person_merges_two_people')),
    sa.CheckConstraint('(undone_at is null) = (undone_by_id is null)', name=op.f('ck_pole_person_merges_undone_by')),
    sa.ForeignKeyConstraint(['merged_by_id'], ['users.id'], name=op.f('fk_pole_person_merges_merged_by_id_users')),
    sa.ForeignKeyConstraint(['merged_id'], ['pole_persons.id'], name=op.f('fk_pole_person_merges_merged_id_pole_persons')),
    sa.ForeignKeyConstraint(['survivor_id'], ['pole_persons.id'], name=op.f('fk_pole_person_merges_survivor_id_pole_persons')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_pole_person_merges_undone_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_person_merges'))
    )
    op.create_index(op.f('ix_pole_person_merges_survivor_id'), 'pole_person_merges', ['survivor_id'], unique=False)
    op.create_index('uq_pole_person_merges_in_force', 'pole_person_merges', ['merged_id'], unique=True,
                    postgresql_where=sa.text('undone_at is null'))

    op.create_table('person_merge_proposals',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_a_id', sa.Uuid(), nullable=False),
    sa.Column('person_b_id', sa.Uuid(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('cluster_key', sa.String(length=64), nullable=True),
    sa.Column('model_version', sa.String(length=40), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Uuid(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('merge_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('person_a_id < person_b_id', name=op.f('ck_person_merge_proposals_ordered_pair')),
    sa.CheckConstraint("state in ('open', 'accepted', 'rejected')", name=op.f('ck_person_merge_proposals_state')),
    sa.CheckConstraint('probability between 0 and 1', name=op.f('ck_person_merge_proposals_probability')),
    sa.CheckConstraint("(state = 'open') = (decided_at is null)", name=op.f('ck_person_merge_proposals_decided')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_person_merge_proposals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['person_a_id'], ['pole_persons.id'], name=op.f('fk_person_merge_proposals_person_a_id_pole_persons')),
    sa.ForeignKeyConstraint(['person_b_id'], ['pole_persons.id'], name=op.f('fk_person_merge_proposals_person_b_id_pole_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_merge_proposals')),
    sa.UniqueConstraint('person_a_id', 'person_b_id', name='uq_person_merge_proposals_pair')
    )
    op.create_index(op.f('ix_person_merge_proposals_person_b_id'), 'person_merge_proposals', ['person_b_id'], unique=False)
    op.create_index('ix_person_merge_proposals_queue', 'person_merge_proposals', ['probability'], unique=False,
                    postgresql_where=sa.text("state = 'open'"))


def downgrade() -> None:
    op.drop_index('ix_person_merge_proposals_queue', table_name='person_merge_proposals',
                  postgresql_where=sa.text("state = 'open'"))
    op.drop_index(op.f('ix_person_merge_proposals_person_b_id'), table_name='person_merge_proposals')
    op.drop_table('person_merge_proposals')
    op.drop_index('uq_pole_person_merges_in_force', table_name='pole_person_merges',
                  postgresql_where=sa.text('undone_at is null'))
    op.drop_index(op.f('ix_pole_person_merges_survivor_id'), table_name='pole_person_merges')
    op.drop_table('pole_person_merges')
    op.drop_index(op.f('ix_pole_person_sources_person_id'), table_name='pole_person_sources')
    op.drop_table('pole_person_sources')
    op.drop_index(op.f('ix_pole_persons_merged_into_id'), table_name='pole_persons')
    op.drop_constraint(op.f('fk_pole_persons_merged_into_id_pole_persons'), 'pole_persons', type_='foreignkey')
    op.drop_column('pole_persons', 'merged_into_id')
