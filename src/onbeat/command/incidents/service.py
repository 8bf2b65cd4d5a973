"""Incidents: open, grade and re-grade, log, link records, record arrival and breaches, close.

Other parts of command and control use these functions (never the tables): `get`, `log` (for
"assigned", "en route", "at scene", "left scene" entries), `required_skills`, `mark_arrived`,
`check_breaches`, `board_view` and `updated` (emits `command.incident_updated`).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy import Select, func, or_, select, text
from sqlalchemy.orm import Session, make_transient_to_detached

from onbeat.command.incidents.catalogue import CATEGORIES, CLOSING_CODES, GRADES, LOG_KINDS, TYPES, IncidentType
from onbeat.command.incidents.models import Incident, IncidentLogEntry, IncidentRecord
from onbeat.command.incidents import numbers
from onbeat.command.incidents.settings import command_settings
from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.events.service import emit
from onbeat.core.identity.models import Station
from onbeat.core.time import format_uk, utcnow

EVENT_PERMISSION = "incidents.read"


# --- the catalogue ---------------------------------------------------------------------------

def type_of(code: str, field: str = "incident_type") -> IncidentType:
    found = TYPES.get(code)
    if found is None:
        raise BadRequest(f"{code!r} is not a known incident type.", field=field,
                         hint="Use one of the codes from GET /api/incidents/types.")
    return found


def required_skills(code: str) -> set[str]:
    """The unit skills an incident of this type needs (a firearms incident needs `firearms`)."""
    return set(type_of(code).skills)


# --- reading ---------------------------------------------------------------------------------

def get(db: Session, incident_id: uuid.UUID, lock: bool = False) -> Incident:
    stmt = select(Incident).where(Incident.id == incident_id)
    if lock:
        stmt = stmt.with_for_update()
    incident = db.execute(stmt).scalar_one_or_none()
    if incident is None:
        raise NotFound(f"There is no incident with id {incident_id}.", hint="Check the link, or search the incidents.")
    return incident


def by_log_number(db: Session, log_number: str) -> Incident | None:
    return db.execute(select(Incident).where(Incident.log_number == log_number.strip())).scalar_one_or_none()


def incidents_query(*, grade: int | None = None, incident_type: str | None = None, category: str | None = None,
                    status: str | None = None, area: str | None = None, opened_from: datetime | None = None,
                    opened_to: datetime | None = None, q: str | None = None) -> Select:
    """Incidents matching every filter; open ones by grade then age, others newest first.
    `area` is a station code: the incidents nearest that station."""
    stmt = select(Incident).order_by(Incident.status.desc(), Incident.grade, Incident.opened_at.desc())
    if grade:
        stmt = stmt.where(Incident.grade == grade)
    if incident_type:
        stmt = stmt.where(Incident.incident_type == incident_type)
    if category:
        stmt = stmt.where(Incident.category == category)
    if status:
        stmt = stmt.where(Incident.status == status)
    if area:
        stmt = stmt.where(Incident.station_id.in_(select(Station.id).where(Station.code == area.strip().upper())))
    if opened_from:
        stmt = stmt.where(Incident.opened_at >= opened_from)
    if opened_to:
        stmt = stmt.where(Incident.opened_at < opened_to)
    if q and q.strip():
        like = "%" + q.strip().replace("%", "") + "%"
        stmt = stmt.where(or_(Incident.log_number.ilike(like), Incident.address.ilike(like),
                              Incident.postcode.ilike(like)))
    return stmt


def log_entries(db: Session, incident_id: uuid.UUID) -> Select:
    return select(IncidentLogEntry).where(IncidentLogEntry.incident_id == incident_id).order_by(IncidentLogEntry.id)


def areas(db: Session) -> list[tuple[str, str]]:
    """(station code, name) for the area filter."""
    return [(c, n) for c, n in db.execute(select(Station.code, Station.name).order_by(Station.name))]


# --- the log and events ------------------------------------------------------------------------

def _actor(actor) -> Actor:
    return actor.actor if hasattr(actor, "actor") else actor


def log(db: Session, incident: Incident, actor, kind: str, text: str, detail: dict | None = None,
        at: datetime | None = None) -> IncidentLogEntry:
    """Append one entry to the incident's log, in the caller's transaction. `actor` is an audit
    Actor (or a Principal). Entries are never changed: a correction is a new entry."""
    if kind not in LOG_KINDS:
        raise ValueError(f"log kind must be one of {sorted(LOG_KINDS)}, not {kind!r}")
    who = _actor(actor)
    entry = IncidentLogEntry(incident_id=incident.id, actor_id=who.id, actor_label=who.label, kind=kind,
                             text=text.strip(), detail=_jsonable(detail or {}))
    if at is not None:
        entry.at = at
    db.add(entry)
    db.flush()
    return entry


def _jsonable(detail: dict) -> dict:
    return json.loads(json.dumps(detail, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v)))


def board_view(incident: Incident) -> dict:
    """What the board and other readers need to show an incident (the events' payload)."""
    t = TYPES[incident.incident_type]
    return {"id": str(incident.id), "log_number": incident.log_number, "type": incident.incident_type,
            "type_label": t.label, "category": incident.category, "grade": incident.grade,
            "grade_label": GRADES[incident.grade], "status": incident.status, "lat": incident.latitude,
            "lon": incident.longitude, "address": incident.address, "postcode": incident.postcode,
            "station_id": str(incident.station_id) if incident.station_id else None,
            "urban": incident.urban, "opened_at": incident.opened_at, "target_at": incident.target_at,
            "first_arrival_at": incident.first_arrival_at, "breached_at": incident.breached_at,
            "closed_at": incident.closed_at, "closing_code": incident.closing_code}


def _emit(db: Session, name: str, incident: Incident, **extra) -> None:
    emit(db, "command", name, _jsonable({**board_view(incident), **extra}), permission=EVENT_PERMISSION)


def updated(db: Session, incident: Incident, what: str) -> None:
    """Stamp the incident and tell live pages it changed (`command.incident_updated`)."""
    incident.updated_at = utcnow()
    _emit(db, "incident_updated", incident, change=what)


# --- opening ----------------------------------------------------------------------------------

def check_coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        missing = "longitude" if longitude is None else "latitude"
        raise BadRequest("Give both latitude and longitude, or neither.", field=missing,
                         hint="Coordinates are WGS84 decimal degrees, e.g. 51.4529, -0.9783.")
    if latitude is not None and not -90 <= latitude <= 90:
        raise BadRequest(f"Latitude {latitude} is out of range.", field="latitude",
                         hint="Latitude is between -90 and 90 (WGS84 decimal degrees).")
    if longitude is not None and not -180 <= longitude <= 180:
        raise BadRequest(f"Longitude {longitude} is out of range.", field="longitude",
                         hint="Longitude is between -180 and 180 (WGS84 decimal degrees).")


_NEAREST_STATION = text(
    "select s.id, s.name, earth_distance(ll_to_earth(:lat, :lon), ll_to_earth(s.latitude, s.longitude)) as metres "
    "from stations s order by 3 limit 1")


def nearest_station(db: Session, latitude: float, longitude: float) -> tuple[Station, float] | None:
    distance = func.earth_distance(func.ll_to_earth(latitude, longitude),
                                   func.ll_to_earth(Station.latitude, Station.longitude))
    row = db.execute(select(Station, distance).order_by(distance).limit(1)).first()
    return (row[0], float(row[1])) if row else None


def _area(station: tuple | None, urban: bool | None) -> tuple[uuid.UUID | None, bool, str, str]:
    station_id = station[0] if station else None
    if urban is not None:
        return station_id, urban, "handler", "set by the handler"
    if station is None:
        return station_id, True, "default", "no coordinates: taken as urban (the shorter target)"
    radius = command_settings().urban_radius_km
    km = station[2] / 1000
    is_urban = km <= radius
    return station_id, is_urban, "station", (f"{km:.1f} km from {station[1]} station "
                                             f"({'within' if is_urban else 'beyond'} {radius:g} km)")


def place_area(db: Session, latitude: float | None, longitude: float | None,
               urban: bool | None = None) -> tuple[uuid.UUID | None, bool, str, str]:
    """The area (nearest station), whether the place is urban, on what basis, and why.

    The rule: the handler may say urban or rural. Otherwise a place within `urban_radius_km`
    (default 5 km) of one of the force's stations is urban, and further out it is rural. With no
    coordinates and no word from the handler it is taken as urban, the shorter grade 1 target.
    """
    station = None
    if latitude is not None:
        station = db.execute(_NEAREST_STATION, {"lat": latitude, "lon": longitude}).first()
    return _area(station, urban)


# The next log number and the nearest station in one round trip.
_NUMBER_AND_STATION = text(
    f"select {numbers.NEXT_SQL} as number, s.id, s.name, s.metres from (select 1) as one left join lateral ("
    "select st.id, st.name, earth_distance(ll_to_earth(:lat, :lon), ll_to_earth(st.latitude, st.longitude)) as metres "
    "from stations st where cast(:lat as float8) is not null order by 3 limit 1) as s on true")


def _set_target(incident: Incident, at: datetime) -> None:
    incident.graded_at = at
    target = command_settings().target(incident.grade, incident.urban)
    incident.target_at = None if target is None else at + target


# The incident and its first two log entries ("created", "graded") in one statement.
_OPEN = text(
    "with i as (insert into incidents (id, log_number, incident_type, category, status, grade, suggested_grade, "
    "grade_reason, urban, urban_basis, station_id, address, postcode, latitude, longitude, summary, opened_by_id, "
    "opened_at, graded_at, target_at, updated_at) values (:id, :log_number, :incident_type, :category, 'open', "
    ":grade, :suggested_grade, :grade_reason, :urban, :urban_basis, :station_id, :address, :postcode, :latitude, "
    ":longitude, :summary, :opened_by_id, :opened_at, :graded_at, :target_at, :opened_at) returning id) "
    "insert into incident_log (incident_id, at, actor_id, actor_label, kind, text, detail) "
    "select i.id, :opened_at, :actor_id, :actor_label, e.kind, e.text, cast(e.detail as jsonb) from i, "
    "(values (1, 'created', :created_text, :created_detail), (2, 'graded', :graded_text, :graded_detail)) "
    "as e(n, kind, text, detail) order by e.n")


def open_incident(db: Session, actor, *, incident_type: str, grade: int, suggested_grade: int,
                  grade_reason: str | None, summary: str, address: str | None = None, postcode: str | None = None,
                  latitude: float | None = None, longitude: float | None = None, urban: bool | None = None,
                  suggestion: dict | None = None, at: datetime | None = None) -> Incident:
    """Open an incident with a new log number; logs "created" and "graded"; emits opened.

    Round trips are few and the serial part comes last: the place and the log number (a sequence,
    no lock), the incident with its two log entries (one statement), then the event and the audit
    entry, which take the chain lock that is held to the commit."""
    t = type_of(incident_type)
    check_coordinates(latitude, longitude)
    if grade not in GRADES:
        raise BadRequest(f"Grade {grade} does not exist.", field="grade", hint="Use 1, 2, 3 or 4.")
    at = at or utcnow()
    who = _actor(actor)
    row = db.execute(_NUMBER_AND_STATION, {"seq": numbers.sequence_name(numbers.uk_day(at)), "lat": latitude,
                                           "lon": longitude}).one()
    station_id, is_urban, basis, why = _area(row[1:] if row.id is not None else None, urban)
    incident = Incident(id=uuid.uuid4(), log_number=numbers.next_log_number(db, at, row.number), incident_type=t.code,
                        category=t.category, status="open", grade=grade, suggested_grade=suggested_grade,
                        grade_reason=grade_reason, urban=is_urban, urban_basis=basis, station_id=station_id,
                        address=address, postcode=postcode, latitude=latitude, longitude=longitude,
                        summary=summary, opened_by_id=who.id, opened_at=at, updated_at=at, first_arrival_at=None,
                        breached_at=None, closed_at=None, closed_by_id=None, closing_code=None, closing_note=None)
    _set_target(incident, at)
    graded = f"Grade {grade} {GRADES[grade]}"
    if grade != suggested_grade:
        graded += f" (suggested {suggested_grade} {GRADES[suggested_grade]}; reason: {grade_reason})"
    if incident.target_at:
        graded += f"; attend by {format_uk(incident.target_at)}"
    created_detail = {"type": t.code, "urban": is_urban, "urban_basis": basis}
    graded_detail = {"grade": grade, "suggested_grade": suggested_grade, "reason": grade_reason,
                     "suggestion": suggestion or {}, "target_at": incident.target_at}
    db.flush()
    db.execute(_OPEN, {
        "id": incident.id, "log_number": incident.log_number, "incident_type": t.code, "category": t.category,
        "grade": grade, "suggested_grade": suggested_grade, "grade_reason": grade_reason, "urban": is_urban,
        "urban_basis": basis, "station_id": station_id, "address": address, "postcode": postcode,
        "latitude": latitude, "longitude": longitude, "summary": summary, "opened_by_id": who.id, "opened_at": at,
        "graded_at": incident.graded_at, "target_at": incident.target_at, "actor_id": who.id,
        "actor_label": who.label,
        "created_text": f"Opened as {t.label} ({CATEGORIES[t.category]}); {'urban' if is_urban else 'rural'}: {why}.",
        "created_detail": json.dumps(_jsonable(created_detail)), "graded_text": graded + ".",
        "graded_detail": json.dumps(_jsonable(graded_detail))})
    # The row is written: the session takes the object as loaded, without reading it back.
    make_transient_to_detached(incident)
    db.add(incident)
    _emit(db, "incident_opened", incident)
    audit(db, who, "collect", "command.incident.opened", "incident", incident.id,
          detail={"log_number": incident.log_number, "type": t.code, "grade": grade})
    return incident


# --- grading ----------------------------------------------------------------------------------

def regrade(db: Session, actor, incident: Incident, grade: int, reason: str, *,
            suggestion: dict | None = None, at: datetime | None = None) -> Incident:
    """Re-grade (re-THRIVE): the old and new grade and the reason go in the log; the target is
    counted afresh from now for the new grade."""
    if incident.status != "open":
        raise Conflict(f"Incident {incident.log_number} is closed; a closed incident is not re-graded.",
                       hint="Open a new incident if the matter needs attending again.")
    if grade not in GRADES:
        raise BadRequest(f"Grade {grade} does not exist.", field="grade", hint="Use 1, 2, 3 or 4.")
    reason = (reason or "").strip()
    if not reason:
        raise BadRequest("Say why the grade changes.", field="reason",
                         hint="Give the reason for the new grade (for example what the caller has now said).")
    if grade == incident.grade:
        raise Conflict(f"Incident {incident.log_number} is already grade {grade} {GRADES[grade]}.", field="grade",
                       hint="Choose a different grade, or add a log entry instead.")
    at = at or utcnow()
    old = incident.grade
    incident.grade, incident.grade_reason = grade, reason
    if suggestion:
        incident.suggested_grade = suggestion["grade"]
    _set_target(incident, at)
    text = f"Re-graded from {old} {GRADES[old]} to {grade} {GRADES[grade]}: {reason}"
    if incident.target_at:
        text += f"; attend by {format_uk(incident.target_at)}"
    log(db, incident, actor, "regraded", text + ".", {"old_grade": old, "new_grade": grade, "reason": reason,
                                                     "suggestion": suggestion or {}, "target_at": incident.target_at},
        at=at)
    audit(db, _actor(actor), "alter", "command.incident.regraded", "incident", incident.id,
          detail={"log_number": incident.log_number, "old_grade": old, "new_grade": grade})
    incident.updated_at = at
    _emit(db, "incident_graded", incident, old_grade=old)
    return incident


# --- attendance targets -----------------------------------------------------------------------

def _record_breach(db: Session, incident: Incident, observed: datetime, how: str) -> None:
    incident.breached_at = incident.target_at
    late = int((observed - incident.target_at).total_seconds() // 60)
    log(db, incident, Actor.system("attendance targets"), "target_breached",
        f"Grade {incident.grade} target of {format_uk(incident.target_at)} missed: {how}.",
        {"target_at": incident.target_at, "observed_at": observed, "minutes_late": late}, at=observed)
    _emit(db, "target_breached", incident, observed_at=observed, minutes_late=late)


def mark_arrived(db: Session, incident: Incident, at: datetime, actor=None) -> bool:
    """Record that a unit arrived at `at`. Only the first arrival counts; returns True if this was it.
    An arrival after the target records the breach (if not already recorded)."""
    if incident.first_arrival_at is not None:
        return False
    if at < incident.opened_at:
        raise BadRequest("An arrival cannot be before the incident was opened.", field="at",
                         hint=f"The incident was opened at {format_uk(incident.opened_at, True)}.")
    incident.first_arrival_at = at
    minutes = (at - incident.opened_at).total_seconds() / 60
    log(db, incident, actor or Actor.system("dispatch"), "arrived", f"First unit arrived after {minutes:.0f} min.",
        {"arrived_at": at, "response_minutes": round(minutes, 1)}, at=at)
    if incident.target_at and at > incident.target_at and incident.breached_at is None:
        _record_breach(db, incident, at, f"first arrival at {format_uk(at)}")
    updated(db, incident, "arrived")
    return True


def check_breaches(db: Session, now: datetime | None = None) -> list[Incident]:
    """Find open incidents past their target with nobody arrived and not yet marked; record each
    breach (log entry, `command.target_breached` event). Safe to run from several processes."""
    now = now or utcnow()
    found = list(db.execute(
        select(Incident).where(Incident.status == "open", Incident.first_arrival_at.is_(None),
                               Incident.breached_at.is_(None), Incident.target_at <= now)
        .order_by(Incident.target_at).with_for_update(skip_locked=True)).scalars())
    for incident in found:
        _record_breach(db, incident, now, "nobody had arrived")
    return found


# --- closing ----------------------------------------------------------------------------------

def units_at_scene(db: Session, incident_id: uuid.UUID) -> list[str]:
    """Call signs of units still at the scene, from dispatch (none while dispatch is not installed)."""
    try:
        from onbeat.command.dispatch import service as dispatch
    except ModuleNotFoundError as exc:
        if exc.name in ("onbeat.command.dispatch", "onbeat.command.dispatch.service"):
            return []
        raise
    finder = getattr(dispatch, "units_at_scene", None)
    return list(finder(db, incident_id)) if finder else []


def close(db: Session, actor, incident: Incident, code: str, note: str, at: datetime | None = None) -> Incident:
    """Close with a closing code and note; refused while any unit is still at the scene."""
    if incident.status == "closed":
        raise Conflict(f"Incident {incident.log_number} was already closed at {format_uk(incident.closed_at)} "
                       f"({CLOSING_CODES[incident.closing_code]}).", hint="Add a log entry to record anything further.")
    if code not in CLOSING_CODES:
        raise BadRequest(f"{code!r} is not a known closing code.", field="closing_code",
                         hint="Use one of: " + ", ".join(CLOSING_CODES) + ".")
    note = (note or "").strip()
    if not note:
        raise BadRequest("A closing note is required.", field="closing_note",
                         hint="Say briefly what was done and the outcome.")
    at_scene = units_at_scene(db, incident.id)
    if at_scene:
        raise Conflict(f"Units are still at the scene of {incident.log_number}: {', '.join(at_scene)}.",
                       errors=[{"field": "units_at_scene", "message": call_sign} for call_sign in at_scene],
                       hint="Book each unit clear of the scene first, then close the incident.")
    at = at or utcnow()
    if incident.target_at and incident.first_arrival_at is None and incident.breached_at is None \
            and incident.target_at < at:
        _record_breach(db, incident, at, "closed with nobody having arrived")
    who = _actor(actor)
    incident.status, incident.closing_code, incident.closing_note = "closed", code, note
    incident.closed_at, incident.closed_by_id, incident.updated_at = at, who.id, at
    log(db, incident, who, "closed", f"Closed: {CLOSING_CODES[code]}. {note}", {"closing_code": code, "note": note},
        at=at)
    audit(db, who, "alter", "command.incident.closed", "incident", incident.id,
          detail={"log_number": incident.log_number, "closing_code": code})
    _emit(db, "incident_closed", incident)
    return incident


# --- notes and records ------------------------------------------------------------------------

def add_note(db: Session, actor, incident: Incident, text: str) -> IncidentLogEntry:
    text = (text or "").strip()
    if not text:
        raise BadRequest("The log entry is empty.", field="text", hint="Write what happened or what was done.")
    entry = log(db, incident, actor, "note", text)
    audit(db, _actor(actor), "alter", "command.incident.noted", "incident", incident.id,
          detail={"log_number": incident.log_number, "entry": entry.id})
    updated(db, incident, "note")
    return entry


def link_record(db: Session, actor, incident: Incident, reference: str) -> IncidentRecord:
    """Link a record (statement, crime report...) to the incident by its reference; logged."""
    from onbeat.records.core import service as records
    from onbeat.records.core.kinds import KINDS

    reference = (reference or "").strip().upper()
    record = records.by_reference(db, reference) if reference else None
    if record is None:
        raise BadRequest(f"There is no record with reference {reference!r}.", field="reference",
                         hint="Give the record's reference as shown on it, e.g. CRI/000123/26.")
    if record.incident_number == incident.log_number:
        raise Conflict(f"{record.reference} already carries this incident's number and is listed with it.",
                       field="reference")
    exists = db.get(IncidentRecord, (incident.id, record.id))
    if exists is not None:
        raise Conflict(f"{record.reference} is already linked to {incident.log_number}.", field="reference")
    who = _actor(actor)
    link = IncidentRecord(incident_id=incident.id, record_id=record.id, reference=record.reference,
                          linked_by_id=who.id)
    db.add(link)
    log(db, incident, who, "record_linked", f"Linked {KINDS[record.kind].label} {record.reference}.",
        {"record_id": str(record.id), "reference": record.reference, "kind": record.kind})
    audit(db, who, "combine", "command.incident.record_linked", "incident", incident.id,
          detail={"log_number": incident.log_number, "record": record.reference})
    updated(db, incident, "record_linked")
    return link


def linked_records(db: Session, incident: Incident) -> list:
    """Records carrying the incident's number, then those linked by hand (each once), newest first."""
    from onbeat.records.core import service as records

    found = {r.id: r for r in db.execute(records.search(incident_number=incident.log_number)).scalars()}
    for link in db.execute(select(IncidentRecord).where(IncidentRecord.incident_id == incident.id)).scalars():
        if link.record_id not in found:
            found[link.record_id] = records.get(db, link.record_id)
    return sorted(found.values(), key=lambda r: r.occurred_at, reverse=True)
