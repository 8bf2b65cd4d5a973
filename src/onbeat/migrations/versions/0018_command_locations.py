"""command: location history and what the benchmark asked of incidents

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

# A unit's track is a record of where it was: fixes are added, never changed or removed.
APPEND_ONLY = """
create function unit_locations_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the location history is append-only: % is not allowed', tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Fixes are kept as the device sent them.';
end $$;
create trigger unit_locations_no_update_delete before update or delete on unit_locations
  for each row execute function unit_locations_append_only();
create trigger unit_locations_no_truncate before truncate on unit_locations
  for each statement execute function unit_locations_append_only();
revoke update, delete, truncate on unit_locations from public;
"""


def upgrade() -> None:
    op.create_table('unit_locations',
    sa.Column('unit_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('accuracy', sa.Float(), nullable=True),
    sa.Column('heading', sa.Float(), nullable=True),
    sa.Column('speed', sa.Float(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('latitude between -90 and 90 and longitude between -180 and 180', name=op.f('ck_unit_locations_coordinates')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_locations_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', 'at', name=op.f('pk_unit_locations'))
    )
    op.execute(APPEND_ONLY)
    op.add_column('units', sa.Column('location_received_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('units', 'location_received_at')
    op.execute("drop trigger if exists unit_locations_no_truncate on unit_locations")
    op.execute("drop trigger if exists unit_locations_no_update_delete on unit_locations")
    op.drop_table('unit_locations')
    op.execute("drop function if exists unit_locations_append_only()")
    # Incident log numbers come from one sequence per UK day (made at run time). The earlier code
    # counts them in reference_counters: carry each day's last number there, then drop the sequences.
    op.execute("""
do $$
declare r record; last bigint; called boolean;
begin
  for r in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relkind = 'S' and n.nspname = current_schema() and c.relname ~ '^incident_log_[0-9]{8}$' loop
    execute format('select last_value, is_called from %I', r.relname) into last, called;
    if called then
      insert into reference_counters (scope, period, value) values ('incident', substr(r.relname, 14), last)
        on conflict (scope, period) do update set value = greatest(reference_counters.value, excluded.value);
    end if;
    execute format('drop sequence %I', r.relname);
  end loop;
end $$;
""")
