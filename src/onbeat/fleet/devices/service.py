"""Devices: register a built device, issue its one-time enrolment code, enrol it, find it, its timeline.

Meeting points with the supply package (`onbeat.fleet.supply.service`):
- supply calls `register` when a build is marked built, and `enrolment_code` to print the code;
- when a device built for a request enrols, `enrol` calls supply's `device_enrolled`;
- policies are read through supply's `profile_policy` (`policy` below caches it briefly for check-ins).
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.events.service import emit
from onbeat.core.identity.models import User
from onbeat.core.references import next_reference
from onbeat.core.time import utcnow
from onbeat.fleet.devices import credentials
from onbeat.fleet.devices.models import STATUSES, Device, TimelineEntry

SUBJECT = "device"
REFERENCE_PREFIX = "DEV"
# How long a check-in trusts a profile's policies read earlier by the same process.
POLICY_CACHE_SECONDS = 30.0
_policy_cache: dict[uuid.UUID, tuple[float, dict]] = {}


def actor_of(who) -> Actor:
    """An Actor from an Actor or a Principal (the routes pass their principal)."""
    return who if isinstance(who, Actor) else who.actor


def device_actor(device: Device | None = None, serial: str | None = None) -> Actor:
    return Actor.system(f"device {serial or (device.serial if device else 'unknown')}")


# --- policies (owned by supply) ------------------------------------------------------------------

def policy(db: Session, profile_id: uuid.UUID, *, fresh: bool = False) -> dict:
    """The profile's policies, as supply's `profile_policy` gives them; cached per process for
    POLICY_CACHE_SECONDS (a change reaches devices through the command queue anyway)."""
    now = time.monotonic()
    hit = _policy_cache.get(profile_id)
    if hit and not fresh and now - hit[0] < POLICY_CACHE_SECONDS:
        return hit[1]
    from onbeat.fleet.supply.service import profile_policy

    value = profile_policy(db, profile_id)
    _policy_cache[profile_id] = (now, value)
    return value


def cached_policy(profile_id: uuid.UUID) -> dict | None:
    hit = _policy_cache.get(profile_id)
    if hit and time.monotonic() - hit[0] < POLICY_CACHE_SECONDS:
        return hit[1]
    return None


# --- the timeline ----------------------------------------------------------------------------------

def note(db: Session, device_id: uuid.UUID, kind: str, summary: str, actor: Actor | str,
         detail: dict | None = None, at: datetime | None = None) -> TimelineEntry:
    """Add a line to the device's timeline (in the caller's transaction)."""
    label = actor if isinstance(actor, str) else actor.label
    entry = TimelineEntry(device_id=device_id, kind=kind, summary=summary, actor_label=label,
                          detail=detail or {}, at=at or utcnow())
    db.add(entry)
    return entry


def timeline(device_id: uuid.UUID) -> Select:
    """The device's timeline, newest first."""
    return (select(TimelineEntry).where(TimelineEntry.device_id == device_id)
            .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()))


# --- registering and enrolling ---------------------------------------------------------------------

def register(db: Session, actor, *, serial: str, model_id: uuid.UUID, profile_id: uuid.UUID,
             person_id: uuid.UUID | None, request_id: uuid.UUID | None) -> Device:
    """Record a device that has been built (status `registered`, awaiting enrolment).

    Called by supply when a build is marked built, in its transaction (nothing is committed here).
    `serial` is as supply normalised it; a serial already registered is refused (409, field
    `serial`). The device gets a reference (`DEV/000123/26`), is audited and gets the first line of
    its timeline. Then call `enrolment_code` for the code the device enrols with."""
    actor = actor_of(actor)
    serial = serial.strip().upper()
    if not serial:
        raise BadRequest("A device needs its serial number.", field="serial")
    if db.execute(select(Device.id).where(Device.serial == serial)).scalar() is not None:
        raise Conflict(f"A device with serial {serial} is already registered.", field="serial",
                       hint="Check the label: each device has its own serial number.")
    device = Device(reference=next_reference(db, REFERENCE_PREFIX), serial=serial, model_id=model_id,
                    profile_id=profile_id, person_id=person_id, request_id=request_id, status="registered",
                    last_state={}, finding_codes=[], compliance_issues=[], compliance="unknown")
    db.add(device)
    db.flush()
    audit(db, actor, "collect", "fleet.device.registered", SUBJECT, device.id,
          detail={"reference": device.reference, "serial": serial, "request_id": str(request_id) if request_id else None,
                  "person_id": str(person_id) if person_id else None})
    note(db, device.id, "registered", f"Registered (serial {serial}), awaiting enrolment.", actor)
    db.flush()
    return device


def enrolment_code(db: Session, actor, device: Device) -> tuple[str, datetime]:
    """Issue the one-time code the device enrols with: (code like `7KQ2-M9XD-4TRC`, expires at).

    Any earlier unused code for the device stops working. Only the code's SHA-256 is kept, so the
    code must be shown (or printed, or turned into a QR code with `enrolment_qr`) now. Refused
    (409) for a device that is retired or wiped. In the caller's transaction."""
    actor = actor_of(actor)
    if device.status in ("retired",):
        raise Conflict(f"{device.reference} is retired: it cannot be enrolled again.")
    code, expires = credentials.issue_code(db, device.id, actor.label)
    audit(db, actor, "alter", "fleet.device.enrolment_code", SUBJECT, device.id,
          detail={"reference": device.reference, "expires_at": expires.isoformat()})
    note(db, device.id, "enrolment_code", "Enrolment code issued.", actor, {"expires_at": expires.isoformat()})
    db.flush()
    return code, expires


def enrolment_uri(code: str, server: str) -> str:
    """What the QR code holds: the server to talk to and the code."""
    from urllib.parse import urlencode

    return "onbeat-enrol:?" + urlencode({"server": server.rstrip("/"), "code": code})


def enrolment_qr(code: str, server: str) -> str:
    """An inline SVG QR code for the enrolment code (segno: no image library needed)."""
    import segno

    return segno.make(enrolment_uri(code, server), error="m").svg_inline(scale=4, title="Enrolment QR code")


def enrol(db: Session, code: str, *, serial: str, os_name: str | None = None, os_version: str | None = None,
          agent_version: str | None = None) -> tuple[Device, str, dict]:
    """A device presents its one-time code: it is bound to its record and gets its first credential.

    Returns (device, the credential's token, the profile's policy). Refused: an unknown or expired
    code (400, field `code`), a code already used (409: a replay), a serial that is not the one the
    code was issued for (409), a retired device (409). Commits nothing (the caller commits)."""
    found = credentials.find_code(db, code)
    actor = Actor.system(f"device {serial}")
    now = utcnow()
    if found is None:
        raise BadRequest("That enrolment code is not known.", field="code",
                         hint="Check the code on the delivery note, or ask the fleet team for a new one.")
    device = db.execute(select(Device).where(Device.id == found.device_id).with_for_update()).scalar_one()
    if found.used_at is not None:
        audit(db, actor, "alter", "fleet.device.enrolment_replayed", SUBJECT, device.id,
              detail={"reference": device.reference, "used_at": found.used_at.isoformat()})
        note(db, device.id, "enrolment_refused", "A used enrolment code was presented again and refused.", actor)
        db.commit()
        raise Conflict("That enrolment code has already been used.", field="code",
                       hint="Each code enrols once. Ask the fleet team for a new code if the device must enrol again.")
    if found.withdrawn_at is not None or found.expires_at <= now:
        raise BadRequest("That enrolment code has expired or been replaced by a newer one.", field="code",
                         hint="Ask the fleet team for a new enrolment code.")
    if serial.strip().upper() != device.serial:
        raise Conflict(f"That code was issued for another device, not serial {serial.strip().upper()}.",
                       field="serial", hint="Enrol the device whose serial is on the delivery note.")
    if device.status == "retired":
        raise Conflict(f"{device.reference} is retired and cannot be enrolled.")
    found.used_at = found.withdrawn_at = now
    credentials.revoke_all(db, device.id, "re-enrolled")
    token, _ = credentials.issue(db, device.id, now)
    was = device.status
    device.status = "enrolled"
    device.enrolled_at = now
    device.os_name, device.os_version, device.agent_version = os_name, os_version, agent_version
    device.compliance, device.compliance_issues, device.noncompliant_since = "unknown", [], None
    device.compliance_action_taken, device.sign_in_blocked = None, False
    device.checkin_count = 0
    audit(db, actor, "alter", "fleet.device.enrolled", SUBJECT, device.id,
          detail={"reference": device.reference, "serial": device.serial, "was": was})
    note(db, device.id, "enrolled", f"Enrolled{' again' if was != 'registered' else ''}"
         f"{f' ({os_name} {os_version})' if os_name else ''}.", actor)
    emit(db, "fleet", "device_enrolled", {"device_id": device.id, "reference": device.reference,
                                          "serial": device.serial, "request_id": device.request_id},
         permission="fleet.read")
    if device.request_id is not None:
        from onbeat.fleet.supply.service import device_enrolled

        device_enrolled(db, device.request_id, device.id)
    db.flush()
    return device, token, policy(db, device.profile_id, fresh=True)


# --- finding and changing devices -----------------------------------------------------------------

def get(db: Session, device_id: uuid.UUID, *, lock: bool = False) -> Device:
    stmt = select(Device).where(Device.id == device_id)
    device = db.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if device is None:
        raise NotFound(f"There is no device with id {device_id}.")
    return device


def search(*, status: str | None = None, compliance: str | None = None, q: str | None = None,
           profile_id: uuid.UUID | None = None, person_id: uuid.UUID | None = None) -> Select:
    """(Device, User or None) rows, most recently seen first. `q`: reference, serial, or the
    assigned person's name or collar number."""
    stmt = select(Device, User).outerjoin(User, User.id == Device.person_id)
    if status:
        if status not in STATUSES:
            raise BadRequest(f"Unknown status {status!r}.", field="status", hint="One of: " + ", ".join(STATUSES))
        stmt = stmt.where(Device.status == status)
    if compliance:
        stmt = stmt.where(Device.compliance == compliance)
    if profile_id:
        stmt = stmt.where(Device.profile_id == profile_id)
    if person_id:
        stmt = stmt.where(Device.person_id == person_id)
    if q and q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Device.reference.ilike(like), Device.serial.ilike(like), User.family_name.ilike(like),
                              User.given_name.ilike(like), User.collar_number.ilike(like)))
    return stmt.order_by(Device.last_checkin_at.desc().nulls_last(), Device.reference)


def for_person(db: Session, person_id: uuid.UUID) -> list[Device]:
    """The devices assigned to a member of staff (a person may report their own device lost)."""
    return list(db.execute(select(Device).where(Device.person_id == person_id, Device.status != "retired")
                           .order_by(Device.reference)).scalars())


def consult(db: Session, actor, device: Device, purpose: str | None = None) -> None:
    """Record a look at a device's record (it names the person it is assigned to)."""
    audit(db, actor_of(actor), "consult", "fleet.device.viewed", SUBJECT, device.id, purpose=purpose,
          detail={"reference": device.reference})


def retire(db: Session, actor, device: Device, reason: str) -> Device:
    """Take a device out of service: its credentials stop working and it takes no more commands."""
    actor = actor_of(actor)
    if device.status == "retired":
        return device
    if not reason or len(reason.strip()) < 3:
        raise BadRequest("Say why the device is retired.", field="reason")
    from onbeat.fleet.devices import commands

    commands.cancel_open(db, device.id, "the device was retired")
    credentials.revoke_all(db, device.id, "retired")
    device.status, device.retired_at = "retired", utcnow()
    audit(db, actor, "alter", "fleet.device.retired", SUBJECT, device.id,
          detail={"reference": device.reference, "reason": reason.strip()})
    note(db, device.id, "retired", f"Retired: {reason.strip()}", actor)
    emit(db, "fleet", "device_retired", {"device_id": device.id, "reference": device.reference},
         permission="fleet.read")
    db.flush()
    return device


def sign_in_blocked(db: Session, device_id: uuid.UUID) -> bool:
    """Whether compliance has blocked sign-in on the device (the officer app asks before sign-in)."""
    device = get(db, device_id)
    return device.sign_in_blocked or device.status in ("lost", "wiped", "retired")
