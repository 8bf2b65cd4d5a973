"""Device requests and their states, and what the devices package calls.

A request is for one member of staff: their role gives the profile (unless one is named), the
profile gives the device model (unless one is named). It moves through

    requested → approved → building → built → checked → out for delivery → delivered → enrolled

and can fail (during build or checks) or be returned (not delivered, or handed back); a failed or
returned request goes back into the build queue (approved) or, if the device is sound, back to
checked for another delivery. `ALLOWED` is the whole state machine: any other step is a 409 that
names the steps allowed.

Meeting points with the devices package (`onbeat.fleet.devices`):
- `mark_built` registers the built device there (`devices.service.register`) and keeps its id;
- the devices package calls `device_enrolled(db, request_id, device_id)` when the device enrols;
- `profile_policy(db, profile_id)` is what a device on a profile enforces and what compliance is
  judged against; changing a profile queues `push_configuration` to every device on it (see
  `catalogue.update_profile`).

Every read and change of a request is audited (it is personal data about the recipient); every
change also emits `fleet.device_request_changed` (ids and states only) for live pages and the CMDB.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.events.service import emit
from onbeat.core.identity.models import Station, User
from onbeat.core.permissions import ROLES
from onbeat.core.references import next_reference
from onbeat.core.time import utcnow
from onbeat.fleet.supply.models import STATES, DeviceModel, DeviceRequest, Profile, RequestEvent

SUBJECT = "device_request"
ALLOWED: dict[str, tuple[str, ...]] = {
    "requested": ("approved", "cancelled"),
    "approved": ("building", "cancelled"),
    "building": ("built", "failed"),
    "built": ("checked", "failed"),
    "checked": ("out_for_delivery", "failed"),
    "out_for_delivery": ("delivered", "returned"),
    "delivered": ("enrolled", "returned"),
    "enrolled": ("returned",),
    "failed": ("approved", "cancelled"),
    "returned": ("checked", "approved", "cancelled"),
    "cancelled": (),
}
# Steps taken by their own actions, which carry what the plain step lacks.
SPECIAL = {"built": "mark it built with the device's serial number",
           "out_for_delivery": "start the delivery run it is on",
           "delivered": "record the delivery on the driver's page (signature or delivery code)",
           "enrolled": "enrol the device with its enrolment code"}
# A step that needs a reason written down.
NEEDS_NOTE = {"failed", "returned", "cancelled"}
SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9-]{3,39}$")


# --- profiles: what devices enforce ------------------------------------------------------------

def get_profile(db: Session, profile_id: uuid.UUID) -> Profile:
    profile = db.get(Profile, profile_id)
    if profile is None:
        raise NotFound(f"There is no device profile with id {profile_id}.")
    return profile


def profile_policy(db: Session, profile_id: uuid.UUID) -> dict:
    """The profile as the device and compliance see it: software bundle, settings and policies.

    Keys: profile_id, code, name, version, role, software [{name, version}], settings {},
    wrong_pin_limit (wrong PINs before the device wipes itself), auto_lock_minutes,
    min_os_version, encryption_required, allowed_networks [SSID], vpn_required, vpn_profile,
    checkin {fast_seconds, slow_seconds, fast_for_hours} (fast after enrolment, then slow),
    compliance {grace_hours, action: notify | block_sign_in | wipe}.
    Raises NotFound for an unknown profile."""
    p = get_profile(db, profile_id)
    return {
        "profile_id": str(p.id), "code": p.code, "name": p.name, "version": p.version, "role": p.role,
        "software": list(p.software or []), "settings": dict(p.settings or {}),
        "wrong_pin_limit": p.wrong_pin_limit, "auto_lock_minutes": p.auto_lock_minutes,
        "min_os_version": p.min_os_version, "encryption_required": p.encryption_required,
        "allowed_networks": list(p.allowed_networks or []), "vpn_required": p.vpn_required,
        "vpn_profile": p.vpn_profile,
        "checkin": {"fast_seconds": p.checkin_fast_seconds, "slow_seconds": p.checkin_slow_seconds,
                    "fast_for_hours": p.fast_checkin_hours},
        "compliance": {"grace_hours": p.compliance_grace_hours, "action": p.compliance_action},
    }


def default_profile(db: Session, role: str) -> Profile | None:
    return db.execute(select(Profile).where(Profile.role == role, Profile.is_default, Profile.active)).scalar()


# --- requests ----------------------------------------------------------------------------------

@dataclass
class NewRequest:
    """What a request needs; role, profile and model are worked out from each other if left out."""

    person_id: uuid.UUID
    role: str | None = None
    profile_id: uuid.UUID | None = None
    device_model_id: uuid.UUID | None = None
    needs: str | None = None
    extra_software: tuple[str, ...] = ()
    urgent: bool = False
    delivery_address: str | None = None
    delivery_postcode: str | None = None


def get(db: Session, request_id: uuid.UUID, *, lock: bool = False) -> DeviceRequest:
    stmt = select(DeviceRequest).where(DeviceRequest.id == request_id)
    row = db.execute(stmt.with_for_update() if lock else stmt).scalar()
    if row is None:
        raise NotFound(f"There is no device request with id {request_id}.")
    return row


def by_reference(db: Session, reference: str) -> DeviceRequest:
    row = db.execute(select(DeviceRequest).where(DeviceRequest.reference == reference.strip().upper())).scalar()
    if row is None:
        raise NotFound(f"There is no device request {reference!r}.", hint="References look like DEVREQ/000123/26.")
    return row


def resolve(db: Session, data: NewRequest, field_prefix: str = "") -> tuple[User, str, Profile, DeviceModel]:
    """The recipient, role, profile and model a request will have, or a BadRequest naming the field."""
    person = db.get(User, data.person_id)
    if person is None or not person.active:
        raise BadRequest(f"There is no active member of staff with id {data.person_id}.",
                         field=field_prefix + "person_id", hint="Choose the recipient from the staff list.")
    if data.profile_id is not None:
        profile = db.get(Profile, data.profile_id)
        if profile is None or not profile.active:
            raise BadRequest(f"There is no active device profile with id {data.profile_id}.",
                             field=field_prefix + "profile_id", hint="Choose a profile from the list of profiles.")
        role = data.role or profile.role
    else:
        role = data.role or _main_role(person)
        if role not in ROLES:
            raise BadRequest(f"{role!r} is not a role: use one of {', '.join(ROLES)}.", field=field_prefix + "role")
        profile = default_profile(db, role)
        if profile is None:
            raise BadRequest(f"No device profile is set up for the role {role!r}.", field=field_prefix + "role",
                             hint="Name a profile, or ask a fleet engineer to make one the default for this role.")
    if role not in ROLES:
        raise BadRequest(f"{role!r} is not a role: use one of {', '.join(ROLES)}.", field=field_prefix + "role")
    model_id = data.device_model_id or profile.device_model_id
    model = db.get(DeviceModel, model_id)
    if model is None or not model.active:
        raise BadRequest(f"There is no device model in the catalogue with id {model_id}.",
                         field=field_prefix + "device_model_id", hint="Choose a model from the catalogue.")
    return person, role, profile, model


def _main_role(person: User) -> str | None:
    return next((r for r in ROLES if r in person.role_names), None)


def create(db: Session, actor: Actor, data: NewRequest, *, import_id: uuid.UUID | None = None,
           import_line: int | None = None) -> DeviceRequest:
    """Record a request (state `requested`) for the delivery address given or the recipient's station."""
    person, role, profile, model = resolve(db, data)
    station = person.station
    if station is None:
        raise BadRequest(f"{person.display_name} has no station, so the delivery area is unknown.",
                         field="person_id", hint="Set their station on their account first.")
    address = (data.delivery_address or "").strip() or station.address
    postcode = (data.delivery_postcode or "").strip().upper() or station.postcode
    row = DeviceRequest(
        id=uuid.uuid4(), reference=next_reference(db, "DEVREQ"), person_id=person.id, role=role, profile_id=profile.id,
        device_model_id=model.id, needs=(data.needs or "").strip() or None,
        extra_software=[s.strip() for s in data.extra_software if s.strip()], urgent=data.urgent, state="requested",
        station_id=station.id, delivery_address=address[:300], delivery_postcode=postcode[:10],
        requested_by=actor.id, requested_at=utcnow(), updated_at=utcnow(), import_id=import_id,
        import_line=import_line)
    db.add(row)
    db.flush()
    _history(db, actor, row, None, "requested", None)
    audit(db, actor, "collect", "fleet.request.created", SUBJECT, row.id,
          detail={"reference": row.reference, "person_id": str(person.id), "role": role, "profile": profile.code,
                  "model": model.code, "import_id": str(import_id) if import_id else None})
    _changed(db, row, None)
    return row


def _history(db: Session, actor: Actor, row: DeviceRequest, before: str | None, after: str, note: str | None) -> None:
    db.add(RequestEvent(request_id=row.id, from_state=before, to_state=after, actor_id=actor.id,
                        actor_label=actor.label[:200], note=note, at=utcnow()))


def _changed(db: Session, row: DeviceRequest, before: str | None) -> None:
    emit(db, "fleet", "device_request_changed",
         {"id": row.id, "reference": row.reference, "state": row.state, "from": before, "station_id": row.station_id,
          "device_id": row.device_id, "run_id": row.run_id}, permission="fleet.read")


def refuse(row: DeviceRequest, to: str) -> Conflict:
    allowed = ALLOWED[row.state]
    steps = ", ".join(STATES[s].lower() for s in allowed) if allowed else "nothing (it is closed)"
    return Conflict(f"{row.reference} is {STATES[row.state].lower()}: it cannot go to {STATES[to].lower()}. "
                    f"From {STATES[row.state].lower()} it can go to: {steps}.", field="to",
                    errors=[{"field": "to", "message": f"allowed: {', '.join(allowed) or 'none'}"}],
                    hint="Reload the request to see its current state.")


def _step(db: Session, actor: Actor, row: DeviceRequest, to: str, note: str | None = None,
          detail: dict | None = None) -> DeviceRequest:
    """Move `row` (locked by the caller) to `to`, with history, audit and event; no checks but the machine."""
    if to not in STATES:
        raise BadRequest(f"{to!r} is not a request state: use one of {', '.join(STATES)}.", field="to")
    if to not in ALLOWED[row.state]:
        raise refuse(row, to)
    before, now = row.state, utcnow()
    row.state, row.updated_at = to, now
    if to == "approved":
        row.approved_at = now
        row.problem = None
        row.device_enrolled_at = None
    if to in NEEDS_NOTE:
        row.problem = note
    _history(db, actor, row, before, to, note)
    audit(db, actor, "alter", "fleet.request.state_changed", SUBJECT, row.id,
          detail={"reference": row.reference, "from": before, "to": to, "note": note, **(detail or {})})
    db.flush()
    _changed(db, row, before)
    return row


def transition(db: Session, actor: Actor, row: DeviceRequest, to: str, note: str | None = None) -> DeviceRequest:
    """A plain step of the machine: approve, start building, check, fail, return, cancel, requeue.
    The steps that need more (a serial, a run, a signature) say which action takes them."""
    note = (note or "").strip()[:500] or None
    if to in STATES and to in ALLOWED.get(row.state, ()) and to in SPECIAL:
        raise BadRequest(f"To move {row.reference} to {STATES[to].lower()}, {SPECIAL[to]}.", field="to")
    if to in NEEDS_NOTE and to in ALLOWED.get(row.state, ()) and not note:
        raise BadRequest(f"Say why {row.reference} is {STATES[to].lower()}.", field="note",
                         hint="Write what went wrong, so the next person knows.")
    if to == "checked" and row.state in ("built", "returned"):
        row.run_id, row.stop_order = None, None
        row.delivery_code = row.delivery_code or new_delivery_code()
    return _step(db, actor, row, to, note)


def new_delivery_code() -> str:
    """Six digits the recipient reads to the driver when they cannot sign."""
    return f"{secrets.randbelow(1_000_000):06d}"


def normal_serial(value: str) -> str:
    serial = re.sub(r"\s+", "", value or "").upper()
    if not SERIAL.fullmatch(serial):
        raise BadRequest(f"{value!r} is not a serial number: 4 to 40 letters, digits and dashes.", field="serial",
                         hint="Type the serial from the label on the device, or scan its barcode.")
    return serial


def mark_built(db: Session, actor: Actor, row: DeviceRequest, serial: str) -> DeviceRequest:
    """building → built: the device with this serial is registered with the devices package, on the
    request's profile, for its recipient; the request keeps the device's id."""
    serial = normal_serial(serial)
    if "built" not in ALLOWED[row.state]:
        raise refuse(row, "built")
    taken = db.execute(select(DeviceRequest.reference).where(DeviceRequest.serial == serial,
                                                             DeviceRequest.id != row.id)).scalar()
    if taken:
        raise Conflict(f"The serial {serial} is already on {taken}.", field="serial",
                       hint="Check the label: each device has its own serial number.")
    from onbeat.fleet.devices import service as devices

    device = devices.register(db, actor, serial=serial, model_id=row.device_model_id, profile_id=row.profile_id,
                              person_id=row.person_id, request_id=row.id)
    row.serial, row.device_id, row.built_at = serial, device.id, utcnow()
    return _step(db, actor, row, "built", detail={"serial": serial, "device_id": str(device.id)})


def device_enrolled(db: Session, request_id: uuid.UUID, device_id: uuid.UUID,
                    actor: Actor | None = None) -> DeviceRequest | None:
    """Called by the devices package, in its enrolment transaction, when the device built for
    `request_id` enrols. A delivered request becomes `enrolled`; one already enrolled with this
    device is left as it is (a repeated call changes nothing). A device that enrols before its
    delivery is recorded (the recipient enrolling at the door, or the build room testing it) is
    remembered, and the request becomes enrolled as soon as the delivery is recorded. Returns the
    request, or None when there is no such request (a device enrolled without one)."""
    row = db.execute(select(DeviceRequest).where(DeviceRequest.id == request_id).with_for_update()).scalar()
    if row is None:
        return None
    actor = actor or Actor.system("device enrolment")
    if row.state == "enrolled" and row.device_id == device_id:
        return row
    row.device_id, row.device_enrolled_at = device_id, utcnow()
    if row.state == "delivered":
        return _step(db, actor, row, "enrolled", detail={"device_id": str(device_id)})
    _history(db, actor, row, row.state, row.state, "The device enrolled before its delivery was recorded.")
    audit(db, actor, "alter", "fleet.request.device_enrolled", SUBJECT, row.id,
          detail={"reference": row.reference, "device_id": str(device_id), "state": row.state})
    db.flush()
    return row


def enrolled_on_delivery(db: Session, actor: Actor, row: DeviceRequest) -> None:
    """Just delivered, and the device had already enrolled: the request is enrolled too."""
    if row.state == "delivered" and row.device_enrolled_at is not None:
        _step(db, actor, row, "enrolled", note="The device had enrolled before the delivery was recorded.",
              detail={"device_id": str(row.device_id)})


def consult(db: Session, actor: Actor, row: DeviceRequest, purpose: str) -> None:
    audit(db, actor, "consult", "fleet.request.viewed", SUBJECT, row.id, purpose=purpose,
          detail={"reference": row.reference})


def history(row_id: uuid.UUID) -> Select:
    return select(RequestEvent).where(RequestEvent.request_id == row_id).order_by(RequestEvent.id)


def search(*, state: str | None = None, station_id: uuid.UUID | None = None, q: str | None = None,
           run_id: uuid.UUID | None = None, import_id: uuid.UUID | None = None) -> Select:
    """(DeviceRequest, User) rows, newest first, filtered. `q`: reference, serial, name or number."""
    stmt = select(DeviceRequest, User).join(User, User.id == DeviceRequest.person_id)
    if state:
        stmt = stmt.where(DeviceRequest.state == state)
    if station_id:
        stmt = stmt.where(DeviceRequest.station_id == station_id)
    if run_id:
        stmt = stmt.where(DeviceRequest.run_id == run_id)
    if import_id:
        stmt = stmt.where(DeviceRequest.import_id == import_id)
    if q:
        like = "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(DeviceRequest.reference.ilike(like), DeviceRequest.serial.ilike(like),
                              User.family_name.ilike(like), User.given_name.ilike(like),
                              User.collar_number.ilike(like), User.staff_number.ilike(like)))
    return stmt.order_by(DeviceRequest.requested_at.desc(), DeviceRequest.reference.desc())


def station(db: Session, station_id: uuid.UUID) -> Station:
    found = db.get(Station, station_id)
    if found is None:
        raise NotFound(f"There is no station with id {station_id}.")
    return found
