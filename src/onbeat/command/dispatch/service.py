"""Assigning units to incidents and following them there: assign, en route, at scene, clear.

Every step writes its own incident log entry, moves the unit's status and tells the board
(`command.unit_updated`); assigning also tells the crew's devices (`command.unit_assigned`).
The unit's row is locked (`SELECT ... FOR UPDATE`) for each step, so two dispatchers assigning
the same unit at once cannot both succeed: the second is told who took it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.command.dispatch.models import Assignment
from onbeat.command.incidents import service as incidents
from onbeat.command.incidents.models import Incident
from onbeat.command.models import Unit
from onbeat.command.resources import service as resources
from onbeat.command.resources.service import ASSIGNMENT_STATUSES, STATUS_LABELS
from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict
from onbeat.core.events.service import emit
from onbeat.core.time import format_uk, utcnow

# What a device or dispatcher may ask for; "clear" is booking available after a job.
REQUESTABLE = ("en_route", "at_scene", "clear", "available", "busy", "refreshment", "off_duty")


def _actor(actor):
    return actor.actor if hasattr(actor, "actor") else actor


def _lock_unit(db: Session, unit_id: uuid.UUID) -> Unit:
    unit = db.execute(select(Unit).where(Unit.id == unit_id).with_for_update()
                      .execution_options(populate_existing=True)).scalar_one_or_none()
    if unit is None:
        resources.get(db, unit_id)  # raises the 404
    return unit


def current_assignment(db: Session, unit_id: uuid.UUID) -> Assignment | None:
    return db.execute(select(Assignment).where(Assignment.unit_id == unit_id, Assignment.cleared_at.is_(None))
                      .execution_options(populate_existing=True)).scalar_one_or_none()


def units_at_scene(db: Session, incident_id: uuid.UUID) -> list[str]:
    """Call signs of the units booked at the incident's scene and not yet clear."""
    return list(db.execute(select(Unit.call_sign).join(Assignment, Assignment.unit_id == Unit.id)
                           .where(Assignment.incident_id == incident_id, Assignment.stage == "at_scene",
                                  Assignment.cleared_at.is_(None)).order_by(Unit.call_sign)).scalars())


def assignments_of(db: Session, incident_id: uuid.UUID) -> list[tuple[Assignment, str]]:
    return [(a, cs) for a, cs in db.execute(
        select(Assignment, Unit.call_sign).join(Unit, Unit.id == Assignment.unit_id)
        .where(Assignment.incident_id == incident_id).order_by(Assignment.assigned_at))]


def _unavailable(db: Session, unit: Unit) -> Conflict:
    held = current_assignment(db, unit.id)
    if held is not None:
        incident = db.get(Incident, held.incident_id)
        detail = (f"{unit.call_sign} was assigned to {incident.log_number} by {held.assigned_by_label} at "
                  f"{format_uk(held.assigned_at)}" + ("" if held.stage == "assigned" else
                                                     f" and is now {STATUS_LABELS[held.stage].lower()}") + ".")
        return Conflict(detail, field="unit_id", hint="Choose another unit from the recommendation, or ask the "
                        "dispatcher of that incident to stand it down first.")
    since = f" since {format_uk(unit.status_changed_at)}" if unit.status_changed_at else ""
    return Conflict(f"{unit.call_sign} is {STATUS_LABELS[unit.status].lower()}{since}, not available.",
                    field="unit_id", hint="Choose another unit from the recommendation.")


def assign(db: Session, actor, incident: Incident, unit_id: uuid.UUID, at: datetime | None = None) -> Assignment:
    """Send the unit to the incident: one action that locks the unit, refuses it if not available
    (naming who has it), sets it assigned, logs, audits and tells the crew and the board."""
    who = _actor(actor)
    # Locks are always taken unit first, then incident, then (by audit and events) the chain lock.
    unit = _lock_unit(db, unit_id)
    db.execute(select(Incident.id).where(Incident.id == incident.id).with_for_update())
    db.refresh(incident)
    if incident.status != "open":
        raise Conflict(f"Incident {incident.log_number} is closed; units are not assigned to it.")
    if unit.status != "available":
        raise _unavailable(db, unit)
    at = at or utcnow()
    assignment = Assignment(id=uuid.uuid4(), incident_id=incident.id, unit_id=unit.id, stage="assigned",
                            assigned_by_id=who.id, assigned_by_label=who.label, assigned_at=at)
    db.add(assignment)
    unit.status, unit.status_changed_at = "assigned", at
    needed = incidents.required_skills(incident.incident_type)
    missing = sorted(needed - set(unit.skills or []))
    text = f"{unit.call_sign} assigned by {who.label}."
    if missing:
        text += f" Note: the unit lacks {', '.join(missing)}, which this type of incident needs."
    incidents.log(db, incident, who, "assigned", text, {"unit_id": unit.id, "call_sign": unit.call_sign,
                                                        "assignment_id": assignment.id, "missing_skills": missing},
                  at=at)
    audit(db, who, "alter", "command.unit.assigned", "unit", unit.id,
          detail={"call_sign": unit.call_sign, "incident": incident.log_number})
    crew = [str(c.user_id) for c in unit.crew]
    emit(db, "command", "unit_assigned", {"assignment_id": str(assignment.id), "unit_id": str(unit.id),
                                         "call_sign": unit.call_sign, "crew": crew,
                                         "incident": incidents._jsonable(incidents.board_view(incident)),
                                         "summary": incident.summary, "assigned_by": who.label},
         permission="incidents.read")
    resources.unit_updated(db, unit, "assigned", incident_id=str(incident.id), log_number=incident.log_number)
    incidents.updated(db, incident, "assigned")
    db.flush()
    return assignment


def change_status(db: Session, actor, unit_id: uuid.UUID, wanted: str, at: datetime | None = None) -> Unit:
    """Move a unit to `wanted` (one of REQUESTABLE). En route and at scene advance its assignment
    (the first arrival is recorded on the incident); clear/available ends the assignment."""
    who = _actor(actor)
    if wanted not in REQUESTABLE:
        hint = "Units are assigned through POST /api/incidents/{id}/assign." if wanted == "assigned" else None
        raise BadRequest(f"{wanted!r} cannot be requested as a status.", field="status",
                         hint=hint or "Use one of: " + ", ".join(REQUESTABLE) + ".")
    new = "available" if wanted == "clear" else wanted
    at = at or utcnow()
    unit = _lock_unit(db, unit_id)
    resources.check_transition(unit, new)
    old = unit.status
    assignment = current_assignment(db, unit.id) if old in ASSIGNMENT_STATUSES else None
    if new in ("en_route", "at_scene") and assignment is None:
        raise Conflict(f"{unit.call_sign} has no assignment to be {STATUS_LABELS[new].lower()} for.", field="status")
    incident = incidents.get(db, assignment.incident_id, lock=True) if assignment else None
    unit.status, unit.status_changed_at = new, at
    if assignment is not None:
        detail = {"unit_id": unit.id, "call_sign": unit.call_sign, "assignment_id": assignment.id}
        if new == "en_route":
            assignment.stage, assignment.en_route_at = "en_route", at
            incidents.log(db, incident, who, "en_route", f"{unit.call_sign} en route.", detail, at=at)
        elif new == "at_scene":
            if incident.status != "open":
                raise Conflict(f"Incident {incident.log_number} is closed.", field="status",
                               hint="Book the unit clear instead.")
            assignment.stage, assignment.at_scene_at = "at_scene", at
            incidents.log(db, incident, who, "at_scene", f"{unit.call_sign} at scene.", detail, at=at)
            incidents.mark_arrived(db, incident, at, who)
        else:
            kind, said = ("left_scene", "left the scene") if old == "at_scene" else ("unassigned", "stood down")
            assignment.stage, assignment.cleared_at = "cleared", at
            incidents.log(db, incident, who, kind, f"{unit.call_sign} {said}.", detail, at=at)
        if new != "at_scene":
            incidents.updated(db, incident, new)
    audit(db, who, "alter", "command.unit.status", "unit", unit.id,
          detail={"call_sign": unit.call_sign, "from": old, "to": new,
                  **({"incident": incident.log_number} if incident else {})})
    resources.unit_updated(db, unit, new, previous=old,
                           **({"incident_id": str(incident.id), "log_number": incident.log_number} if incident else {}))
    db.flush()
    return unit
