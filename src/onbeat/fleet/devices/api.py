"""Device API: the fleet engineer's routes (devices, commands, findings, lost or stolen). The routes
devices call with their own credential, under `/api/fleet/device/`, are `device_api` (mounted first
by the app: they carry the check-in load)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from onbeat.core.errors import COMMON_PROBLEMS, problems
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Requires
from onbeat.db import get_db
from onbeat.fleet.devices import commands, diagnosis, lost, service
from onbeat.fleet.devices.schemas import (CodeOut, CommandIn, DeviceOut, DevicePage, FindingOut, FindingPage, FoundIn,
                                          LostIn, LostOut, QueuedOut, RetireIn, TimelineOut)

router = APIRouter(prefix="/api/fleet", tags=["fleet"], responses=problems(*COMMON_PROBLEMS))
DB = Annotated[Session, Depends(get_db)]
Status = Literal["registered", "enrolled", "lost", "wiped", "retired"]
Compliance = Literal["unknown", "compliant", "grace", "noncompliant"]
FindingCode = Literal[tuple(diagnosis.RULES)]  # type: ignore[valid-type]


@router.get("/devices", response_model=DevicePage)
def list_devices(me: Requires("fleet.read"), db: DB, page: PageNo = 1, size: PageSize = 25,
                 status: Status | None = None, compliance: Compliance | None = None,
                 q: Annotated[str | None, Query(max_length=80)] = None) -> DevicePage:
    """Devices, most recently seen first; `q` finds a reference, serial or the assigned person."""
    rows, info = paginate(db, service.search(status=status, compliance=compliance, q=q), page, size, scalars=False)
    return DevicePage(items=[DeviceOut.of(d) for d, _ in rows], **info.as_dict())


@router.get("/devices/{device_id}", response_model=DeviceOut)
def read_device(device_id: uuid.UUID, me: Requires("fleet.read"), db: DB) -> DeviceOut:
    device = service.get(db, device_id)
    service.consult(db, me, device)
    db.commit()
    return DeviceOut.of(device)


@router.get("/devices/{device_id}/timeline", response_model=list[TimelineOut])
def device_timeline(device_id: uuid.UUID, me: Requires("fleet.read"), db: DB, page: PageNo = 1,
                    size: PageSize = 50) -> list[TimelineOut]:
    """The device's timeline, newest first."""
    service.get(db, device_id)
    rows, _ = paginate(db, service.timeline(device_id), page, size)
    return [TimelineOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/devices/{device_id}/enrolment-code", response_model=CodeOut, status_code=201)
def new_enrolment_code(device_id: uuid.UUID, me: Requires("fleet.manage"), db: DB, request: Request) -> CodeOut:
    """A one-time enrolment code for the device (any earlier one stops working); shown only now."""
    device = service.get(db, device_id, lock=True)
    code, expires = service.enrolment_code(db, me, device)
    db.commit()
    return CodeOut(code=code, expires_at=expires, qr_uri=service.enrolment_uri(code, str(request.base_url)))


@router.post("/devices/{device_id}/retire", response_model=DeviceOut, responses=problems(409))
def retire_device(device_id: uuid.UUID, body: RetireIn, me: Requires("fleet.manage"), db: DB) -> DeviceOut:
    device = service.retire(db, me, service.get(db, device_id, lock=True), body.reason)
    db.commit()
    return DeviceOut.of(device)


# --- commands ------------------------------------------------------------------------------------

@router.get("/devices/{device_id}/commands", response_model=list[QueuedOut])
def device_commands(device_id: uuid.UUID, me: Requires("fleet.read"), db: DB, page: PageNo = 1,
                    size: PageSize = 50) -> list[QueuedOut]:
    """The device's commands, newest first, with their state as of now."""
    service.get(db, device_id)
    rows, _ = paginate(db, commands.of_device(device_id), page, size)
    return [QueuedOut.of(c, commands.effective_status(c)) for c in rows]


@router.post("/devices/{device_id}/commands", response_model=QueuedOut, status_code=201, responses=problems(409))
def send_command(device_id: uuid.UUID, body: CommandIn, me: Requires("fleet.command"), db: DB) -> QueuedOut:
    """Queue a command for the device's next check-in. Refused (409) for a retired or wiped device."""
    device = service.get(db, device_id, lock=True)
    expires = timedelta(hours=body.expires_in_hours) if body.expires_in_hours else None
    cmd = commands.queue(db, me, device, body.kind, body.payload, reason=body.reason, expires_in=expires)
    db.commit()
    return QueuedOut.of(cmd)


@router.post("/commands/{command_id}/cancel", response_model=QueuedOut, responses=problems(409))
def cancel_command(command_id: uuid.UUID, me: Requires("fleet.command"), db: DB) -> QueuedOut:
    cmd = commands.cancel(db, me, commands.get(db, command_id, lock=True))
    db.commit()
    return QueuedOut.of(cmd)


# --- lost or stolen ------------------------------------------------------------------------------

@router.get("/my-devices", response_model=list[DeviceOut])
def my_devices(me: Requires("fleet.report_lost"), db: DB) -> list[DeviceOut]:
    """The devices assigned to me (to report one lost or stolen)."""
    return [DeviceOut.of(d) for d in service.for_person(db, me.id)]


@router.post("/devices/{device_id}/lost", response_model=LostOut, status_code=201, responses=problems(409))
def report_lost(device_id: uuid.UUID, body: LostIn, me: Requires("fleet.report_lost"), db: DB) -> LostOut:
    """Report a device lost or stolen: locked at its next check-in, wiped after `wipe_after_hours`
    (default 24) unless found. Anyone may report their own device; fleet staff any device."""
    device = service.get(db, device_id, lock=True)
    after = timedelta(hours=body.wipe_after_hours) if body.wipe_after_hours is not None else None
    row = lost.report(db, me, device, body.kind, body.circumstances, after)
    db.commit()
    return LostOut.of(row)


@router.post("/devices/{device_id}/found", response_model=LostOut, responses=problems(409))
def report_found(device_id: uuid.UUID, body: FoundIn, me: Requires("fleet.command"), db: DB) -> LostOut:
    """The lost device is back: its scheduled wipe is cancelled if not yet delivered."""
    row = lost.found(db, me, service.get(db, device_id, lock=True), body.note)
    db.commit()
    return LostOut.of(row)


# --- findings ------------------------------------------------------------------------------------

@router.get("/findings", response_model=FindingPage)
def list_findings(me: Requires("fleet.read"), db: DB, page: PageNo = 1, size: PageSize = 25,
                  code: FindingCode | None = None, include_cleared: bool = False) -> FindingPage:
    """Findings of remote diagnosis, newest first (open only unless `include_cleared`)."""
    rows, info = paginate(db, diagnosis.open_findings(code, include_cleared), page, size, scalars=False)
    return FindingPage(items=[FindingOut.of(f) for f, _ in rows], **info.as_dict())


@router.post("/findings/{finding_id}/fix", response_model=QueuedOut, status_code=201, responses=problems(409))
def fix_finding(finding_id: uuid.UUID, me: Requires("fleet.command"), db: DB) -> QueuedOut:
    """Send the finding's remote fix to its device; the finding clears when a check-in no longer shows it."""
    cmd = diagnosis.run_fix(db, me, diagnosis.get(db, finding_id))
    db.commit()
    return QueuedOut.of(cmd)


@router.post("/findings/{finding_id}/escalate", response_model=FindingOut, responses=problems(409))
def escalate_finding(finding_id: uuid.UUID, me: Requires("fleet.command"), db: DB) -> FindingOut:
    """Pass the finding to the service desk (event `onbeat.fleet.finding_escalated`)."""
    f = diagnosis.escalate(db, me, diagnosis.get(db, finding_id))
    db.commit()
    return FindingOut.of(f)


def sweep_due(db: Session) -> dict[str, int]:
    """The time-driven checks: expire overdue commands, raise "not seen" findings. Safe to run
    often; every app process runs it each minute (`onbeat.asgi.jobs`)."""
    return {"commands_expired": commands.expire_due(db), "not_seen_raised": diagnosis.sweep(db)}


@router.post("/sweep", response_model=dict[str, int])
def sweep(me: Requires("fleet.manage"), db: DB) -> dict[str, int]:
    """Run the time-driven checks now (they also run every minute by themselves)."""
    done = sweep_due(db)
    db.commit()
    return done

