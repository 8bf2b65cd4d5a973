"""records collisions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('collisions',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('police_force', sa.SmallInteger(), nullable=False),
    sa.Column('severity', sa.SmallInteger(), nullable=False),
    sa.Column('easting', sa.Float(), nullable=False),
    sa.Column('northing', sa.Float(), nullable=False),
    sa.Column('local_authority_ons_district', sa.String(length=9), nullable=True),
    sa.Column('local_authority_highway', sa.String(length=9), nullable=True),
    sa.Column('first_road_class', sa.SmallInteger(), nullable=False),
    sa.Column('first_road_number', sa.Integer(), nullable=False),
    sa.Column('road_type', sa.SmallInteger(), nullable=False),
    sa.Column('speed_limit', sa.SmallInteger(), nullable=False),
    sa.Column('junction_detail', sa.SmallInteger(), nullable=False),
    sa.Column('junction_control', sa.SmallInteger(), nullable=False),
    sa.Column('second_road_class', sa.SmallInteger(), nullable=False),
    sa.Column('second_road_number', sa.Integer(), nullable=False),
    sa.Column('pedestrian_crossing_human_control', sa.SmallInteger(), nullable=False),
    sa.Column('pedestrian_crossing_physical_facilities', sa.SmallInteger(), nullable=False),
    sa.Column('light_conditions', sa.SmallInteger(), nullable=False),
    sa.Column('weather_conditions', sa.SmallInteger(), nullable=False),
    sa.Column('road_surface_conditions', sa.SmallInteger(), nullable=False),
    sa.Column('special_conditions_at_site', sa.SmallInteger(), nullable=False),
    sa.Column('carriageway_hazards', sa.SmallInteger(), nullable=False),
    sa.Column('urban_or_rural_area', sa.SmallInteger(), nullable=False),
    sa.Column('police_attended', sa.SmallInteger(), nullable=False),
    sa.Column('trunk_road_flag', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('easting >= 0 and easting < 700000 and northing >= 0 and northing < 1300000', name=op.f('ck_collisions_grid')),
    sa.CheckConstraint('severity between 1 and 3', name=op.f('ck_collisions_severity')),
    sa.CheckConstraint('speed_limit in (20, 30, 40, 50, 60, 70)', name=op.f('ck_collisions_speed_limit')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_collisions_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_collisions'))
    )
    op.create_table('collision_casualties',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('casualty_reference', sa.SmallInteger(), nullable=False),
    sa.Column('vehicle_reference', sa.SmallInteger(), nullable=False),
    sa.Column('casualty_class', sa.SmallInteger(), nullable=False),
    sa.Column('sex_of_casualty', sa.SmallInteger(), nullable=False),
    sa.Column('age_of_casualty', sa.SmallInteger(), nullable=False),
    sa.Column('casualty_severity', sa.SmallInteger(), nullable=False),
    sa.Column('pedestrian_location', sa.SmallInteger(), nullable=False),
    sa.Column('pedestrian_movement', sa.SmallInteger(), nullable=False),
    sa.Column('car_passenger', sa.SmallInteger(), nullable=False),
    sa.Column('bus_or_coach_passenger', sa.SmallInteger(), nullable=False),
    sa.Column('pedestrian_road_maintenance_worker', sa.SmallInteger(), nullable=False),
    sa.Column('casualty_type', sa.SmallInteger(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('age_of_casualty between -1 and 120', name=op.f('ck_collision_casualties_age_of_casualty')),
    sa.CheckConstraint('casualty_class between 1 and 3', name=op.f('ck_collision_casualties_casualty_class')),
    sa.CheckConstraint('casualty_reference >= 1', name=op.f('ck_collision_casualties_reference')),
    sa.CheckConstraint('casualty_severity between 1 and 3', name=op.f('ck_collision_casualties_casualty_severity')),
    sa.ForeignKeyConstraint(['record_id'], ['collisions.record_id'], name=op.f('fk_collision_casualties_record_id_collisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collision_casualties')),
    sa.UniqueConstraint('record_id', 'casualty_reference', name='uq_collision_casualties_reference')
    )
    op.create_index(op.f('ix_collision_casualties_record_id'), 'collision_casualties', ['record_id'], unique=False)
    op.create_table('collision_vehicles',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('vehicle_reference', sa.SmallInteger(), nullable=False),
    sa.Column('vehicle_type', sa.SmallInteger(), nullable=False),
    sa.Column('towing_and_articulation', sa.SmallInteger(), nullable=False),
    sa.Column('vehicle_manoeuvre', sa.SmallInteger(), nullable=False),
    sa.Column('vehicle_direction_from', sa.SmallInteger(), nullable=False),
    sa.Column('vehicle_direction_to', sa.SmallInteger(), nullable=False),
    sa.Column('vehicle_location_restricted_lane', sa.SmallInteger(), nullable=False),
    sa.Column('junction_location', sa.SmallInteger(), nullable=False),
    sa.Column('skidding_and_overturning', sa.SmallInteger(), nullable=False),
    sa.Column('hit_object_in_carriageway', sa.SmallInteger(), nullable=False),
    sa.Column('vehicle_leaving_carriageway', sa.SmallInteger(), nullable=False),
    sa.Column('hit_object_off_carriageway', sa.SmallInteger(), nullable=False),
    sa.Column('first_point_of_impact', sa.SmallInteger(), nullable=False),
    sa.Column('vehicle_left_hand_drive', sa.SmallInteger(), nullable=False),
    sa.Column('journey_purpose_of_driver', sa.SmallInteger(), nullable=False),
    sa.Column('sex_of_driver', sa.SmallInteger(), nullable=False),
    sa.Column('age_of_driver', sa.SmallInteger(), nullable=False),
    sa.Column('engine_capacity_cc', sa.Integer(), nullable=False),
    sa.Column('propulsion_code', sa.SmallInteger(), nullable=False),
    sa.Column('age_of_vehicle', sa.SmallInteger(), nullable=False),
    sa.Column('escooter', sa.Boolean(), nullable=False),
    sa.Column('registration', sa.String(length=20), nullable=True),
    sa.Column('vehicle_entity_id', sa.Uuid(), nullable=True),
    sa.Column('driver_person_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('age_of_driver between -1 and 120', name=op.f('ck_collision_vehicles_age_of_driver')),
    sa.CheckConstraint('vehicle_reference >= 1', name=op.f('ck_collision_vehicles_reference')),
    sa.ForeignKeyConstraint(['record_id'], ['collisions.record_id'], name=op.f('fk_collision_vehicles_record_id_collisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collision_vehicles')),
    sa.UniqueConstraint('record_id', 'vehicle_reference', name='uq_collision_vehicles_reference')
    )
    op.create_index(op.f('ix_collision_vehicles_record_id'), 'collision_vehicles', ['record_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_collision_vehicles_record_id'), table_name='collision_vehicles')
    op.drop_table('collision_vehicles')
    op.drop_index(op.f('ix_collision_casualties_record_id'), table_name='collision_casualties')
    op.drop_table('collision_casualties')
    op.drop_table('collisions')
