"""Units: JSON API and the staff page."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from onbeat.command.models import STATUSES, UNIT_TYPES, Unit
from onbeat.command.service import units_query
from onbeat.core.identity.service import station_names
from onbeat.core.pagination import PageNo, PageQuery, PageSize, paginate
from onbeat.core.security import Requires
from onbeat.db import get_db
from onbeat.web.render import page

router = APIRouter(tags=["command"])
DB = Annotated[Session, Depends(get_db)]


class UnitOut(BaseModel):
    id: uuid.UUID
    call_sign: str
    unit_type: str
    type_label: str
    station_id: uuid.UUID
    skills: list[str]
    equipment: list[str]
    status: str
    latitude: float | None
    longitude: float | None
    location_at: datetime | None
    crew: list[uuid.UUID]

    @classmethod
    def of(cls, u: Unit) -> UnitOut:
        return cls(id=u.id, call_sign=u.call_sign, unit_type=u.unit_type, type_label=UNIT_TYPES[u.unit_type],
                   station_id=u.station_id, skills=u.skills, equipment=u.equipment, status=u.status,
                   latitude=u.latitude, longitude=u.longitude, location_at=u.location_at,
                   crew=[c.user_id for c in u.crew])


class UnitPage(BaseModel):
    items: list[UnitOut]
    page: int
    size: int
    total: int
    pages: int


@router.get("/api/units", response_model=UnitPage)
def list_units(me: Requires("units.read"), db: DB, page: PageNo = 1, size: PageSize = 50,
               status: Literal[STATUSES] | None = None,  # type: ignore[valid-type]
               unit_type: Literal[tuple(UNIT_TYPES)] | None = None) -> UnitPage:  # type: ignore[valid-type]
    units, info = paginate(db, units_query(status, unit_type), page, size)
    return UnitPage(items=[UnitOut.of(u) for u in units], **info.as_dict())


@router.get("/units", include_in_schema=False)
def units_page(request: Request, me: Requires("units.read"), db: DB, page_no: PageQuery = 1) -> Response:
    units, info = paginate(db, units_query(), page_no, 25)
    names = station_names(db)
    rows = [{"call_sign": u.call_sign, "type_label": UNIT_TYPES[u.unit_type], "station": names.get(u.station_id, ""),
             "skills": u.skills, "status": u.status, "crew_size": len(u.crew)} for u in units]
    return page(request, "units.html", {"units": rows, "pg": info, "base": "/units?"})


# Contacts and incidents: their JSON APIs and staff pages.
from onbeat.command.contacts.api import router as _contacts_api  # noqa: E402
from onbeat.command.contacts.pages import router as _contacts_pages  # noqa: E402
from onbeat.command.incidents.api import router as _incidents_api  # noqa: E402
from onbeat.command.incidents.pages import router as _incidents_pages  # noqa: E402

for _included in (_contacts_api, _incidents_api, _contacts_pages, _incidents_pages):
    router.include_router(_included)

# Dispatch (recommendation, assignment, unit status), the device API, the board and dispatch pages.
from onbeat.command.dispatch.api import router as _dispatch_api  # noqa: E402
from onbeat.command.dispatch.pages import router as _dispatch_pages  # noqa: E402

router.include_router(_dispatch_api)
router.include_router(_dispatch_pages)

# A unit's track (location history): its API and the unit's page.
from onbeat.command.resources.track import pages as _unit_pages, router as _track_api  # noqa: E402

router.include_router(_track_api)
router.include_router(_unit_pages)
