"""command: resources, live locations, assignments and dispatch

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('units', sa.Column('location_accuracy', sa.Float(), nullable=True))
    op.add_column('units', sa.Column('heading', sa.Float(), nullable=True))
    op.add_column('units', sa.Column('speed', sa.Float(), nullable=True))
    op.add_column('units', sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint('unit_coordinates', 'units',
                               'latitude between -90 and 90 and longitude between -180 and 180')
    op.create_index('ix_units_lat_lon', 'units', ['latitude', 'longitude'], unique=False)
    op.create_index('ix_units_skills', 'units', ['skills'], unique=False, postgresql_using='gin')
    op.create_index('ix_units_status', 'units', ['status'], unique=False)
    op.create_table('assignments',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('assigned_by_id', sa.Uuid(), nullable=True),
    sa.Column('assigned_by_label', sa.String(length=200), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('en_route_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('at_scene_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(stage = 'cleared') = (cleared_at is not null)", name=op.f('ck_assignments_cleared')),
    sa.CheckConstraint("stage in ('assigned', 'en_route', 'at_scene', 'cleared')", name=op.f('ck_assignments_stage')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_assignments_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_assignments_incident_id_incidents')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_assignments_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    op.create_index('ix_assignments_active_unit', 'assignments', ['unit_id'], unique=True,
                    postgresql_where=sa.text('cleared_at is null'))
    op.create_index('ix_assignments_incident', 'assignments', ['incident_id', 'stage'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_assignments_incident', table_name='assignments')
    op.drop_index('ix_assignments_active_unit', table_name='assignments')
    op.drop_table('assignments')
    op.drop_index('ix_units_status', table_name='units')
    op.drop_index('ix_units_skills', table_name='units')
    op.drop_index('ix_units_lat_lon', table_name='units')
    op.drop_constraint('unit_coordinates', 'units', type_='check')
    op.drop_column('units', 'status_changed_at')
    op.drop_column('units', 'speed')
    op.drop_column('units', 'heading')
    op.drop_column('units', 'location_accuracy')
