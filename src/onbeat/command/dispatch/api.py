"""Dispatch JSON API for the control room, and the device API for the unit's own crew."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from onbeat.command.dispatch import recommend as recommender, service
from onbeat.command.dispatch.schemas import (AssignIn, AssignmentOut, DeviceAssignmentOut, DeviceStatusIn, FixesIn,
                                             FixesOut, LeftOut, RecommendationOut, RecommendedUnit, StatusIn,
                                             UnitStateOut)
from onbeat.command.incidents import service as incidents
from onbeat.command.incidents.schemas import IncidentOut
from onbeat.command.resources import service as resources
from onbeat.command.resources.service import Fix
from onbeat.core.errors import problems
from onbeat.core.security import Requires
from onbeat.db import get_db

router = APIRouter(tags=["dispatch"])
DB = Annotated[Session, Depends(get_db)]


@router.get("/api/incidents/{incident_id}/recommendation", response_model=RecommendationOut,
            responses=problems(404, 409))
def recommendation(me: Requires("dispatch.assign"), db: DB, incident_id: uuid.UUID) -> RecommendationOut:
    """The suitable available units, quickest first, each with its reason; and the units left out, with why."""
    rec = recommender.recommend(db, incidents.get(db, incident_id))
    return RecommendationOut(
        incident_id=rec.incident_id, log_number=rec.log_number, required_skills=rec.needed, urban=rec.urban,
        units=[RecommendedUnit(unit_id=c.unit_id, call_sign=c.call_sign, unit_type=c.unit_type, status=c.status,
                               skills=c.skills, distance_m=round(c.distance_m), eta_seconds=round(c.eta_s),
                               location_at=c.location_at, reason=c.reason) for c in rec.units],
        excluded=[LeftOut(unit_id=x.unit_id, call_sign=x.call_sign, status=x.status, why=x.why,
                          distance_m=None if x.distance_m is None else round(x.distance_m)) for x in rec.excluded],
        excluded_counts=rec.excluded_counts)


@router.post("/api/incidents/{incident_id}/assign", response_model=AssignmentOut, status_code=201,
             responses=problems(404, 409))
def assign(me: Requires("dispatch.assign"), db: DB, incident_id: uuid.UUID, body: AssignIn) -> AssignmentOut:
    """Send a unit: refused with 409, naming who has it, if the unit is not available."""
    incident = incidents.get(db, incident_id)
    resources.get(db, body.unit_id)
    assignment = service.assign(db, me, incident, body.unit_id)
    call_sign = resources.get(db, body.unit_id).call_sign
    db.commit()
    return AssignmentOut.of(assignment, call_sign)


@router.get("/api/incidents/{incident_id}/assignments", response_model=list[AssignmentOut])
def incident_assignments(me: Requires("incidents.read"), db: DB, incident_id: uuid.UUID) -> list[AssignmentOut]:
    """Every unit sent to the incident, in the order they were sent."""
    incidents.get(db, incident_id)
    return [AssignmentOut.of(a, cs) for a, cs in service.assignments_of(db, incident_id)]


@router.post("/api/units/{unit_id}/status", response_model=UnitStateOut, responses=problems(404, 409))
def unit_status(me: Requires("units.manage"), db: DB, unit_id: uuid.UUID, body: StatusIn) -> UnitStateOut:
    """A dispatcher sets a unit's status (en route, at scene, clear, busy, refreshment, off duty)."""
    unit = service.change_status(db, me, unit_id, body.status)
    db.commit()
    return UnitStateOut(**resources.board_view(unit))


# --- the device API: the caller must crew the unit -------------------------------------------

@router.post("/api/device/locations", response_model=FixesOut, responses=problems(403, 409))
def device_locations(me: Requires("device.status"), db: DB, body: FixesIn) -> FixesOut:
    """A batch of fixes for my unit, oldest first, applied in order; any older than the unit's
    latest location is ignored (listed by index)."""
    unit = resources.my_unit(db, me.id, body.unit_id)
    fixes = [Fix(f.latitude, f.longitude, f.at, f.accuracy, f.heading, f.speed) for f in body.fixes]
    applied, ignored = resources.apply_fixes(db, unit, fixes)
    db.commit()
    return FixesOut(unit_id=unit.id, call_sign=unit.call_sign, applied=applied, ignored=ignored)


@router.get("/api/device/assignment", response_model=DeviceAssignmentOut, responses=problems(403, 409))
def device_assignment(me: Requires("device.status"), db: DB, unit_id: uuid.UUID | None = None) -> DeviceAssignmentOut:
    """My unit's current assignment and its incident (both null when the unit has none)."""
    unit = resources.my_unit(db, me.id, unit_id)
    assignment = service.current_assignment(db, unit.id)
    incident = incidents.get(db, assignment.incident_id) if assignment else None
    return DeviceAssignmentOut(unit_id=unit.id, call_sign=unit.call_sign, status=unit.status,
                               assignment=AssignmentOut.of(assignment, unit.call_sign) if assignment else None,
                               incident=IncidentOut.of(incident).model_dump(mode="json") if incident else None)


@router.post("/api/device/status", response_model=UnitStateOut, responses=problems(403, 409))
def device_status(me: Requires("device.status"), db: DB, body: DeviceStatusIn) -> UnitStateOut:
    """Set my unit's status: en_route, at_scene, clear (or available), refreshment, busy, off_duty."""
    unit = resources.my_unit(db, me.id, body.unit_id)
    unit = service.change_status(db, me, unit.id, body.status)
    db.commit()
    return UnitStateOut(**resources.board_view(unit))
