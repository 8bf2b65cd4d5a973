"""A device checks in: its latest state is kept, its due commands come back in the answer.

The routine check-in is one SQL statement: it checks the credential, updates the device's latest
state, overwrites one slot of its bounded history and marks its due commands delivered, returning
them with the device's record as it was before. The rules (findings, compliance) run in Python on the check-in itself and on what
the look-up returned; only when something changes (a finding appears or clears, compliance
moves, the credential is due for rotation, a wipe has to supersede other commands, a lost
device shows up) does `reconcile` take the ordinary, audited path. A routine check-in is not
audited one by one: it changes nothing but the device's own telemetry."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta

from psycopg.types.json import Jsonb
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from onbeat import db as onbeat_db
from onbeat.core.time import utcnow
from onbeat.fleet.devices import compliance, credentials, diagnosis, fastdb, service
from onbeat.fleet.devices.auth import DeviceCaller, refused
from onbeat.fleet.devices.models import HISTORY_SLOTS, Command, TimelineEntry
from onbeat.fleet.devices.schemas import CheckinIn

# A lost device that keeps checking in is noted on its timeline at most this often.
LOST_NOTE_EVERY = timedelta(hours=1)

# One statement: the credential and the device as they were (a CTE reads the snapshot from before
# the updates), the credential's first use (which revokes its predecessors), the device's latest
# state, one slot of its history, and its due commands marked delivered and returned.
SQL_CHECKIN = f"""
with cred as (
  select c.id, c.device_id, c.issued_at, c.expires_at, c.replaced_at, c.first_used_at,
         d.status, d.serial, d.profile_id, d.enrolled_at, d.finding_codes, d.compliance, d.compliance_issues,
         d.noncompliant_since, d.compliance_action_taken, d.sign_in_blocked
  from fleet_device_credentials c join fleet_devices d on d.id = c.device_id
  where c.token_hash = %(h)s and c.revoked_at is null and c.expires_at > %(now)s
    and (c.replaced_at is null or c.replaced_at > %(now)s - %(overlap)s::interval)
    and d.status in ('enrolled', 'lost')
),
u as (
  update fleet_device_credentials set first_used_at = %(now)s
  where id = (select id from cred) and first_used_at is null
  returning device_id, id
),
r as (
  update fleet_device_credentials x set revoked_at = %(now)s, revoked_reason = 'replaced: the successor is in use'
  from u where x.device_id = u.device_id and x.id <> u.id and x.revoked_at is null and x.replaced_at is not null
),
d as (
  update fleet_devices set last_checkin_at = %(now)s, checkin_count = checkin_count + 1,
         os_name = %(os_name)s, os_version = %(os_version)s, agent_version = coalesce(%(agent)s, agent_version),
         battery_percent = %(battery)s, battery_health_percent = %(health)s, storage_free_percent = %(free)s,
         encrypted = %(encrypted)s, wrong_unlocks = %(unlocks)s, last_state = %(state)s
  where id = (select device_id from cred)
  returning id, checkin_count
),
h as (
  insert into fleet_checkin_history as h
         (device_id, slot, checked_in_at, battery_percent, storage_free_percent, crashes, vpn_failures, os_version)
  select id, checkin_count %% {HISTORY_SLOTS}, %(now)s, %(battery)s, %(free)s, %(crashes)s, %(vpn)s, %(os_version)s
  from d
  on conflict (device_id, slot) do update set checked_in_at = excluded.checked_in_at,
         battery_percent = excluded.battery_percent, storage_free_percent = excluded.storage_free_percent,
         crashes = excluded.crashes, vpn_failures = excluded.vpn_failures, os_version = excluded.os_version
),
c as (
  update fleet_commands set status = 'delivered', delivered_at = coalesce(delivered_at, %(now)s),
         deliveries = deliveries + 1
  where device_id = (select id from d) and status in ('pending', 'delivered')
        and not_before <= %(now)s and expires_at > %(now)s
  returning id, kind, payload, expires_at, created_at
)
select cred.*, c.id, c.kind, c.payload, c.expires_at
from cred left join c on true order by c.created_at
"""
CALLER_COLUMNS = 16


def next_interval(policy: dict, enrolled_at: datetime | None, now: datetime) -> int:
    """Fast for the profile's first hours after enrolment, then the profile's slower interval."""
    c = policy.get("checkin") or {}
    fast, slow, hours = int(c.get("fast_seconds", 60)), int(c.get("slow_seconds", 300)), float(c.get("fast_for_hours", 24))
    if enrolled_at is not None and now - enrolled_at < timedelta(hours=hours):
        return fast
    return slow


def _policy_sync(profile_id: uuid.UUID) -> dict:
    with onbeat_db.session() as db:
        return service.policy(db, profile_id)


async def checkin(token_hash: str, body: CheckinIn) -> Response:
    now = utcnow()
    state = body.model_dump(mode="json")
    crashes = sum(1 for e in state["errors"] if e["kind"] == "crash")
    params = {"h": token_hash, "now": now, "overlap": credentials.OVERLAP, "os_name": body.os.name,
              "os_version": body.os.version, "agent": body.agent_version, "battery": body.battery.percent,
              "health": body.battery.health_percent, "free": round(body.storage.free_gb / body.storage.total_gb * 100, 2),
              "encrypted": body.encrypted, "unlocks": body.wrong_unlocks, "state": Jsonb(state),
              "crashes": crashes, "vpn": body.network.vpn_failures}
    rows = await fastdb.fetch(SQL_CHECKIN, params)
    if not rows:
        raise await refused(token_hash)
    caller = DeviceCaller(*rows[0][:CALLER_COLUMNS])
    commands = [tuple(r[CALLER_COLUMNS:]) for r in rows if r[CALLER_COLUMNS] is not None]
    wipe = next((c for c in commands if c[1] == "wipe"), None)
    supersede = wipe[0] if wipe is not None and len(commands) > 1 else None
    if wipe is not None:
        commands = [wipe]

    # The rules on this check-in, against the device's record as it was: reconcile only on a change.
    policy = service.cached_policy(caller.profile_id) or await run_in_threadpool(_policy_sync, caller.profile_id)
    found = diagnosis.evaluate(state, policy)
    issues = compliance.issues(state, policy)
    grace = float((policy.get("compliance") or {}).get("grace_hours", 72))
    level, _ = compliance.state_for(issues, caller.noncompliant_since, grace, now)
    evaluate = (sorted(found) != sorted(caller.finding_codes or []) or issues != list(caller.compliance_issues or [])
                or level != caller.compliance or (level == "noncompliant" and caller.compliance_action_taken is None))
    rotate = caller.rotation_due(now)

    new_credential = None
    if evaluate or rotate or supersede or caller.status == "lost":
        new_credential, blocked = await run_in_threadpool(
            reconcile, caller.device_id, caller.credential_id, evaluate=evaluate, rotate=rotate,
            supersede_with=supersede, lost=caller.status == "lost")
    else:
        blocked = caller.sign_in_blocked

    out = {"device_id": str(caller.device_id), "received_at": now.isoformat(),
           "next_checkin_seconds": next_interval(policy, caller.enrolled_at, now),
           "commands": [{"id": str(i), "kind": k, "payload": p, "expires_at": e.isoformat()} for i, k, p, e in commands],
           "sign_in_blocked": blocked or caller.status == "lost", "credential": new_credential}
    return Response(json.dumps(out, separators=(",", ":")), media_type="application/json")


def reconcile(device_id: uuid.UUID, credential_id: uuid.UUID, *, evaluate: bool, rotate: bool,
              supersede_with: uuid.UUID | None, lost: bool) -> tuple[dict | None, bool]:
    """The audited part of a check-in that changed something, on the device's stored latest state
    (so running it twice changes nothing more). Returns (a new credential or None, sign-in blocked)."""
    from onbeat.fleet.devices import commands

    with onbeat_db.session() as db:
        device = service.get(db, device_id, lock=True)
        now = utcnow()
        new_credential = None
        if evaluate:
            policy = service.policy(db, device.profile_id)
            diagnosis.apply(db, device, diagnosis.evaluate(device.last_state or {}, policy))
            compliance.apply(db, device, device.last_state or {}, policy, now)
        if rotate:
            issued = credentials.rotate(db, credential_id)
            if issued is not None:
                token, cred = issued
                new_credential = {"token": token, "expires_at": cred.expires_at.isoformat()}
                service.note(db, device.id, "credential_rotated", "Device credential rotated.", "system")
        if supersede_with is not None:
            wipe = db.get(Command, supersede_with)
            if wipe is not None:
                commands._supersede(db, device.id, wipe, now)
        if lost:
            last = db.execute(select(TimelineEntry.at).where(TimelineEntry.device_id == device.id,
                                                             TimelineEntry.kind == "lost_checkin")
                              .order_by(TimelineEntry.at.desc()).limit(1)).scalar()
            if last is None or now - last >= LOST_NOTE_EVERY:
                net = (device.last_state or {}).get("network") or {}
                from onbeat.core import context

                service.note(db, device.id, "lost_checkin",
                             f"The lost device checked in (network {net.get('name') or 'unknown'}, "
                             f"address {context.current.get().source_address or 'unknown'}).", "system")
        blocked = device.sign_in_blocked
        db.commit()
        return new_credential, blocked
