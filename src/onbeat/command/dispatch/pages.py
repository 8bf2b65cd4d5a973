"""Control-room pages: the live board (open incidents by grade with their countdowns, units with
their status, an offline map; filtered by area, grade and type; refreshed from the event stream)
and the dispatch page of one incident (the recommendation, with a button to assign each unit)."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.command.dispatch import board_map, recommend as recommender, service
from onbeat.command.dispatch.models import Assignment
from onbeat.command.incidents import service as incidents
from onbeat.command.incidents.catalogue import GRADES, TYPES
from onbeat.command.incidents.pages import countdown
from onbeat.command.incidents.settings import command_settings
from onbeat.command.models import UNIT_TYPES, Unit
from onbeat.command.resources import service as resources
from onbeat.command.resources.service import STATUS_LABELS
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.identity.models import Station
from onbeat.core.pagination import paginate
from onbeat.core.security import Requires
from onbeat.core.time import utcnow
from onbeat.db import get_db
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
PAGE_SIZE = 50


def _context(db: Session, grade: str, incident_type: str, area: str, incidents_page: int, units_page: int) -> dict:
    form = {"grade": grade if grade.isdigit() and int(grade) in GRADES else "",
            "incident_type": incident_type if incident_type in TYPES else "",
            "area": area.strip().upper()[:8]}
    stmt = incidents.incidents_query(status="open", grade=int(form["grade"]) if form["grade"] else None,
                                     incident_type=form["incident_type"] or None, area=form["area"] or None)
    open_items, inc_info = paginate(db, stmt, incidents_page, PAGE_SIZE)
    units_stmt = select(Unit).order_by(Unit.call_sign)
    station_rows = db.execute(select(Station).order_by(Station.name)).scalars().all()
    if form["area"]:
        units_stmt = units_stmt.where(Unit.station_id.in_(select(Station.id).where(Station.code == form["area"])))
    unit_items, unit_info = paginate(db, units_stmt, units_page, PAGE_SIZE)

    ids = [i.id for i in open_items] + [u.id for u in unit_items]
    active = db.execute(select(Assignment, Unit.call_sign).join(Unit, Unit.id == Assignment.unit_id)
                        .where(Assignment.cleared_at.is_(None),
                               (Assignment.incident_id.in_(ids)) | (Assignment.unit_id.in_(ids)))).all()
    on_incident: dict = {}
    job_of: dict = {}
    for a, call_sign in active:
        on_incident.setdefault(a.incident_id, []).append(f"{call_sign} ({STATUS_LABELS[a.stage].lower()})")
        job_of[a.unit_id] = a.incident_id
    numbers = dict(db.execute(select(incidents.Incident.id, incidents.Incident.log_number)
                              .where(incidents.Incident.id.in_(list(job_of.values()) or [None]))).all())

    proj = board_map.projection([(s.latitude, s.longitude) for s in station_rows])
    settings = command_settings()
    now = utcnow()
    by_grade: dict[int, list] = {g: [] for g in GRADES}
    for i in open_items:
        by_grade[i.grade].append({
            "i": i, "type_label": TYPES[i.incident_type].label, "countdown": countdown(i, now),
            "units": on_incident.get(i.id, []), "xy": proj.xy(i.latitude, i.longitude) if i.latitude is not None else None})
    units = [{"u": u, "type_label": UNIT_TYPES[u.unit_type], "status_label": STATUS_LABELS[u.status],
              "job": numbers.get(job_of.get(u.id)),
              "xy": proj.xy(u.latitude, u.longitude) if u.latitude is not None else None} for u in unit_items]
    query = {k: v for k, v in form.items() if v}
    return {"form": form, "by_grade": by_grade, "grades": GRADES, "types": TYPES, "areas": incidents.areas(db),
            "units": units, "inc_pg": inc_info, "unit_pg": unit_info, "query": urlencode(query),
            "inc_base": "/board?" + urlencode({**query, "units_page": units_page}) + "&",
            "unit_base": "/board?" + urlencode({**query, "incidents_page": incidents_page}) + "&units_",
            "map": {"outline": board_map.outline(proj, [(s.latitude, s.longitude) for s in station_rows]),
                    "stations": [{"name": s.name, "xy": proj.xy(s.latitude, s.longitude)} for s in station_rows],
                    "width": board_map.WIDTH, "height": board_map.HEIGHT, "proj": proj.attrs(),
                    "tile_url": settings.tile_url, "attribution": settings.tile_attribution,
                    "tiles": board_map.tiles(proj, settings.tile_url) if settings.tile_url else []},
            "now": now}


def _csp() -> dict | None:
    """The page's Content-Security-Policy, letting images come from the tile server too (the
    default policy allows only this server's own)."""
    origin = board_map.tile_origin(command_settings().tile_url)
    if origin is None:
        return None
    from onbeat.asgi import SECURITY_HEADERS

    policy = dict(SECURITY_HEADERS)[b"content-security-policy"].decode()
    return {"Content-Security-Policy": policy.replace("img-src 'self' data:", f"img-src 'self' data: {origin}")}


@router.get("/board")
def board(request: Request, me: Requires("incidents.read"), db: DB, grade: str = "", incident_type: str = "",
          area: str = "", page: PageNo = 1, units_page: PageNo = 1) -> Response:
    return _page(request, "command/board.html", _context(db, grade, incident_type, area, page, units_page),
                 headers=_csp())


@router.get("/board/live")
def board_live(request: Request, me: Requires("incidents.read"), db: DB, grade: str = "", incident_type: str = "",
               area: str = "", page: PageNo = 1, units_page: PageNo = 1) -> Response:
    """The board's changing part, fetched again by the page's script when an event arrives."""
    return _page(request, "command/_board_live.html", _context(db, grade, incident_type, area, page, units_page),
                 headers=_csp())


_page = page


# --- dispatching one incident ------------------------------------------------------------------

def _dispatch_page(request: Request, db: Session, incident, *, error: str | None = None, notice: str | None = None,
                   status: int = 200) -> Response:
    rec, why_not = None, None
    try:
        rec = recommender.recommend(db, incident)
    except Conflict as exc:
        why_not = exc.detail
    return _page(request, "command/dispatch.html", {
        "incident": incident, "type": TYPES[incident.incident_type], "grade_label": GRADES[incident.grade],
        "countdown": countdown(incident), "rec": rec, "why_not": why_not, "error": error, "notice": notice,
        "assignments": service.assignments_of(db, incident.id), "stages": STATUS_LABELS,
        "reasons": {"missing_skill": "Missing a skill this incident needs", "no_location": "No location reported",
                    "too_far": "Outside the search area", **STATUS_LABELS}}, status_code=status)


@router.get("/incidents/{incident_id}/dispatch")
def dispatch_page(request: Request, me: Requires("dispatch.assign"), db: DB, incident_id: uuid.UUID,
                  assigned: str = "") -> Response:
    """The recommendation for one incident, with a button to assign each suitable unit."""
    incident = incidents.get(db, incident_id)
    notice = f"{assigned[:20]} assigned." if assigned else None
    return _dispatch_page(request, db, incident, notice=notice)


@router.post("/incidents/{incident_id}/dispatch")
def dispatch_assign(request: Request, me: Requires("dispatch.assign"), db: DB, incident_id: uuid.UUID,
                    unit_id: Annotated[str, Form(max_length=40)] = "") -> Response:
    incident = incidents.get(db, incident_id)
    try:
        chosen = uuid.UUID(unit_id)
        resources.get(db, chosen)
        service.assign(db, me, incident, chosen)
    except ValueError:
        return _dispatch_page(request, db, incident, error="Choose a unit to assign.", status=400)
    except (BadRequest, Conflict, NotFound) as exc:
        db.rollback()
        return _dispatch_page(request, db, incidents.get(db, incident_id), error=exc.detail, status=exc.status)
    call_sign = resources.get(db, chosen).call_sign
    db.commit()
    return RedirectResponse(f"/incidents/{incident_id}/dispatch?assigned={quote(call_sign)}", status_code=303)
