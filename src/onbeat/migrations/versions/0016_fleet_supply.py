"""fleet: device models, role profiles, requests, builds and deliveries

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa

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


def downgrade() -> None:
    op.execute("delete from user_roles where role = 'fleet_driver'")
    _roles_check(OLD_ROLES)
