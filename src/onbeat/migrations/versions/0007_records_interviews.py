"""records interviews

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('interviews',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('interviewee_id', sa.Uuid(), nullable=False),
    sa.Column('suspect', sa.Boolean(), nullable=False),
    sa.Column('caution_code', sa.String(length=12), nullable=False),
    sa.Column('caution_text', sa.Text(), nullable=False),
    sa.Column('caution_given', sa.Boolean(), nullable=False),
    sa.Column('caution_understood', sa.Boolean(), nullable=True),
    sa.Column('caution_notes', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('offered_to_read', sa.Boolean(), nullable=False),
    sa.Column('interviewee_comments', sa.Text(), nullable=True),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sealed_hash', sa.String(length=64), nullable=True),
    sa.CheckConstraint("caution_code in ('arrest', 'interview', 'now', 'restricted')", name=op.f('ck_interviews_caution_code')),
    sa.CheckConstraint('caution_given or caution_understood is null', name=op.f('ck_interviews_understood_only_if_given')),
    sa.CheckConstraint('ended_at is null or ended_at > started_at', name=op.f('ck_interviews_ends_after_start')),
    sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_interviews_record_id_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', name=op.f('pk_interviews'))
    )
    op.create_table('interview_attendees',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=True),
    sa.CheckConstraint("role in ('officer', 'solicitor', 'legal_adviser', 'appropriate_adult', 'interpreter', 'intermediary')", name=op.f('ck_interview_attendees_role')),
    sa.ForeignKeyConstraint(['record_id'], ['interviews.record_id'], name=op.f('fk_interview_attendees_record_id_interviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_attendees')),
    sa.UniqueConstraint('record_id', 'position', name='uq_interview_attendees_position')
    )
    op.create_table('interview_exchanges',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['interviews.record_id'], name=op.f('fk_interview_exchanges_record_id_interviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_exchanges')),
    sa.UniqueConstraint('record_id', 'position', name='uq_interview_exchanges_position')
    )
    op.create_table('interview_signatures',
    sa.Column('record_id', sa.Uuid(), nullable=False),
    sa.Column('signer', sa.String(length=12), nullable=False),
    sa.Column('svg', sa.Text(), nullable=True),
    sa.Column('refused_reason', sa.Text(), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('captured_by_id', sa.Uuid(), nullable=False),
    sa.CheckConstraint("signer = 'interviewee' or refused_reason is null", name=op.f('ck_interview_signatures_only_interviewee_refuses')),
    sa.CheckConstraint("signer in ('officer', 'interviewee')", name=op.f('ck_interview_signatures_signer')),
    sa.CheckConstraint('(svg is null) <> (refused_reason is null)', name=op.f('ck_interview_signatures_signed_or_refused')),
    sa.ForeignKeyConstraint(['captured_by_id'], ['users.id'], name=op.f('fk_interview_signatures_captured_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['interviews.record_id'], name=op.f('fk_interview_signatures_record_id_interviews'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('record_id', 'signer', name=op.f('pk_interview_signatures'))
    )


def downgrade() -> None:
    op.drop_table('interview_signatures')
    op.drop_table('interview_exchanges')
    op.drop_table('interview_attendees')
    op.drop_table('interviews')
