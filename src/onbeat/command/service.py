"""Resources: units and their crews."""

from __future__ import annotations

from sqlalchemy import Select, select

from onbeat.command.models import Unit


def units_query(status: str | None = None, unit_type: str | None = None) -> Select:
    stmt = select(Unit).order_by(Unit.call_sign)
    if status:
        stmt = stmt.where(Unit.status == status)
    if unit_type:
        stmt = stmt.where(Unit.unit_type == unit_type)
    return stmt
