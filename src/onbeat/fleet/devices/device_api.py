"""The routes devices call, under `/api/fleet/device/`: enrol with a one-time code, check in, answer
a command. Guarded by the device's own credential (`auth.device_caller`), except enrolment, which
is how a device gets its credential."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from onbeat.core.errors import problems
from onbeat.core.security import public
from onbeat.core.time import utcnow
from onbeat.db import get_db
from onbeat.fleet.devices import checkin as checkin_service, commands, credentials, service
from onbeat.fleet.devices.auth import Device, DeviceToken
from onbeat.fleet.devices.checkin import next_interval
from onbeat.fleet.devices.schemas import AnswerIn, AnswerOut, CheckinIn, CheckinOut, CredentialOut, EnrolIn, EnrolOut

router = APIRouter(prefix="/api/fleet/device", tags=["fleet devices"])
DB = Annotated[Session, Depends(get_db)]


@router.post("/enrol", response_model=EnrolOut, status_code=201, responses=problems(409),
             dependencies=[Depends(public("a device enrols with the one-time code it was given; "
                                          "the code is its credential for this one call"))])
def enrol(body: EnrolIn, db: DB) -> EnrolOut:
    """Bind this device to its record with its one-time enrolment code; returns the device's
    credential (shown once) and its profile's policy. A code already used is refused (409)."""
    device, token, policy = service.enrol(db, body.code, serial=body.serial, os_name=body.os_name,
                                          os_version=body.os_version, agent_version=body.agent_version)
    expires = device.enrolled_at + credentials.LIFETIME
    db.commit()
    return EnrolOut(device_id=device.id, reference=device.reference, credential=CredentialOut(token=token, expires_at=expires),
                    policy=policy, next_checkin_seconds=next_interval(policy, device.enrolled_at, utcnow()))


@router.post("/checkin", response_model=CheckinOut, responses=problems(401, 422))
async def checkin(device: DeviceToken, body: CheckinIn):
    """Report inventory and health; the answer carries the commands due, when to check in next,
    whether sign-in is blocked and, when it is time, the credential to use from now on. A
    malformed check-in is refused (422 naming the field) and the last good state is kept."""
    return await checkin_service.checkin(device, body)


@router.post("/commands/{command_id}/answer", response_model=AnswerOut, responses=problems(401, 404, 409))
def answer(command_id: uuid.UUID, body: AnswerIn, device: Device, db: DB) -> AnswerOut:
    """Answer a command from a check-in: acknowledged (done), error (with detail) or not_now
    (offered again later)."""
    row = service.get(db, device.device_id, lock=True)
    cmd = commands.answer(db, row, command_id, body.outcome, body.detail, body.result, body.retry_after_seconds)
    db.commit()
    return AnswerOut(command_id=cmd.id, status=cmd.status)
