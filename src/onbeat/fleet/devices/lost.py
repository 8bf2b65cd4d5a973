"""Lost or stolen: anyone may report a device (their own, or one they are responsible for).

A report locks the device at once (a lock command, delivered at its next check-in) and schedules a
wipe for `wipe_at` (default 24 hours later; 0 wipes at once): the wipe is queued now with that
`not_before`, so no job has to remember it, and once due it supersedes anything still open. If the
device is found first, the scheduled wipe is cancelled. Everything is on the device's timeline."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import Conflict, Forbidden, NotFound
from onbeat.core.events.service import emit
from onbeat.core.time import utcnow
from onbeat.fleet.devices import commands
from onbeat.fleet.devices.models import Command, Device, LostReport
from onbeat.fleet.devices.service import SUBJECT, actor_of, note

DEFAULT_WIPE_AFTER = timedelta(hours=24)


def open_report(db: Session, device_id: uuid.UUID) -> LostReport | None:
    return db.execute(select(LostReport).where(LostReport.device_id == device_id, LostReport.found_at.is_(None))
                      ).scalar_one_or_none()


def may_report(principal, device: Device) -> bool:
    """Everyone may report their own device; fleet staff may report any."""
    return device.person_id == principal.id or principal.can("fleet.read")


def report(db: Session, principal, device: Device, kind: str, circumstances: str,
           wipe_after: timedelta | None = None) -> LostReport:
    """Report the device lost or stolen: lock now, wipe at `wipe_after` unless found. Refused for a
    device already reported (409), retired or wiped (409), or not the reporter's own when the
    reporter is not fleet staff (403)."""
    if not may_report(principal, device):
        raise Forbidden("You can report only your own device lost. Call the service desk about any other.")
    if device.status in ("retired", "wiped"):
        raise Conflict(f"{device.reference} is {device.status}: there is nothing left to lock or wipe.")
    if open_report(db, device.id) is not None:
        raise Conflict(f"{device.reference} has already been reported {kind}; it is locked and its wipe is scheduled.")
    actor = actor_of(principal)
    now = utcnow()
    wipe_after = DEFAULT_WIPE_AFTER if wipe_after is None else wipe_after
    lock = commands.queue(db, actor, device, "lock", {"message": "This device has been reported " + kind +
                                                      ". Hand it in at any police station."},
                          reason=f"Reported {kind}.")
    wipe = commands.queue(db, actor, device, "wipe", {}, reason=f"Reported {kind}: wipe unless found.",
                          not_before=now + wipe_after, expires_in=commands.DEFAULT_EXPIRY["wipe"])
    row = LostReport(device_id=device.id, kind=kind, circumstances=circumstances.strip(), reported_at=now,
                     reported_by=actor.id, reported_by_label=actor.label, wipe_at=now + wipe_after,
                     lock_command_id=lock.id, wipe_command_id=wipe.id)
    db.add(row)
    previous = device.status
    device.status = "lost"
    device.sign_in_blocked = True
    db.flush()
    audit(db, actor, "alter", "fleet.device.reported_lost", SUBJECT, device.id,
          detail={"kind": kind, "report_id": str(row.id), "wipe_at": row.wipe_at.isoformat(), "was": previous})
    note(db, device.id, "reported_lost", f"Reported {kind}: {row.circumstances} Locked now; wipe scheduled.", actor,
         {"report_id": str(row.id), "wipe_at": row.wipe_at.isoformat()})
    emit(db, "fleet", "device_reported_lost", {"device_id": device.id, "reference": device.reference, "kind": kind,
                                               "person_id": device.person_id, "wipe_at": row.wipe_at},
         permission="fleet.read")
    db.flush()
    return row


def found(db: Session, actor, device: Device, note_text: str | None = None) -> LostReport:
    """The device is back: the scheduled wipe is cancelled if it has not been delivered, the device
    is enrolled again (the lock stays until the user unlocks it). A delivered wipe cannot be called back."""
    actor = actor_of(actor)
    row = open_report(db, device.id)
    if row is None:
        raise NotFound(f"{device.reference} is not reported lost.")
    now = utcnow()
    wipe = db.get(Command, row.wipe_command_id) if row.wipe_command_id else None
    wipe_state = "none"
    if wipe is not None:
        if wipe.status == "pending":
            commands.cancel(db, actor, wipe, "The device was found.")
            wipe_state = "cancelled"
        else:
            wipe_state = wipe.status
    row.found_at, row.found_by_label = now, actor.label
    if device.status == "lost":
        device.status = "enrolled"
        device.sign_in_blocked = device.compliance_action_taken == "block_sign_in"
    audit(db, actor, "alter", "fleet.device.found", SUBJECT, device.id,
          detail={"report_id": str(row.id), "wipe": wipe_state, "note": note_text})
    note(db, device.id, "found", "Found" + (f": {note_text}" if note_text else ".") +
         {"cancelled": " The scheduled wipe is cancelled.", "delivered": " The wipe had already been sent.",
          "acknowledged": " The device had already been wiped."}.get(wipe_state, ""), actor,
         {"report_id": str(row.id)})
    emit(db, "fleet", "device_found", {"device_id": device.id, "reference": device.reference}, permission="fleet.read")
    db.flush()
    return row


def reports(open_only: bool = True) -> Select:
    stmt = select(LostReport, Device).join(Device, Device.id == LostReport.device_id)
    if open_only:
        stmt = stmt.where(LostReport.found_at.is_(None))
    return stmt.order_by(LostReport.reported_at.desc())
