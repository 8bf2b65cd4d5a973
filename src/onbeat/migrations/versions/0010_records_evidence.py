"""records evidence

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21

Evidence items (a trigger refuses any change or removal: different bytes are a new item), the
records each is attached to, and resumable uploads in progress.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


NEVER_CHANGES = """
create function evidence_items_never_change() returns trigger language plpgsql as $$
begin
  raise exception 'evidence items never change: % is not allowed', tg_op
    using errcode = 'insufficient_privilege',
          hint = 'Different bytes are a new evidence item; its custody is in the audit log.';
end $$;
create trigger evidence_items_no_update_delete before update or delete on evidence_items
  for each row execute function evidence_items_never_change();
create trigger evidence_items_no_truncate before truncate on evidence_items
  for each statement execute function evidence_items_never_change();
"""


def upgrade() -> None:
    op.create_table('evidence_items',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_uuid', sa.Uuid(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('original_filename', sa.String(length=255), nullable=False),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('capture_device', sa.String(length=200), nullable=True),
    sa.Column('captured_by_id', sa.Uuid(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('storage_backend', sa.String(length=10), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('thumbnail_key', sa.String(length=300), nullable=True),
    sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f('ck_evidence_items_sha256_hex')),
    sa.CheckConstraint("storage_backend in ('local', 's3')", name=op.f('ck_evidence_items_storage_backend')),
    sa.CheckConstraint('size > 0', name=op.f('ck_evidence_items_size_positive')),
    sa.ForeignKeyConstraint(['captured_by_id'], ['users.id'], name=op.f('fk_evidence_items_captured_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_evidence_items_client_uuid')),
    sa.UniqueConstraint('reference', name=op.f('uq_evidence_items_reference')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_evidence_items_storage_key'))
    )
    op.create_index(op.f('ix_evidence_items_captured_by_id'), 'evidence_items', ['captured_by_id'], unique=False)
    op.create_index(op.f('ix_evidence_items_sha256'), 'evidence_items', ['sha256'], unique=False)
    op.create_index('ix_evidence_items_uploaded_at', 'evidence_items', ['uploaded_at'], unique=False)
    op.create_table('evidence_attachments',
    sa.Column('evidence_id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('attached_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('attached_by_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['attached_by_id'], ['users.id'], name=op.f('fk_evidence_attachments_attached_by_id_users')),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence_items.id'], name=op.f('fk_evidence_attachments_evidence_id_evidence_items')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_evidence_attachments_record_id_records')),
    sa.PrimaryKeyConstraint('evidence_id', 'record_id', name=op.f('pk_evidence_attachments'))
    )
    op.create_index('ix_evidence_attachments_record', 'evidence_attachments', ['record_id', 'attached_at'], unique=False)
    op.create_table('evidence_uploads',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_uuid', sa.Uuid(), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('capture_device', sa.String(length=200), nullable=True),
    sa.Column('storage_backend', sa.String(length=10), nullable=False),
    sa.Column('storage_key', sa.String(length=300), nullable=False),
    sa.Column('storage_state', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('head', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=True),
    sa.CheckConstraint("storage_backend in ('local', 's3')", name=op.f('ck_evidence_uploads_storage_backend')),
    sa.CheckConstraint('received between 0 and size', name=op.f('ck_evidence_uploads_received_within_size')),
    sa.CheckConstraint('size > 0', name=op.f('ck_evidence_uploads_size_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evidence_uploads_created_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_evidence_uploads_record_id_records')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_uploads')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_evidence_uploads_client_uuid'))
    )
    op.create_index(op.f('ix_evidence_uploads_expires_at'), 'evidence_uploads', ['expires_at'], unique=False)
    op.execute(NEVER_CHANGES)


def downgrade() -> None:
    op.drop_index(op.f('ix_evidence_uploads_expires_at'), table_name='evidence_uploads')
    op.drop_table('evidence_uploads')
    op.drop_index('ix_evidence_attachments_record', table_name='evidence_attachments')
    op.drop_table('evidence_attachments')
    op.execute("drop trigger if exists evidence_items_no_truncate on evidence_items")
    op.execute("drop trigger if exists evidence_items_no_update_delete on evidence_items")
    op.execute("drop function if exists evidence_items_never_change()")
    op.drop_index('ix_evidence_items_uploaded_at', table_name='evidence_items')
    op.drop_index(op.f('ix_evidence_items_sha256'), table_name='evidence_items')
    op.drop_index(op.f('ix_evidence_items_captured_by_id'), table_name='evidence_items')
    op.drop_table('evidence_items')
