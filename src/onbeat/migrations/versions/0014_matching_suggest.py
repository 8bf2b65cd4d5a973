"""enter once: the index behind suggestions as an officer types

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suggest_person_keys',
    sa.Column('key', sa.BigInteger(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('key', 'person_id', name='pk_suggest_person_keys')
    )
    op.create_index('ix_suggest_person_keys_person_id', 'suggest_person_keys', ['person_id'], unique=False)
    op.create_table('suggest_vehicles',
    sa.Column('object_id', sa.Uuid(), nullable=False),
    sa.Column('reg_key', sa.String(length=12), nullable=False),
    sa.PrimaryKeyConstraint('object_id', name=op.f('pk_suggest_vehicles'))
    )
    op.create_index('ix_suggest_vehicles_reg_key', 'suggest_vehicles', ['reg_key'], unique=False)
    op.create_index('ix_suggest_vehicles_reg_trgm', 'suggest_vehicles', ['reg_key'], unique=False, postgresql_using='gin', postgresql_ops={'reg_key': 'gin_trgm_ops'})
    op.create_table('suggest_addresses',
    sa.Column('location_id', sa.Uuid(), nullable=False),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('sector', sa.String(length=6), nullable=True),
    sa.Column('line', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('location_id', name=op.f('pk_suggest_addresses'))
    )
    op.create_index('ix_suggest_addresses_postcode', 'suggest_addresses', ['postcode'], unique=False)
    op.create_index('ix_suggest_addresses_sector', 'suggest_addresses', ['sector'], unique=False)
    op.create_index('ix_suggest_addresses_line_trgm', 'suggest_addresses', ['line'], unique=False, postgresql_using='gin', postgresql_ops={'line': 'gin_trgm_ops'})


def downgrade() -> None:
    op.drop_index('ix_suggest_addresses_line_trgm', table_name='suggest_addresses', postgresql_using='gin', postgresql_ops={'line': 'gin_trgm_ops'})
    op.drop_index('ix_suggest_addresses_sector', table_name='suggest_addresses')
    op.drop_index('ix_suggest_addresses_postcode', table_name='suggest_addresses')
    op.drop_table('suggest_addresses')
    op.drop_index('ix_suggest_vehicles_reg_trgm', table_name='suggest_vehicles', postgresql_using='gin', postgresql_ops={'reg_key': 'gin_trgm_ops'})
    op.drop_index('ix_suggest_vehicles_reg_key', table_name='suggest_vehicles')
    op.drop_table('suggest_vehicles')
    op.drop_index('ix_suggest_person_keys_person_id', table_name='suggest_person_keys')
    op.drop_table('suggest_person_keys')
