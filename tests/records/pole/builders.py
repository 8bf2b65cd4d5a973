"""Builders for the POLE store tests: a principal for service calls, a person from details."""

from __future__ import annotations

from onbeat.core.permissions import permissions_for
from onbeat.core.security import Principal
from onbeat.records.pole import service
from onbeat.records.pole.schemas import PersonRef


def principal(user) -> Principal:
    return Principal(user, permissions_for(user.role_names), roles=user.role_names)


def person(db, me, **details):
    """A new person from details (committed); returns its id."""
    person_id = service.resolve_person(db, me, PersonRef(**details))
    db.commit()
    return person_id
