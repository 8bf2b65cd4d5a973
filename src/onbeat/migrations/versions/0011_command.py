"""command: contacts, THRIVE, incidents and their log

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# An incident's log is a record of what was done: entries are added, never changed or removed.
APPEND_ONLY = """
create function incident_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the incident log is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Add a new entry that corrects the earlier one.';
end $$;
create trigger incident_log_no_update_delete before update or delete on incident_log
  for each row execute function incident_log_append_only();
create trigger incident_log_no_truncate before truncate on incident_log
  for each statement execute function incident_log_append_only();
revoke update, delete, truncate on incident_log from public;
"""


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('log_number', sa.String(length=16), nullable=False),
    sa.Column('incident_type', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('suggested_grade', sa.Integer(), nullable=False),
    sa.Column('grade_reason', sa.Text(), nullable=True),
    sa.Column('urban', sa.Boolean(), nullable=False),
    sa.Column('urban_basis', sa.String(length=8), nullable=False),
    sa.Column('station_id', sa.Uuid(), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('opened_by_id', sa.Uuid(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('graded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('target_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_arrival_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Uuid(), nullable=True),
    sa.Column('closing_code', sa.String(length=30), nullable=True),
    sa.Column('closing_note', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(status = 'closed') = (closed_at is not null and closing_code is not null)", name=op.f('ck_incidents_closed')),
    sa.CheckConstraint("category in ('public_safety', 'crime', 'asb', 'transport')", name=op.f('ck_incidents_category')),
    sa.CheckConstraint("closing_code is null or closing_code in ('crime_recorded', 'no_crime', 'arrest_made', 'advice_given', 'resolved_by_telephone', 'false_alarm_good_intent', 'false_alarm_malicious', 'duplicate', 'referred_other_agency', 'person_found', 'no_trace', 'report_taken')", name=op.f('ck_incidents_closing_code')),
    sa.CheckConstraint("incident_type in ('concern_for_safety', 'missing_person', 'sudden_death', 'domestic_incident', 'mental_health', 'collapse_injury', 'abandoned_call', 'suspicious_circumstances', 'alarm_activation', 'lost_found_property', 'violence', 'sexual_offence', 'burglary_dwelling', 'burglary_other', 'robbery', 'theft', 'vehicle_crime', 'shoplifting', 'criminal_damage', 'arson', 'firearms_incident', 'weapons', 'public_disorder', 'dog_track', 'drugs', 'fraud', 'asb_personal', 'asb_nuisance', 'asb_environmental', 'rtc_damage', 'rtc_injury', 'highway_disruption', 'failing_to_stop')", name=op.f('ck_incidents_incident_type')),
    sa.CheckConstraint("status in ('open', 'closed')", name=op.f('ck_incidents_status')),
    sa.CheckConstraint("urban_basis in ('handler', 'station', 'default')", name=op.f('ck_incidents_urban_basis')),
    sa.CheckConstraint('grade in (1, 2, 3, 4)', name=op.f('ck_incidents_grade')),
    sa.CheckConstraint('latitude between -90 and 90 and longitude between -180 and 180', name=op.f('ck_incidents_coordinates')),
    sa.CheckConstraint('suggested_grade in (1, 2, 3, 4)', name=op.f('ck_incidents_suggested_grade')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_incidents_closed_by_id_users')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_incidents_opened_by_id_users')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_incidents_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('log_number', name=op.f('uq_incidents_log_number'))
    )
    op.create_index('ix_incidents_lat_lon', 'incidents', ['latitude', 'longitude'], unique=False)
    op.create_index('ix_incidents_open_target', 'incidents', ['target_at'], unique=False, postgresql_where="status = 'open' and first_arrival_at is null and breached_at is null")
    op.create_index('ix_incidents_opened_at', 'incidents', ['opened_at'], unique=False)
    op.create_index(op.f('ix_incidents_station_id'), 'incidents', ['station_id'], unique=False)
    op.create_index('ix_incidents_status_grade', 'incidents', ['status', 'grade'], unique=False)
    op.create_table('contacts',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('caller_name', sa.String(length=200), nullable=True),
    sa.Column('callback_number', sa.String(length=20), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('incident_type', sa.String(length=40), nullable=False),
    sa.Column('thrive', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('vulnerability_factors', postgresql.ARRAY(sa.String(length=20)), nullable=False),
    sa.Column('suggested_grade', sa.Integer(), nullable=False),
    sa.Column('suggestion', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('grade_reason', sa.Text(), nullable=True),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('handler_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("channel in ('999', '101', 'online', 'walk_in', 'radio')", name=op.f('ck_contacts_channel')),
    sa.CheckConstraint("incident_type in ('concern_for_safety', 'missing_person', 'sudden_death', 'domestic_incident', 'mental_health', 'collapse_injury', 'abandoned_call', 'suspicious_circumstances', 'alarm_activation', 'lost_found_property', 'violence', 'sexual_offence', 'burglary_dwelling', 'burglary_other', 'robbery', 'theft', 'vehicle_crime', 'shoplifting', 'criminal_damage', 'arson', 'firearms_incident', 'weapons', 'public_disorder', 'dog_track', 'drugs', 'fraud', 'asb_personal', 'asb_nuisance', 'asb_environmental', 'rtc_damage', 'rtc_injury', 'highway_disruption', 'failing_to_stop')", name=op.f('ck_contacts_incident_type')),
    sa.CheckConstraint('answered_at is null or answered_at >= received_at', name=op.f('ck_contacts_answered_after_received')),
    sa.CheckConstraint('grade in (1, 2, 3, 4)', name=op.f('ck_contacts_grade')),
    sa.CheckConstraint('latitude between -90 and 90 and longitude between -180 and 180', name=op.f('ck_contacts_coordinates')),
    sa.CheckConstraint('suggested_grade in (1, 2, 3, 4)', name=op.f('ck_contacts_suggested_grade')),
    sa.ForeignKeyConstraint(['handler_id'], ['users.id'], name=op.f('fk_contacts_handler_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_contacts_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('reference', name=op.f('uq_contacts_reference'))
    )
    op.create_index(op.f('ix_contacts_incident_id'), 'contacts', ['incident_id'], unique=False)
    op.create_index('ix_contacts_received_at', 'contacts', ['received_at'], unique=False)
    op.create_table('incident_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_label', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('detail', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.CheckConstraint("kind in ('created', 'graded', 'regraded', 'contact_linked', 'contact_moved', 'assigned', 'en_route', 'at_scene', 'left_scene', 'unassigned', 'arrived', 'target_breached', 'record_linked', 'note', 'closed')", name=op.f('ck_incident_log_kind')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_log_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_log'))
    )
    op.create_index('ix_incident_log_incident', 'incident_log', ['incident_id', 'id'], unique=False)
    op.create_table('incident_records',
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('linked_by_id', sa.Uuid(), nullable=True),
    sa.Column('linked_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_records_incident_id_incidents')),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_incident_records_linked_by_id_users')),
    sa.PrimaryKeyConstraint('incident_id', 'record_id', name=op.f('pk_incident_records'))
    )

    op.execute(APPEND_ONLY)


def downgrade() -> None:
    op.execute("drop trigger if exists incident_log_no_truncate on incident_log")
    op.execute("drop trigger if exists incident_log_no_update_delete on incident_log")
    op.execute("drop function if exists incident_log_append_only()")
    op.drop_table('incident_records')
    op.drop_index('ix_incident_log_incident', table_name='incident_log')
    op.drop_table('incident_log')
    op.drop_index('ix_contacts_received_at', table_name='contacts')
    op.drop_index(op.f('ix_contacts_incident_id'), table_name='contacts')
    op.drop_table('contacts')
    op.drop_index('ix_incidents_status_grade', table_name='incidents')
    op.drop_index(op.f('ix_incidents_station_id'), table_name='incidents')
    op.drop_index('ix_incidents_opened_at', table_name='incidents')
    op.drop_index('ix_incidents_open_target', table_name='incidents')
    op.drop_index('ix_incidents_lat_lon', table_name='incidents')
    op.drop_table('incidents')
