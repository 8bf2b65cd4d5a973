"""Contacts JSON API: take a contact, suggest a grade, find duplicates, link to an incident."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from onbeat.command.contacts import duplicates, service
from onbeat.command.contacts.schemas import (ContactIn, ContactOut, ContactTaken, DuplicateOut, DuplicatesIn, LinkIn,
                                             SuggestIn, Suggestion)
from onbeat.command.incidents import service as incidents
from onbeat.core.errors import problems
from onbeat.core.security import Purpose, Requires
from onbeat.db import get_db

router = APIRouter(tags=["contacts"])
DB = Annotated[Session, Depends(get_db)]


def taken(contact, incident, linked: bool, found: list[dict]) -> ContactTaken:
    return ContactTaken(contact=ContactOut(**service.summary(contact, with_caller=True)), incident_id=incident.id,
                        log_number=incident.log_number, linked=linked, duplicates=[DuplicateOut(**d) for d in found])


@router.post("/api/contacts/suggest-grade", response_model=Suggestion)
def suggest_grade(me: Requires("contacts.create"), body: SuggestIn) -> Suggestion:
    """The grade suggested by the incident type and THRIVE answers, and why; nothing is saved."""
    return Suggestion(**service.suggest(body.incident_type, body.thrive))


@router.post("/api/contacts/duplicates", response_model=list[DuplicateOut])
def find_duplicates(me: Requires("contacts.create"), db: DB, body: DuplicatesIn) -> list[DuplicateOut]:
    """Open incidents of the same type (or category) close in place and time; nothing is saved."""
    incidents.check_coordinates(body.latitude, body.longitude)
    found = duplicates.candidates(db, body.incident_type, latitude=body.latitude, longitude=body.longitude,
                                  postcode=body.postcode, at=body.received_at)
    return [DuplicateOut(**d) for d in found]


@router.post("/api/contacts", response_model=ContactTaken, status_code=201, responses=problems(409))
def take_contact(me: Requires("contacts.create"), db: DB, body: ContactIn) -> ContactTaken:
    """Record a contact and open its incident, or attach it to `link_to`. If open incidents close
    in place and time look like the same thing, the answer is 409 naming them unless `link_to`
    or `open_new` says what to do. A grade other than the suggested one needs `grade_reason`."""
    contact, incident, found = service.take(db, me, body)
    db.commit()
    return taken(contact, incident, body.link_to is not None, found)


@router.get("/api/contacts/{contact_id}", response_model=ContactOut)
def read_contact(me: Requires("incidents.read"), purpose: Purpose, db: DB, contact_id: uuid.UUID) -> ContactOut:
    """One contact with the caller's name and number (personal data: the read is audited)."""
    contact = service.get(db, contact_id)
    service.consult(db, me, [contact], purpose)
    db.commit()
    return ContactOut(**service.summary(contact, with_caller=True))


@router.post("/api/contacts/{contact_id}/link", response_model=ContactTaken, responses=problems(409))
def link_contact(me: Requires("contacts.create"), db: DB, contact_id: uuid.UUID, body: LinkIn) -> ContactTaken:
    """Move a contact to another open incident it duplicates. Its old incident, left with no
    contact, is closed as a duplicate (refused while units are at its scene)."""
    contact = service.get(db, contact_id, lock=True)
    contact, incident = service.link(db, me, contact, body.incident_id)
    db.commit()
    return taken(contact, incident, True, [])
