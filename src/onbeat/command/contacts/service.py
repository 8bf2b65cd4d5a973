"""Taking a contact: validate, suggest a grade, find duplicates, then open or join an incident.

Everything is checked before anything is written, and the contact, its incident, the log
entries, the audit entries and the events are one transaction.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from onbeat.command.contacts import duplicates, thrive
from onbeat.command.contacts.models import Contact
from onbeat.command.contacts.phone import display_uk_phone
from onbeat.command.contacts.schemas import ContactIn, Thrive
from onbeat.command.incidents import service as incidents
from onbeat.command.incidents.catalogue import GRADES, TYPES
from onbeat.command.incidents.models import Incident
from onbeat.command.incidents.settings import command_settings
from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.references import next_reference
from onbeat.core.security import Principal
from onbeat.core.time import format_uk, utcnow


def suggest(incident_type: str, answers: Thrive) -> dict:
    return thrive.suggest(incidents.type_of(incident_type), answers.answers(), answers.factors)


def get(db: Session, contact_id: uuid.UUID, lock: bool = False) -> Contact:
    stmt = select(Contact).where(Contact.id == contact_id)
    if lock:
        stmt = stmt.with_for_update()
    contact = db.execute(stmt).scalar_one_or_none()
    if contact is None:
        raise NotFound(f"There is no contact with id {contact_id}.")
    return contact


def of_incident(incident_id: uuid.UUID) -> Select:
    return select(Contact).where(Contact.incident_id == incident_id).order_by(Contact.received_at, Contact.reference)


def consult(db: Session, me: Principal, contacts: list[Contact], purpose: str) -> None:
    """Reading callers' names and numbers is a consultation of personal data: one audit entry each."""
    for contact in contacts:
        audit(db, me.actor, "consult", "command.contact.viewed", "contact", contact.id, purpose=purpose,
              detail={"reference": contact.reference})


def answer_seconds(contact: Contact) -> float | None:
    if contact.answered_at is None:
        return None
    return (contact.answered_at - contact.received_at).total_seconds()


def summary(contact: Contact, with_caller: bool = False) -> dict:
    seconds = answer_seconds(contact)
    target = command_settings().answer_target_seconds
    out = {c: getattr(contact, c) for c in (
        "id", "reference", "channel", "received_at", "answered_at", "address", "postcode", "latitude", "longitude",
        "description", "incident_type", "thrive", "vulnerability_factors", "suggested_grade", "suggestion", "grade",
        "grade_reason", "incident_id", "created_at")}
    out["answer_seconds"] = seconds
    out["answered_within_target"] = (seconds <= target) if contact.channel == "999" and seconds is not None else None
    if with_caller:
        out["caller_name"] = contact.caller_name
        out["callback_number"] = contact.callback_number
        out["callback_display"] = display_uk_phone(contact.callback_number)
    return out


def _check(data: ContactIn, suggestion: dict) -> tuple[int, str | None]:
    incidents.check_coordinates(data.latitude, data.longitude)
    if not (data.address or data.postcode or data.latitude is not None):
        raise BadRequest("Where did it happen? Give an address, a postcode or coordinates.", field="address",
                         hint="At least one of address, postcode, or latitude and longitude is required.")
    received = data.received_at or utcnow()
    if data.answered_at and data.answered_at < received:
        raise BadRequest("The contact cannot be answered before it was received.", field="answered_at",
                         hint=f"It was received at {format_uk(received, True)}.")
    if received > utcnow() + timedelta(minutes=5):
        raise BadRequest("The contact's received time is in the future.", field="received_at",
                         hint="Leave it out to use the time now.")
    grade = data.grade or suggestion["grade"]
    if grade != suggestion["grade"] and not data.grade_reason:
        raise BadRequest(f"Grade {grade} differs from the suggested grade {suggestion['grade']} "
                         f"{suggestion['label']}: give a reason.", field="grade_reason",
                         hint="Say why you grade it differently, or accept the suggested grade.")
    return grade, data.grade_reason if grade != suggestion["grade"] else None


def take(db: Session, me: Principal, data: ContactIn) -> tuple[Contact, Incident, list[dict]]:
    """Record a contact. With `link_to` it joins that open incident; otherwise it opens a new one,
    unless possible duplicates exist and `open_new` was not said (409 naming them). The duplicate
    check runs under area locks held to the commit (`duplicates.lock_area`), so two calls about
    one event taken at the same moment cannot both open an incident: the second is offered the
    first's."""
    suggestion = suggest(data.incident_type, data.thrive)
    grade, reason = _check(data, suggestion)
    received = data.received_at or utcnow()
    if not data.link_to and not data.open_new:
        # Two handlers taking calls about one event at once: the second waits here until the first
        # commits, and then its check below finds the first one's incident.
        duplicates.lock_area(db, data.incident_type, latitude=data.latitude, longitude=data.longitude,
                             postcode=data.postcode)
    found = duplicates.candidates(db, data.incident_type, latitude=data.latitude, longitude=data.longitude,
                                  postcode=data.postcode, at=received)
    target = None
    if data.link_to:
        target = incidents.get(db, data.link_to, lock=True)
        if target.status != "open":
            raise Conflict(f"Incident {target.log_number} is closed; a contact can join only an open incident.",
                           field="link_to", hint="Open a new incident for this contact.")
    elif found and not data.open_new:
        listed = "; ".join(f"{d['log_number']} {d['type_label']} "
                           f"({'same postcode' if d['distance_m'] is None else str(d['distance_m']) + ' m'}, "
                           f"{d['minutes']} min)" for d in found)
        raise Conflict(f"This may be a duplicate of an open incident: {listed}.",
                       errors=[{"field": "link_to", "message": f"{d['log_number']}: {d['incident_id']}"}
                               for d in found],
                       hint="Send link_to with the incident's id to attach the contact to it, or open_new: true "
                            "to open a new incident.")
    contact = Contact(id=uuid.uuid4(), reference=next_reference(db, "CON", received), channel=data.channel,
                      received_at=received, answered_at=data.answered_at, caller_name=data.caller_name,
                      callback_number=data.callback_number, address=data.address, postcode=data.postcode,
                      latitude=data.latitude, longitude=data.longitude, description=data.description.strip(),
                      incident_type=data.incident_type, thrive=data.thrive.answers(),
                      vulnerability_factors=data.thrive.factors, suggested_grade=suggestion["grade"],
                      suggestion=suggestion, grade=grade, grade_reason=reason, handler_id=me.id)
    if target is None:
        target = incidents.open_incident(db, me, incident_type=data.incident_type, grade=grade,
                                         suggested_grade=suggestion["grade"], grade_reason=reason,
                                         summary=contact.description, address=data.address, postcode=data.postcode,
                                         latitude=data.latitude, longitude=data.longitude, urban=data.urban,
                                         suggestion=suggestion)
        contact.incident_id = target.id
        db.add(contact)
        db.flush()
        incidents.log(db, target, me, "contact_linked", f"{_channel_text(contact)} {contact.reference} opened the "
                      f"incident.", {"contact_id": str(contact.id), "reference": contact.reference})
    else:
        contact.incident_id = target.id
        db.add(contact)
        db.flush()
        _joined(db, me, contact, target)
    audit(db, me.actor, "collect", "command.contact.taken", "contact", contact.id,
          detail={"reference": contact.reference, "incident": target.log_number, "channel": contact.channel})
    return contact, target, found


def _channel_text(contact: Contact) -> str:
    return {"999": "999 call", "101": "101 call", "online": "Online report", "walk_in": "Walk-in",
            "radio": "Radio message"}[contact.channel]


def _joined(db: Session, me: Principal, contact: Contact, target: Incident, moved_from: Incident | None = None) -> None:
    """Log a contact joining an incident; a more urgent grade on the contact re-grades the incident."""
    text = f"{_channel_text(contact)} {contact.reference} linked as a duplicate"
    if moved_from is not None:
        text += f" (moved from {moved_from.log_number})"
    incidents.log(db, target, me, "contact_linked", text + ".", {"contact_id": str(contact.id),
                                                                  "reference": contact.reference,
                                                                  "grade": contact.grade})
    if contact.grade < target.grade:
        incidents.regrade(db, me, target, contact.grade, f"linked contact {contact.reference} was graded "
                          f"{contact.grade} {GRADES[contact.grade]}")
    else:
        incidents.updated(db, target, "contact_linked")


def link(db: Session, me: Principal, contact: Contact, incident_id: uuid.UUID) -> tuple[Contact, Incident]:
    """Move a saved contact to another open incident (found to be a duplicate after all). An
    incident left with no contact is closed as a duplicate (refused if units are at its scene)."""
    if incident_id == contact.incident_id:
        here = incidents.get(db, incident_id)
        raise Conflict(f"{contact.reference} is already part of {here.log_number}.", field="incident_id")
    # Lock both incidents in one order, so two handlers linking across them cannot deadlock.
    locked = {i: incidents.get(db, i, lock=True) for i in sorted([incident_id, contact.incident_id])}
    target, source = locked[incident_id], locked[contact.incident_id]
    if target.status != "open":
        raise Conflict(f"Incident {target.log_number} is closed; a contact can join only an open incident.",
                       field="incident_id")
    contact.incident_id = target.id
    db.flush()
    left = db.execute(of_incident(source.id).limit(1)).first()
    incidents.log(db, source, me, "contact_moved", f"{contact.reference} moved to {target.log_number} "
                  f"({TYPES[target.incident_type].label}).", {"contact_id": str(contact.id), "to": str(target.id),
                                                               "to_log_number": target.log_number})
    if left is None and source.status == "open":
        incidents.close(db, me, source, "duplicate", f"Duplicate of {target.log_number}: its only contact "
                        f"{contact.reference} was linked there.")
    elif source.status == "open":
        incidents.updated(db, source, "contact_moved")
    _joined(db, me, contact, target, moved_from=source)
    audit(db, me.actor, "combine", "command.contact.linked", "contact", contact.id,
          detail={"reference": contact.reference, "from": source.log_number, "to": target.log_number})
    return contact, target
