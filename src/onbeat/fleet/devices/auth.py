"""The guard of the device endpoints: a device's own bearer credential, not a member of staff.

Device endpoints are not staff routes, so they carry no `require(...)` permission. The guard is
`public(...)`-marked for the route walker (which proves every route declares who may call it) and
says why; it then does the checking itself: the credential must be one this package issued,
neither revoked nor expired (a replaced one only within its overlap), and its device enrolled or
lost. Anything else is 401, and a credential that was sent but is not valid is audited.

The look-up is one indexed query on the async connections (`fastdb`): no ORM, no thread pool."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from onbeat import db as onbeat_db
from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.errors import Unauthorised
from onbeat.fleet.devices import credentials, fastdb

WHY = ("device endpoint: the caller is a device, authenticated by its own rotating bearer credential "
       "(checked by this guard), not a member of staff")

_LOOKUP = """
select c.id, c.device_id, c.issued_at, c.expires_at, c.replaced_at, c.first_used_at,
       d.status, d.serial, d.profile_id, d.enrolled_at, d.finding_codes, d.compliance, d.compliance_issues,
       d.noncompliant_since, d.compliance_action_taken, d.sign_in_blocked
from fleet_device_credentials c join fleet_devices d on d.id = c.device_id
where c.token_hash = %(h)s and c.revoked_at is null and c.expires_at > now()
  and (c.replaced_at is null or c.replaced_at > now() - %(overlap)s::interval)
  and d.status in ('enrolled', 'lost')
"""


@dataclass
class DeviceCaller:
    credential_id: uuid.UUID
    device_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime
    replaced_at: datetime | None
    first_used_at: datetime | None
    status: str
    serial: str
    profile_id: uuid.UUID
    enrolled_at: datetime | None
    finding_codes: list[str]
    compliance: str
    compliance_issues: list[str]
    noncompliant_since: datetime | None
    compliance_action_taken: str | None
    sign_in_blocked: bool

    @property
    def actor(self) -> Actor:
        return Actor.system(f"device {self.serial}")

    def rotation_due(self, now: datetime) -> bool:
        """Its successor belongs in this answer: it is old enough, or it was replaced and is still
        being used (the answer with its successor never arrived)."""
        return self.replaced_at is not None or now - self.issued_at >= credentials.ROTATE_AFTER


def _refused_sync(token_hash: str, reason: str) -> None:
    with onbeat_db.session() as db:
        audit(db, Actor.system("device API"), "consult", "fleet.device.credential_refused", "device_credential",
              token_hash[:16], detail={"reason": reason})
        db.commit()


def _unauthorised(detail: str) -> Unauthorised:
    return Unauthorised(detail, hint="Enrol the device again with a new enrolment code from the fleet team.",
                        headers={"WWW-Authenticate": 'Bearer realm="onbeat-devices", error="invalid_token"'})


def _bearer_hash(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer ") or not auth[7:].strip():
        raise Unauthorised("This is a device endpoint: send the device's credential as a bearer token.",
                           hint="Enrol the device to get its credential.",
                           headers={"WWW-Authenticate": 'Bearer realm="onbeat-devices"'})
    return credentials.digest(auth[7:].strip())


async def refused(token_hash: str) -> Unauthorised:
    """Audit a credential that was sent but is not valid; the 401 to raise."""
    await run_in_threadpool(_refused_sync, token_hash, "unknown, revoked or expired device credential")
    return _unauthorised("The device credential is not known, has been revoked or has expired.")


async def device_caller(request: Request) -> DeviceCaller:
    """The device a request comes from (one indexed look-up), or 401."""
    token_hash = _bearer_hash(request)
    rows = await fastdb.fetch(_LOOKUP, {"h": token_hash, "overlap": credentials.OVERLAP})
    if not rows:
        raise await refused(token_hash)
    return DeviceCaller(*rows[0])


async def device_token(request: Request) -> str:
    """The SHA-256 of the bearer credential sent, for an endpoint that checks it in its own
    statement (the check-in: the look-up and the update are one round trip). 401 if none is sent;
    the endpoint answers 401, audited, if it is not valid."""
    return _bearer_hash(request)


device_caller.public = WHY  # type: ignore[attr-defined]
device_token.public = WHY  # type: ignore[attr-defined]

Device = Annotated[DeviceCaller, Depends(device_caller)]
DeviceToken = Annotated[str, Depends(device_token)]
