"""records notebook

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21

The officers' pocket notebooks: append-only, guarded by a trigger like the audit log's.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


APPEND_ONLY = """
create function notebook_entries_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'pocket notebook entries are never changed or removed: % is not allowed', tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Write a correction: a new entry that points at the entry it corrects.';
end $$;
create trigger notebook_entries_no_update_delete before update or delete on notebook_entries
  for each row execute function notebook_entries_append_only();
create trigger notebook_entries_no_truncate before truncate on notebook_entries
  for each statement execute function notebook_entries_append_only();
revoke update, delete, truncate on notebook_entries from public;
"""


def upgrade() -> None:
    op.create_table('notebook_entries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_uuid', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('collar_number', sa.String(length=12), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('incident_number', sa.String(length=20), nullable=True),
    sa.Column('record_references', postgresql.ARRAY(sa.String(length=20)), nullable=False),
    sa.Column('corrects_id', sa.Uuid(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('latitude between -90 and 90 and longitude between -180 and 180', name=op.f('ck_notebook_entries_coordinates')),
    sa.CheckConstraint('number >= 1', name=op.f('ck_notebook_entries_number_positive')),
    sa.ForeignKeyConstraint(['corrects_id'], ['notebook_entries.id'], name=op.f('fk_notebook_entries_corrects_id_notebook_entries')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notebook_entries_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notebook_entries')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_notebook_entries_client_uuid')),
    sa.UniqueConstraint('hash', name=op.f('uq_notebook_entries_hash')),
    sa.UniqueConstraint('user_id', 'number', name='uq_notebook_entries_user_number')
    )
    op.create_index('ix_notebook_entries_corrects_id', 'notebook_entries', ['corrects_id'], unique=False)
    op.execute(APPEND_ONLY)


def downgrade() -> None:
    op.execute("drop trigger if exists notebook_entries_no_truncate on notebook_entries")
    op.execute("drop trigger if exists notebook_entries_no_update_delete on notebook_entries")
    op.drop_index('ix_notebook_entries_corrects_id', table_name='notebook_entries')
    op.drop_table('notebook_entries')
    op.execute("drop function if exists notebook_entries_append_only()")
