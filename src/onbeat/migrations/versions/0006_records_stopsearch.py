"""records stopsearch

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stop_searches',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('receipt_reference', sa.String(length=14), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('search_type', sa.String(length=20), nullable=False),
    sa.Column('vehicle_registration', sa.String(length=10), nullable=True),
    sa.Column('self_defined_ethnicity', sa.String(length=2), nullable=False),
    sa.Column('officer_defined_ethnicity', sa.String(length=2), nullable=True),
    sa.Column('gender', sa.String(length=12), nullable=False),
    sa.Column('age_range', sa.String(length=10), nullable=False),
    sa.Column('object_of_search', sa.String(length=30), nullable=False),
    sa.Column('power', sa.String(length=20), nullable=False),
    sa.Column('grounds', sa.Text(), nullable=True),
    sa.Column('authorisation_reference', sa.String(length=40), nullable=True),
    sa.Column('authorising_officer_rank', sa.String(length=30), nullable=True),
    sa.Column('authorised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('officer_number', sa.String(length=12), nullable=False),
    sa.Column('officer_station_id', sa.Uuid(), nullable=True),
    sa.Column('other_officers', sa.ARRAY(sa.String(length=12)), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('outcome_detail', sa.String(length=300), nullable=True),
    sa.Column('outcome_linked_to_object', sa.Boolean(), nullable=True),
    sa.Column('anything_found', sa.Boolean(), nullable=False),
    sa.Column('found_detail', sa.Text(), nullable=True),
    sa.Column('injury_or_damage', sa.Boolean(), nullable=False),
    sa.Column('injury_or_damage_detail', sa.Text(), nullable=True),
    sa.Column('name_given', sa.Boolean(), nullable=False),
    sa.Column('clothing_removed', sa.String(length=16), nullable=False),
    sa.Column('more_thorough_location', sa.String(length=300), nullable=True),
    sa.Column('receipt_method', sa.String(length=10), nullable=False),
    sa.Column('receipt_contact', sa.String(length=200), nullable=True),
    sa.CheckConstraint("(receipt_contact is not null) = (receipt_method in ('email', 'sms'))", name=op.f('ck_stop_searches_receipt_contact')),
    sa.CheckConstraint("age_range in ('under_10', '10_17', '18_24', '25_34', 'over_34')", name=op.f('ck_stop_searches_age_range')),
    sa.CheckConstraint("clothing_removed in ('none', 'outer', 'more_thorough', 'intimate')", name=op.f('ck_stop_searches_clothing_removed')),
    sa.CheckConstraint("not (power in ('cjpoa_s60', 'cjpoa_s60aa', 'ta_s47a')) or authorisation_reference is not null", name=op.f('ck_stop_searches_authorisation')),
    sa.CheckConstraint("object_of_search in ('controlled_drugs', 'offensive_weapons', 'stolen_property', 'going_equipped', 'criminal_damage', 'firearms', 'fireworks', 'terrorism', 'psychoactive_substances', 'crossbows', 'face_coverings', 'wildlife', 'poaching')", name=op.f('ck_stop_searches_object_of_search')),
    sa.CheckConstraint("outcome = 'no_further_action' or outcome_linked_to_object is not null", name=op.f('ck_stop_searches_linked')),
    sa.CheckConstraint("outcome in ('arrest', 'community_resolution', 'penalty_notice', 'drugs_warning', 'caution', 'summons', 'no_further_action', 'other')", name=op.f('ck_stop_searches_outcome')),
    sa.CheckConstraint("power in ('cjpoa_s60', 'ta_s47a') or grounds is not null", name=op.f('ck_stop_searches_grounds')),
    sa.CheckConstraint("power in ('pace_s1', 'mda_s23', 'firearms_s47', 'cjpoa_s60', 'cjpoa_s60aa', 'ta_s43', 'ta_s43a', 'ta_s47a', 'psa_s36', 'psa_s37', 'crossbows_s4', 'wca_s19', 'ppa_s2')", name=op.f('ck_stop_searches_power')),
    sa.CheckConstraint("receipt_method in ('printed', 'email', 'sms', 'card', 'declined')", name=op.f('ck_stop_searches_receipt_method')),
    sa.CheckConstraint("search_type = 'person' or vehicle_registration is not null", name=op.f('ck_stop_searches_registration')),
    sa.CheckConstraint("search_type in ('person', 'vehicle', 'person_and_vehicle')", name=op.f('ck_stop_searches_search_type')),
    sa.CheckConstraint('not injury_or_damage or injury_or_damage_detail is not null', name=op.f('ck_stop_searches_injury_detail')),
    sa.ForeignKeyConstraint(['officer_station_id'], ['stations.id'], name=op.f('fk_stop_searches_officer_station_id_stations')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_stop_searches_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_stop_searches')),
    sa.UniqueConstraint('receipt_reference', name=op.f('uq_stop_searches_receipt_reference'))
    )
    op.create_index('ix_stop_searches_outcome', 'stop_searches', ['outcome'], unique=False)
    op.create_index('ix_stop_searches_power', 'stop_searches', ['power'], unique=False)
    op.create_index(op.f('ix_stop_searches_vehicle_registration'), 'stop_searches', ['vehicle_registration'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_stop_searches_vehicle_registration'), table_name='stop_searches')
    op.drop_index('ix_stop_searches_power', table_name='stop_searches')
    op.drop_index('ix_stop_searches_outcome', table_name='stop_searches')
    op.drop_table('stop_searches')
