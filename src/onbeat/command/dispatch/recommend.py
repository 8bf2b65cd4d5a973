"""The dispatch recommendation: suitable available units ranked by ETA, and why others were left out.

Filtering happens in SQL (status, skills by array containment `skills @> :needed`, a bounding box
around the incident). SQL also shortlists the nearest suitable units by a straight-line ETA; the
`EtaModel` (great circle now, a road-routing engine later) then orders the shortlist.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import String

from onbeat.command.dispatch.eta import DETOUR, SPEEDS_KMH, EtaModel, GreatCircleEta, great_circle_m
from onbeat.command.incidents import service as incidents
from onbeat.command.incidents.models import Incident
from onbeat.command.resources.service import STATUS_LABELS
from onbeat.core.errors import Conflict
from onbeat.core.time import utcnow


class DispatchSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ONBEAT_DISPATCH_", extra="ignore")

    # Units further than this from the incident are not considered.
    search_radius_km: float = Field(40.0, gt=0)
    # How many suitable units the recommendation lists.
    recommend_limit: int = Field(10, ge=1, le=100)
    # How many of the nearest units left out are listed with their reason.
    excluded_limit: int = Field(10, ge=0, le=100)
    # A location older than this is flagged in the reason.
    stale_location_minutes: int = Field(15, ge=1)


_cache: dict[tuple, DispatchSettings] = {}


def dispatch_settings() -> DispatchSettings:
    """Read again whenever an ONBEAT_DISPATCH_ variable changes, otherwise cached (reading them costs
    about a millisecond, a tenth of a recommendation)."""
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.upper().startswith("ONBEAT_DISPATCH_")))
    found = _cache.get(key)
    if found is None:
        if len(_cache) > 32:
            _cache.clear()
        found = _cache[key] = DispatchSettings()
    return found


@dataclass
class Candidate:
    unit_id: str
    call_sign: str
    unit_type: str
    status: str
    skills: list[str]
    distance_m: float
    eta_s: float
    location_at: object
    reason: str = ""


@dataclass
class Left:
    unit_id: str
    call_sign: str
    status: str
    why: str
    distance_m: float | None


@dataclass
class Recommendation:
    incident_id: str
    log_number: str
    needed: list[str]
    urban: bool
    units: list[Candidate] = field(default_factory=list)
    excluded: list[Left] = field(default_factory=list)
    excluded_counts: dict[str, int] = field(default_factory=dict)


# Approximate km on the ground: equirectangular, good to a fraction of a percent over a county.
_KM = "sqrt(power((latitude - :lat) * 111.195, 2) + power((longitude - :lon) * 111.195 * :coslat, 2))"
# The search area: a square about the incident (cheap to test, and an index can serve it).
_BOX = "latitude between :lat0 and :lat1 and longitude between :lon0 and :lon1"
# Boxes tried in turn, km: most incidents find their units in the first.
_STEPS_KM = (4.0, 12.0)
_shortlists: dict = {}


def _shortlist_sql(model: EtaModel, urban: bool):
    speeds = getattr(model, "speeds", SPEEDS_KMH)
    key = (tuple(sorted((t, tuple(v)) for t, v in speeds.items())), urban)
    if key not in _shortlists:
        column = 0 if urban else 1
        case = " ".join(f"when '{t}' then {float(v[column])}" for t, v in speeds.items() if t.isidentifier())
        _shortlists[key] = text(
            f"select id, call_sign, unit_type, status, skills, latitude, longitude, location_at from units "
            f"where status = 'available' and skills @> :needed and {_BOX} "
            f"order by {_KM} / (case unit_type {case} else 30.0 end) limit :k"
        ).bindparams(bindparam("needed", type_=ARRAY(String)))
    return _shortlists[key]


def _combined_sql(model: EtaModel, urban: bool):
    """The first square's shortlist, the nearest units left out in it, and every unit counted by
    reason, in one statement (one round trip: under load each round trip waits for a core)."""
    key = ("combined", urban, id(_shortlist_sql(model, urban)))
    if key not in _shortlists:
        shortlist = _shortlist_sql(model, urban).text.replace(":k", ":k_short")
        left = _NEAREST_LEFT.text.replace(":k", ":k_left")
        counts = _COUNTS.text.replace(":lat0", ":r_lat0").replace(":lat1", ":r_lat1").replace(
            ":lon0", ":r_lon0").replace(":lon1", ":r_lon1")
        _shortlists[key] = text(
            f"with s as ({shortlist}), l as ({left}), c as ({counts}) "
            "select 's' as part, id, call_sign, unit_type, status, skills, latitude, longitude, location_at, "
            "cast(null as text) as log_number, cast(null as text) as stage, cast(null as text) as why, "
            "cast(null as bigint) as n from s "
            "union all select 'l', id, call_sign, null, status, skills, latitude, longitude, null, log_number, "
            "stage, null, null from l "
            "union all select 'c', null, null, null, null, null, null, null, null, null, null, why, count from c"
        ).bindparams(bindparam("needed", type_=ARRAY(String)))
    return _shortlists[key]


_COUNTS = text(
    "select case when status <> 'available' then status "
    "when not (skills @> :needed) then 'missing_skill' "
    "when latitude is null then 'no_location' "
    f"when not ({_BOX}) then 'too_far' else 'suitable' end as why, count(*) "
    "from units group by 1").bindparams(bindparam("needed", type_=ARRAY(String)))

_NEAREST_LEFT = text(
    "select u.id, u.call_sign, u.status, u.skills, u.latitude, u.longitude, "
    "i.log_number, a.stage from units u "
    "left join assignments a on a.unit_id = u.id and a.cleared_at is null "
    "left join incidents i on i.id = a.incident_id "
    f"where u.latitude is not null and u.{_BOX.replace(' and longitude', ' and u.longitude')} "
    "and (u.status <> 'available' or not (u.skills @> :needed)) "
    f"order by {_KM.replace('latitude', 'u.latitude').replace('longitude', 'u.longitude')} limit :k"
).bindparams(bindparam("needed", type_=ARRAY(String)))


def _box(lat: float, lon: float, km: float) -> dict:
    dlat = km / 111.195
    dlon = km / (111.195 * max(0.01, math.cos(math.radians(lat))))
    return {"lat0": lat - dlat, "lat1": lat + dlat, "lon0": lon - dlon, "lon1": lon + dlon}


def _why_left(status: str, skills: list[str], needed: set[str], log_number: str | None, stage: str | None) -> str:
    if status != "available":
        if log_number:
            return f"{STATUS_LABELS[status].lower()} at {log_number}"
        return STATUS_LABELS[status].lower()
    missing = sorted(needed - set(skills or []))
    return "missing skill: " + ", ".join(missing)


def _steps(settings: DispatchSettings) -> list[float]:
    return [km for km in _STEPS_KM if km < settings.search_radius_km] + [settings.search_radius_km]


def _enough(model: EtaModel, incident: Incident, rows, km: float, params: dict, settings: DispatchSettings) -> bool:
    """Whether a square of `km` settled the shortlist: no unit outside it could beat the shortlist's
    slowest (nothing is missed: the bound uses the fastest unit type)."""
    if len(rows) < settings.recommend_limit:
        return False
    speeds = getattr(model, "speeds", SPEEDS_KMH)
    fastest = max(v[0 if incident.urban else 1] for v in speeds.values())
    etas = sorted(model.eta_seconds(r.unit_type, r.latitude, r.longitude, params["lat"], params["lon"],
                                    incident.urban) for r in rows)
    # Anyone outside the square is at least `km` away in a straight line.
    return etas[settings.recommend_limit - 1] <= km * 1000 / (fastest / 3.6)


def _nearest_suitable(db: Session, model: EtaModel, incident: Incident, params: dict, settings: DispatchSettings,
                      steps: list[float] | None = None):
    """The shortlist, searching a small square first and widening only when a unit outside it
    could still beat the shortlist's slowest."""
    stmt = _shortlist_sql(model, incident.urban)
    k = settings.recommend_limit * 3
    steps = steps or _steps(settings)
    for km in steps:
        rows = db.execute(stmt, {**params, **_box(params["lat"], params["lon"], km), "k": k}).all()
        if km == steps[-1] or _enough(model, incident, rows, km, params, settings):
            return rows
    return rows


def _nearest_left(db: Session, incident: Incident, params: dict, settings: DispatchSettings,
                  steps: list[float] | None = None):
    steps = steps or _steps(settings)
    for km in steps:
        rows = db.execute(_NEAREST_LEFT, {**params, **_box(params["lat"], params["lon"], km),
                                          "k": settings.excluded_limit}).all()
        if len(rows) >= settings.excluded_limit or km == steps[-1]:
            return rows


def recommend(db: Session, incident: Incident, model: EtaModel | None = None) -> Recommendation:
    model = model or GreatCircleEta()
    settings = dispatch_settings()
    if incident.status != "open":
        raise Conflict(f"Incident {incident.log_number} is closed; nothing is dispatched to it.")
    if incident.latitude is None:
        raise Conflict(f"Incident {incident.log_number} has no location, so units cannot be ranked by distance.",
                       field="latitude", hint="Add the incident's coordinates, or assign a unit by hand.")
    needed = sorted(incidents.required_skills(incident.incident_type))
    lat, lon = incident.latitude, incident.longitude
    params = {"lat": lat, "lon": lon, "coslat": math.cos(math.radians(lat)), "needed": needed,
              **_box(lat, lon, settings.search_radius_km)}
    rec = Recommendation(str(incident.id), incident.log_number, needed, incident.urban)

    # One round trip for the common case (the first square settles it), more only when it does not.
    steps = _steps(settings)
    whole = {"r_" + k: v for k, v in _box(lat, lon, settings.search_radius_km).items()}
    first = {**params, **_box(lat, lon, steps[0]), **whole, "k_short": settings.recommend_limit * 3,
             "k_left": settings.excluded_limit}
    parts: dict[str, list] = {"s": [], "l": [], "c": []}
    for r in db.execute(_combined_sql(model, incident.urban), first).all():
        parts[r.part].append(r)
    rows = parts["s"]
    if len(steps) > 1 and not _enough(model, incident, rows, steps[0], params, settings):
        rows = _nearest_suitable(db, model, incident, params, settings, steps[1:])
    left_rows = parts["l"]
    if settings.excluded_limit and len(left_rows) < settings.excluded_limit and len(steps) > 1:
        left_rows = _nearest_left(db, incident, params, settings, steps[1:])
    now = utcnow()
    for r in rows:
        metres = great_circle_m(r.latitude, r.longitude, lat, lon)
        eta = model.eta_seconds(r.unit_type, r.latitude, r.longitude, lat, lon, incident.urban)
        c = Candidate(str(r.id), r.call_sign, r.unit_type, r.status, list(r.skills or []), metres, eta, r.location_at)
        matched = ", ".join(needed) if needed else "none needed"
        c.reason = (f"{STATUS_LABELS[r.status]}; skills matched: {matched}; {metres / 1000:.1f} km away "
                    f"({'urban' if incident.urban else 'rural'} roads x{DETOUR[incident.urban]}); "
                    f"ETA {eta / 60:.0f} min")
        if r.location_at is None:
            c.reason += "; location never reported by a device"
        elif (now - r.location_at).total_seconds() > settings.stale_location_minutes * 60:
            c.reason += f"; last location {int((now - r.location_at).total_seconds() // 60)} min old"
        rec.units.append(c)
    rec.units.sort(key=lambda c: (c.eta_s, c.call_sign))
    del rec.units[settings.recommend_limit:]

    rec.excluded_counts = {r.why: r.n for r in parts["c"] if r.why != "suitable"}
    if settings.excluded_limit:
        for r in left_rows:
            rec.excluded.append(Left(str(r.id), r.call_sign, r.status,
                                     _why_left(r.status, r.skills, set(needed), r.log_number, r.stage),
                                     great_circle_m(r.latitude, r.longitude, lat, lon)))
    return rec
