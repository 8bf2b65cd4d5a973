"""fleet: device models, role profiles, requests, builds and deliveries

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


OLD_ROLES = ('officer', 'pcso', 'detective', 'supervisor', 'call_handler', 'dispatcher', 'servicedesk_agent',
             'fleet_engineer', 'change_manager', 'analyst', 'admin')
NEW_ROLES = OLD_ROLES[:8] + ('fleet_driver',) + OLD_ROLES[8:]


def _roles_check(roles) -> None:
    op.drop_constraint(op.f('ck_user_roles_known_role'), 'user_roles', type_='check')
    op.create_check_constraint(op.f('ck_user_roles_known_role'), 'user_roles',
                               "role in (" + ", ".join(f"'{r}'" for r in roles) + ")")


def upgrade() -> None:
    _roles_check(NEW_ROLES)
    op.create_table('fleet_device_models',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('manufacturer', sa.String(length=80), nullable=False),
    sa.Column('operating_system', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind in ('laptop', 'tablet', 'phone', 'fingerprint_scanner', 'body_worn_camera')", name=op.f('ck_fleet_device_models_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fleet_device_models')),
    sa.UniqueConstraint('code', name=op.f('uq_fleet_device_models_code'))
    )
    op.create_table('fleet_profiles',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('device_model_id', sa.Uuid(), nullable=False),
    sa.Column('software', postgresql.JSONB(astext_type=Text()), nullable=False),
    sa.Column('settings', postgresql.JSONB(astext_type=Text()), nullable=False),
    sa.Column('wrong_pin_limit', sa.Integer(), nullable=False),
    sa.Column('auto_lock_minutes', sa.Integer(), nullable=False),
    sa.Column('min_os_version', sa.String(length=30), nullable=False),
    sa.Column('encryption_required', sa.Boolean(), nullable=False),
    sa.Column('allowed_networks', sa.ARRAY(sa.String(length=64)), nullable=False),
    sa.Column('vpn_required', sa.Boolean(), nullable=False),
    sa.Column('vpn_profile', sa.String(length=64), nullable=True),
    sa.Column('checkin_fast_seconds', sa.Integer(), nullable=False),
    sa.Column('checkin_slow_seconds', sa.Integer(), nullable=False),
    sa.Column('fast_checkin_hours', sa.Integer(), nullable=False),
    sa.Column('compliance_grace_hours', sa.Integer(), nullable=False),
    sa.Column('compliance_action', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("compliance_action in ('notify', 'block_sign_in', 'wipe')", name=op.f('ck_fleet_profiles_compliance_action')),
    sa.CheckConstraint("role in ('officer', 'pcso', 'detective', 'supervisor', 'call_handler', 'dispatcher', 'servicedesk_agent', 'fleet_engineer', 'fleet_driver', 'change_manager', 'analyst', 'admin')", name=op.f('ck_fleet_profiles_role')),
    sa.CheckConstraint('auto_lock_minutes between 1 and 60', name=op.f('ck_fleet_profiles_auto_lock_minutes')),
    sa.CheckConstraint('checkin_fast_seconds between 10 and 3600 and checkin_slow_seconds between 60 and 86400 and checkin_fast_seconds <= checkin_slow_seconds', name=op.f('ck_fleet_profiles_checkin')),
    sa.CheckConstraint('compliance_grace_hours between 0 and 720', name=op.f('ck_fleet_profiles_compliance_grace_hours')),
    sa.CheckConstraint('fast_checkin_hours between 0 and 720', name=op.f('ck_fleet_profiles_fast_checkin_hours')),
    sa.CheckConstraint('wrong_pin_limit between 3 and 20', name=op.f('ck_fleet_profiles_wrong_pin_limit')),
    sa.ForeignKeyConstraint(['device_model_id'], ['fleet_device_models.id'], name=op.f('fk_fleet_profiles_device_model_id_fleet_device_models')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fleet_profiles')),
    sa.UniqueConstraint('code', name=op.f('uq_fleet_profiles_code'))
    )
    op.create_index('uq_fleet_profiles_default_role', 'fleet_profiles', ['role'], unique=True, postgresql_where=sa.text('is_default'))
    op.create_table('fleet_supply_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('daily_capacity', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.CheckConstraint('daily_capacity between 1 and 10000', name=op.f('ck_fleet_supply_settings_daily_capacity')),
    sa.CheckConstraint('id = 1', name=op.f('ck_fleet_supply_settings_single_row')),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_fleet_supply_settings_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fleet_supply_settings'))
    )
    op.create_table('fleet_request_imports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('rows', postgresql.JSONB(astext_type=Text()), nullable=False),
    sa.CheckConstraint("state in ('running', 'done', 'failed')", name=op.f('ck_fleet_request_imports_state')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_fleet_request_imports_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fleet_request_imports'))
    )
    op.create_table('fleet_delivery_runs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('station_id', sa.Uuid(), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('driver_id', sa.Uuid(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('created_by', sa.Uuid(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state in ('planned', 'out', 'completed')", name=op.f('ck_fleet_delivery_runs_state')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_fleet_delivery_runs_created_by_users')),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_fleet_delivery_runs_driver_id_users')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_fleet_delivery_runs_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fleet_delivery_runs')),
    sa.UniqueConstraint('reference', name=op.f('uq_fleet_delivery_runs_reference'))
    )
    op.create_index(op.f('ix_fleet_delivery_runs_driver_id'), 'fleet_delivery_runs', ['driver_id'], unique=False)
    op.create_index(op.f('ix_fleet_delivery_runs_run_date'), 'fleet_delivery_runs', ['run_date'], unique=False)
    op.create_table('fleet_requests',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('profile_id', sa.Uuid(), nullable=False),
    sa.Column('device_model_id', sa.Uuid(), nullable=False),
    sa.Column('needs', sa.String(length=1000), nullable=True),
    sa.Column('extra_software', sa.ARRAY(sa.String(length=80)), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('station_id', sa.Uuid(), nullable=False),
    sa.Column('delivery_address', sa.String(length=300), nullable=False),
    sa.Column('delivery_postcode', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.Uuid(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('serial', sa.String(length=40), nullable=True),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.Column('device_enrolled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivery_code', sa.String(length=8), nullable=True),
    sa.Column('run_id', sa.Uuid(), nullable=True),
    sa.Column('stop_order', sa.Integer(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_by', sa.String(length=120), nullable=True),
    sa.Column('proof_kind', sa.String(length=10), nullable=True),
    sa.Column('signature', sa.Text(), nullable=True),
    sa.Column('problem', sa.String(length=500), nullable=True),
    sa.Column('import_id', sa.Uuid(), nullable=True),
    sa.Column('import_line', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("proof_kind is null or proof_kind in ('signature', 'code')", name=op.f('ck_fleet_requests_proof_kind')),
    sa.CheckConstraint("role in ('officer', 'pcso', 'detective', 'supervisor', 'call_handler', 'dispatcher', 'servicedesk_agent', 'fleet_engineer', 'fleet_driver', 'change_manager', 'analyst', 'admin')", name=op.f('ck_fleet_requests_role')),
    sa.CheckConstraint("state in ('requested', 'approved', 'building', 'built', 'checked', 'out_for_delivery', 'delivered', 'enrolled', 'failed', 'returned', 'cancelled')", name=op.f('ck_fleet_requests_state')),
    sa.CheckConstraint("state not in ('built', 'checked', 'out_for_delivery', 'delivered', 'enrolled') or serial is not null", name=op.f('ck_fleet_requests_serial_once_built')),
    sa.CheckConstraint("state not in ('delivered', 'enrolled') or delivered_at is not null", name=op.f('ck_fleet_requests_delivered_at')),
    sa.ForeignKeyConstraint(['device_model_id'], ['fleet_device_models.id'], name=op.f('fk_fleet_requests_device_model_id_fleet_device_models')),
    sa.ForeignKeyConstraint(['import_id'], ['fleet_request_imports.id'], name=op.f('fk_fleet_requests_import_id_fleet_request_imports')),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_fleet_requests_person_id_users')),
    sa.ForeignKeyConstraint(['profile_id'], ['fleet_profiles.id'], name=op.f('fk_fleet_requests_profile_id_fleet_profiles')),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name=op.f('fk_fleet_requests_requested_by_users')),
    sa.ForeignKeyConstraint(['run_id'], ['fleet_delivery_runs.id'], name=op.f('fk_fleet_requests_run_id_fleet_delivery_runs')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_fleet_requests_station_id_stations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fleet_requests')),
    sa.UniqueConstraint('import_id', 'import_line', name=op.f('uq_fleet_requests_import_id')),
    sa.UniqueConstraint('reference', name=op.f('uq_fleet_requests_reference')),
    sa.UniqueConstraint('serial', name=op.f('uq_fleet_requests_serial'))
    )
    op.create_index(op.f('ix_fleet_requests_device_id'), 'fleet_requests', ['device_id'], unique=False)
    op.create_index(op.f('ix_fleet_requests_person_id'), 'fleet_requests', ['person_id'], unique=False)
    op.create_index(op.f('ix_fleet_requests_profile_id'), 'fleet_requests', ['profile_id'], unique=False)
    op.create_index('ix_fleet_requests_queue', 'fleet_requests', ['state', 'urgent', 'approved_at'], unique=False)
    op.create_index(op.f('ix_fleet_requests_run_id'), 'fleet_requests', ['run_id'], unique=False)
    op.create_index(op.f('ix_fleet_requests_station_id'), 'fleet_requests', ['station_id'], unique=False)
    op.create_table('fleet_request_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.Uuid(), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_label', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_fleet_request_events_actor_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['fleet_requests.id'], name=op.f('fk_fleet_request_events_request_id_fleet_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fleet_request_events'))
    )
    op.create_index(op.f('ix_fleet_request_events_request_id'), 'fleet_request_events', ['request_id'], unique=False)


def downgrade() -> None:
    op.drop_table('fleet_request_events')
    op.drop_table('fleet_requests')
    op.drop_table('fleet_delivery_runs')
    op.drop_table('fleet_request_imports')
    op.drop_table('fleet_supply_settings')
    op.drop_table('fleet_profiles')
    op.drop_table('fleet_device_models')
    op.execute("delete from user_roles where role = 'fleet_driver'")
    _roles_check(OLD_ROLES)
