"""records statements

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# A sealed statement (every page signed) never changes: not its row, not its signatures.
SEALED_GUARD = """
create function statements_sealed_guard() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'statements' then
    if old.sealed_at is not null then
      raise exception 'statement % is sealed: a signed statement never changes (make a correction)', old.record_id
        using errcode = 'integrity_constraint_violation';
    end if;
  elsif exists (select 1 from statements where record_id = old.record_id and sealed_at is not null) then
    raise exception 'statement % is sealed: its signatures never change', old.record_id
      using errcode = 'integrity_constraint_violation';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end $$;
create trigger statements_sealed before update or delete on statements
  for each row execute function statements_sealed_guard();
create trigger statement_signatures_sealed before update or delete on statement_signatures
  for each row execute function statements_sealed_guard();
"""


def upgrade() -> None:
    op.create_table('statements',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('urn', sa.String(length=20), nullable=True),
    sa.Column('witness_id', sa.Uuid(), nullable=True),
    sa.Column('statement_of', sa.String(length=200), nullable=False),
    sa.Column('age', sa.Integer(), nullable=True),
    sa.Column('occupation', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('pages', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sealed_hash', sa.String(length=64), nullable=True),
    sa.CheckConstraint('age is null or age between 0 and 17', name=op.f('ck_statements_age')),
    sa.CheckConstraint('cardinality(pages) >= 1', name=op.f('ck_statements_pages')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_statements_record_id_records')),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_statements'))
    )
    op.create_index(op.f('ix_statements_witness_id'), 'statements', ['witness_id'], unique=False)
    op.create_table('statement_signatures',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('signer', sa.String(length=10), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('svg', sa.Text(), nullable=False),
    sa.Column('strokes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('captured_by_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('page >= 0', name=op.f('ck_statement_signatures_page')),
    sa.CheckConstraint("signer in ('witness', 'officer')", name=op.f('ck_statement_signatures_signer')),
    sa.ForeignKeyConstraint(['captured_by_id'], ['users.id'], name=op.f('fk_statement_signatures_captured_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['statements.record_id'], name=op.f('fk_statement_signatures_record_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_signatures')),
    sa.UniqueConstraint('record_id', 'page', name='uq_statement_signatures_page')
    )
    op.create_index(op.f('ix_statement_signatures_record_id'), 'statement_signatures', ['record_id'], unique=False)
    op.create_table('statement_witness_private',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('home_phone', sa.String(length=30), nullable=False),
    sa.Column('mobile_phone', sa.String(length=30), nullable=False),
    sa.Column('work_phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('preferred_contact', sa.String(length=200), nullable=False),
    sa.Column('dates_to_avoid', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('special_measures', postgresql.ARRAY(sa.String(length=30)), nullable=False),
    sa.Column('consent_witness_care', sa.Boolean(), nullable=True),
    sa.Column('consent_other_proceedings', sa.Boolean(), nullable=True),
    sa.Column('consent_medical_records', sa.Boolean(), nullable=True),
    sa.Column('vps_offered', sa.Boolean(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['statements.record_id'], name=op.f('fk_statement_witness_private_record_id_statements')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_statement_witness_private_updated_by_id_users')),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_statement_witness_private'))
    )
    op.execute(SEALED_GUARD)


def downgrade() -> None:
    op.execute("drop trigger if exists statement_signatures_sealed on statement_signatures")
    op.execute("drop trigger if exists statements_sealed on statements")
    op.execute("drop function if exists statements_sealed_guard()")
    op.drop_table('statement_witness_private')
    op.drop_index(op.f('ix_statement_signatures_record_id'), table_name='statement_signatures')
    op.drop_table('statement_signatures')
    op.drop_index(op.f('ix_statements_witness_id'), table_name='statements')
    op.drop_table('statements')
