"""records crime

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crime_property',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('object_id', sa.Uuid(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('serial_number', sa.String(length=50), nullable=True),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('value_pence', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status in ('stolen', 'damaged')", name=op.f('ck_crime_property_status')),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_crime_property_quantity')),
    sa.CheckConstraint('value_pence is null or value_pence >= 0', name=op.f('ck_crime_property_value')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_crime_property_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime_property'))
    )
    op.create_index(op.f('ix_crime_property_record_id'), 'crime_property', ['record_id'], unique=False)
    op.create_table('crime_reports',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('offence_code', sa.String(length=8), nullable=False),
    sa.Column('committed_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('committed_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('mo_text', sa.Text(), nullable=False),
    sa.Column('mo_keywords', postgresql.ARRAY(sa.String(length=40)), nullable=False),
    sa.Column('outcome_code', sa.String(length=3), nullable=True),
    sa.Column('outcome_rationale', sa.Text(), nullable=True),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalised_by_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('(outcome_code is null) = (finalised_at is null)', name=op.f('ck_crime_reports_outcome_finalised')),
    sa.CheckConstraint('committed_to is null or committed_to >= committed_from', name=op.f('ck_crime_reports_window')),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['users.id'], name=op.f('fk_crime_reports_finalised_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_crime_reports_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_crime_reports'))
    )
    op.create_index('ix_crime_reports_offence', 'crime_reports', ['offence_code'], unique=False)
    op.create_table('crime_suspects',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('person_id is not null or description is not null', name=op.f('ck_crime_suspects_who')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_crime_suspects_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime_suspects'))
    )
    op.create_index(op.f('ix_crime_suspects_record_id'), 'crime_suspects', ['record_id'], unique=False)
    op.create_table('crime_victim_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_uuid', sa.Uuid(), nullable=True),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("event in ('arrest', 'interview', 'charge', 'released_on_bail', 'released_without_bail', 'bail_changed', 'not_investigated', 'no_further_action', 'other')", name=op.f('ck_crime_victim_events_event')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_crime_victim_events_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_crime_victim_events_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime_victim_events')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_crime_victim_events_client_uuid'))
    )
    op.create_index(op.f('ix_crime_victim_events_record_id'), 'crime_victim_events', ['record_id'], unique=False)
    op.create_table('crime_victims',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('enhanced_rights', sa.Boolean(), nullable=False),
    sa.Column('enhanced_reason', sa.String(length=30), nullable=True),
    sa.Column('preferred_contact', sa.String(length=10), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("enhanced_reason in ('most_serious', 'persistently_targeted', 'vulnerable_or_intimidated')", name=op.f('ck_crime_victims_enhanced_reason')),
    sa.CheckConstraint("preferred_contact in ('phone', 'visit', 'email', 'letter', 'text')", name=op.f('ck_crime_victims_preferred_contact')),
    sa.CheckConstraint('enhanced_rights = (enhanced_reason is not null)', name=op.f('ck_crime_victims_enhanced_has_reason')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_crime_victims_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime_victims')),
    sa.UniqueConstraint('record_id', 'person_id', name='uq_crime_victims_once')
    )
    op.create_table('crime_victim_updates',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_uuid', sa.Uuid(), nullable=True),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('victim_id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('told_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('told_by_id', sa.Uuid(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Uuid(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("method in ('phone', 'visit', 'email', 'letter', 'text')", name=op.f('ck_crime_victim_updates_method')),
    sa.ForeignKeyConstraint(['event_id'], ['crime_victim_events.id'], name=op.f('fk_crime_victim_updates_event_id_crime_victim_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_crime_victim_updates_record_id_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_crime_victim_updates_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['told_by_id'], ['users.id'], name=op.f('fk_crime_victim_updates_told_by_id_users')),
    sa.ForeignKeyConstraint(['victim_id'], ['crime_victims.id'], name=op.f('fk_crime_victim_updates_victim_id_crime_victims'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime_victim_updates')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_crime_victim_updates_client_uuid'))
    )
    op.create_index(op.f('ix_crime_victim_updates_event_id'), 'crime_victim_updates', ['event_id'], unique=False)
    op.create_index(op.f('ix_crime_victim_updates_record_id'), 'crime_victim_updates', ['record_id'], unique=False)
    op.create_index(op.f('ix_crime_victim_updates_victim_id'), 'crime_victim_updates', ['victim_id'], unique=False)
    op.create_table('crime_victim_duties',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('event_id', sa.Uuid(), nullable=False),
    sa.Column('victim_id', sa.Uuid(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('working_days', sa.SmallInteger(), nullable=False),
    sa.Column('update_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('working_days in (1, 5)', name=op.f('ck_crime_victim_duties_working_days')),
    sa.ForeignKeyConstraint(['event_id'], ['crime_victim_events.id'], name=op.f('fk_crime_victim_duties_event_id_crime_victim_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['update_id'], ['crime_victim_updates.id'], name=op.f('fk_crime_victim_duties_update_id_crime_victim_updates'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['victim_id'], ['crime_victims.id'], name=op.f('fk_crime_victim_duties_victim_id_crime_victims'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime_victim_duties')),
    sa.UniqueConstraint('event_id', 'victim_id', name='uq_crime_victim_duties_once')
    )
    op.create_index('ix_crime_victim_duties_open', 'crime_victim_duties', ['due_on'], unique=False, postgresql_where=sa.text('update_id is null'))
    op.create_index(op.f('ix_crime_victim_duties_victim_id'), 'crime_victim_duties', ['victim_id'], unique=False)


def downgrade() -> None:
    for table in ("crime_victim_duties", "crime_victim_updates", "crime_victims", "crime_victim_events",
                  "crime_suspects", "crime_reports", "crime_property"):
        op.drop_table(table)
