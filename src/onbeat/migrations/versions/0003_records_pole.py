"""records pole

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pole_persons',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=True),
    sa.Column('family_name', sa.String(length=100), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('gender', sa.String(length=12), nullable=True),
    sa.Column('ethnicity', sa.String(length=2), nullable=True),
    sa.Column('search_name', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("ethnicity in ('A1', 'A2', 'A3', 'A4', 'A9', 'B1', 'B2', 'B9', 'M1', 'M2', 'M3', 'M9', 'W1', 'W2', 'W3', 'W4', 'W9', 'O2', 'O9', 'NS')", name=op.f('ck_pole_persons_ethnicity')),
    sa.CheckConstraint("gender in ('male', 'female', 'other', 'not_stated')", name=op.f('ck_pole_persons_gender')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pole_persons_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_persons'))
    )
    op.create_index(op.f('ix_pole_persons_date_of_birth'), 'pole_persons', ['date_of_birth'], unique=False)
    op.create_index('ix_pole_persons_search_name', 'pole_persons', ['search_name'], unique=False, postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})
    op.create_table('pole_locations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('easting', sa.Float(), nullable=True),
    sa.Column('northing', sa.Float(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('latitude between -90 and 90 and longitude between -180 and 180', name=op.f('ck_pole_locations_coordinates')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pole_locations_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_locations'))
    )
    op.create_index('ix_pole_locations_lat_lon', 'pole_locations', ['latitude', 'longitude'], unique=False)
    op.create_index('ix_pole_locations_postcode', 'pole_locations', ['postcode'], unique=False)
    op.create_table('pole_objects',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('registration', sa.String(length=10), nullable=True),
    sa.Column('vin', sa.String(length=17), nullable=True),
    sa.Column('make', sa.String(length=50), nullable=True),
    sa.Column('model', sa.String(length=50), nullable=True),
    sa.Column('colour', sa.String(length=20), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('serial_number', sa.String(length=50), nullable=True),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('unit', sa.String(length=20), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind in ('vehicle', 'property', 'weapon', 'drugs')", name=op.f('ck_pole_objects_kind')),
    sa.CheckConstraint("registration is null or kind = 'vehicle'", name=op.f('ck_pole_objects_registration_vehicle')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pole_objects_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_objects'))
    )
    op.create_index('uq_pole_objects_registration', 'pole_objects', ['registration'], unique=True, postgresql_where=sa.text('registration is not null'))
    op.create_table('pole_events',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('what', sa.String(length=300), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('location_id', sa.Uuid(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ended_at is null or ended_at >= occurred_at', name=op.f('ck_pole_events_times')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pole_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['location_id'], ['pole_locations.id'], name=op.f('fk_pole_events_location_id_pole_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_events'))
    )
    op.create_index(op.f('ix_pole_events_location_id'), 'pole_events', ['location_id'], unique=False)
    op.create_index(op.f('ix_pole_events_occurred_at'), 'pole_events', ['occurred_at'], unique=False)
    op.create_table('pole_person_aliases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=True),
    sa.Column('family_name', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['pole_persons.id'], name=op.f('fk_pole_person_aliases_person_id_pole_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_person_aliases'))
    )
    op.create_index(op.f('ix_pole_person_aliases_person_id'), 'pole_person_aliases', ['person_id'], unique=False)
    op.create_table('pole_person_addresses',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('location_id', sa.Uuid(), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=True),
    sa.Column('to_date', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('to_date is null or from_date is null or to_date >= from_date', name=op.f('ck_pole_person_addresses_dates')),
    sa.ForeignKeyConstraint(['location_id'], ['pole_locations.id'], name=op.f('fk_pole_person_addresses_location_id_pole_locations')),
    sa.ForeignKeyConstraint(['person_id'], ['pole_persons.id'], name=op.f('fk_pole_person_addresses_person_id_pole_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_person_addresses'))
    )
    op.create_index(op.f('ix_pole_person_addresses_location_id'), 'pole_person_addresses', ['location_id'], unique=False)
    op.create_index(op.f('ix_pole_person_addresses_person_id'), 'pole_person_addresses', ['person_id'], unique=False)
    op.create_table('pole_person_phones',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['pole_persons.id'], name=op.f('fk_pole_person_phones_person_id_pole_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_person_phones')),
    sa.UniqueConstraint('person_id', 'number', name='uq_pole_person_phones_once')
    )
    op.create_index(op.f('ix_pole_person_phones_number'), 'pole_person_phones', ['number'], unique=False)
    op.create_index(op.f('ix_pole_person_phones_person_id'), 'pole_person_phones', ['person_id'], unique=False)
    op.create_table('pole_person_identifiers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind in ('pnc_id', 'passport', 'driving_licence')", name=op.f('ck_pole_person_identifiers_kind')),
    sa.ForeignKeyConstraint(['person_id'], ['pole_persons.id'], name=op.f('fk_pole_person_identifiers_person_id_pole_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_person_identifiers')),
    sa.UniqueConstraint('kind', 'value', name='uq_pole_person_identifiers_value')
    )
    op.create_index(op.f('ix_pole_person_identifiers_person_id'), 'pole_person_identifiers', ['person_id'], unique=False)
    op.create_table('pole_markers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('marked_on', sa.Date(), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Uuid(), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expired_by_id', sa.Uuid(), nullable=True),
    sa.Column('expiry_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("kind in ('violence', 'weapons', 'firearms', 'explosives', 'drugs', 'self_harm', 'suicidal', 'mental_health', 'ailment', 'contagion', 'escaper', 'alleges')", name=op.f('ck_pole_markers_kind')),
    sa.CheckConstraint('expires_on is null or expires_on > marked_on', name=op.f('ck_pole_markers_expires_after_marked')),
    sa.CheckConstraint('review_on >= marked_on', name=op.f('ck_pole_markers_review_after_marked')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pole_markers_created_by_id_users')),
    sa.ForeignKeyConstraint(['expired_by_id'], ['users.id'], name=op.f('fk_pole_markers_expired_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['pole_persons.id'], name=op.f('fk_pole_markers_person_id_pole_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_pole_markers_reviewed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_markers'))
    )
    op.create_index(op.f('ix_pole_markers_person_id'), 'pole_markers', ['person_id'], unique=False)
    op.create_table('pole_links',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('from_type', sa.String(length=10), nullable=False),
    sa.Column('from_id', sa.Uuid(), nullable=False),
    sa.Column('to_type', sa.String(length=10), nullable=False),
    sa.Column('to_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('from_date', sa.Date(), nullable=True),
    sa.Column('to_date', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("from_type in ('person', 'object', 'location', 'event')", name=op.f('ck_pole_links_from_type')),
    sa.CheckConstraint("role in ('owner', 'keeper', 'driver', 'user', 'lives_at', 'works_at', 'frequents', 'associate', 'family', 'involved_in', 'kept_at', 'used_in')", name=op.f('ck_pole_links_role')),
    sa.CheckConstraint("to_type in ('person', 'object', 'location', 'event')", name=op.f('ck_pole_links_to_type')),
    sa.CheckConstraint('to_date is null or from_date is null or to_date >= from_date', name=op.f('ck_pole_links_dates')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_pole_links_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pole_links')),
    sa.UniqueConstraint('from_type', 'from_id', 'to_type', 'to_id', 'role', name='uq_pole_links_once')
    )
    op.create_index('ix_pole_links_to', 'pole_links', ['to_type', 'to_id'], unique=False)


def downgrade() -> None:
    op.drop_table('pole_links')
    op.drop_table('pole_markers')
    op.drop_table('pole_person_identifiers')
    op.drop_table('pole_person_phones')
    op.drop_table('pole_person_addresses')
    op.drop_table('pole_person_aliases')
    op.drop_table('pole_events')
    op.drop_table('pole_objects')
    op.drop_table('pole_locations')
    op.drop_table('pole_persons')
