"""Compliance: a device's state against its profile's policies.

unknown (never checked in) → compliant (no issue) or, from the first check-in that shows an issue,
in grace period for the profile's grace hours → non-compliant, when the profile's action is
taken once: notify (a message to the device and an event for the fleet team), block sign-in (the
check-in answer tells the device; `service.sign_in_blocked` tells the officer app) or wipe.
A compliant check-in ends it all (and lifts a block)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.events.service import emit
from onbeat.fleet.devices.diagnosis import version_key
from onbeat.fleet.devices.models import COMPLIANCE, Device
from onbeat.fleet.devices.service import SUBJECT, note


def issues(state: dict, policy: dict) -> list[str]:
    """What the latest check-in breaks of the policy, in words. Pure: no database."""
    out = []
    if policy.get("encryption_required") and state.get("encrypted") is False:
        out.append("Disk encryption is off.")
    have, need = (state.get("os") or {}).get("version"), policy.get("min_os_version")
    if have and need and version_key(have) < version_key(need):
        out.append(f"OS {have} is older than the minimum {need}.")
    applied = state.get("applied") or {}
    if applied.get("wrong_pin_limit") is not None and policy.get("wrong_pin_limit") is not None \
            and (applied["wrong_pin_limit"] == 0 or applied["wrong_pin_limit"] > policy["wrong_pin_limit"]):
        out.append(f"Wrong-PIN wipe after {applied['wrong_pin_limit'] or 'no limit'}, policy {policy['wrong_pin_limit']}.")
    if applied.get("auto_lock_minutes") is not None and policy.get("auto_lock_minutes") is not None \
            and (applied["auto_lock_minutes"] == 0 or applied["auto_lock_minutes"] > policy["auto_lock_minutes"]):
        out.append(f"Auto-lock after {applied['auto_lock_minutes'] or 'never'} min, policy {policy['auto_lock_minutes']} min.")
    net = state.get("network") or {}
    allowed = policy.get("allowed_networks") or []
    if policy.get("vpn_required") and net.get("vpn_connected") is False and net.get("name") not in allowed:
        out.append(f"On {net.get('name') or 'an unknown network'} without the VPN.")
    return out


def state_for(found: list[str], since: datetime | None, grace_hours: float, now: datetime) -> tuple[str, datetime | None]:
    """(state, non-compliant since) from the issues and when they began."""
    if not found:
        return "compliant", None
    since = since or now
    return ("grace" if now < since + timedelta(hours=grace_hours) else "noncompliant"), since


def apply(db: Session, device: Device, state: dict, policy: dict, now: datetime) -> str:
    """Bring the device's compliance up to date with its latest check-in; take the action once."""
    from onbeat.fleet.devices import commands

    found = issues(state, policy)
    rules = policy.get("compliance") or {}
    new, since = state_for(found, device.noncompliant_since, float(rules.get("grace_hours", 72)), now)
    old = device.compliance
    actor = Actor.system("compliance")
    changed = new != old or found != list(device.compliance_issues or [])
    device.compliance, device.compliance_issues, device.noncompliant_since = new, found, since
    if new == "compliant" and old != "compliant":
        if device.sign_in_blocked and device.status == "enrolled":
            device.sign_in_blocked = False
        device.compliance_action_taken = None
    if changed:
        audit(db, actor, "alter", "fleet.compliance.changed", SUBJECT, device.id,
              detail={"from": old, "to": new, "issues": found})
        if new != old:
            words = COMPLIANCE[new] + (": " + " ".join(found) if found else ".")
            if new == "grace" and since is not None:
                words += f" Grace period {rules.get('grace_hours', 72)} h."
            note(db, device.id, "compliance", words, actor, {"from": old, "to": new})
            emit(db, "fleet", "compliance_changed", {"device_id": device.id, "reference": device.reference,
                                                     "from": old, "to": new, "issues": found}, permission="fleet.read")
    if new == "noncompliant" and device.compliance_action_taken is None:
        action = rules.get("action", "notify")
        device.compliance_action_taken = action
        note(db, device.id, "compliance_action", {"notify": "Non-compliant: user and fleet team notified.",
                                                  "block_sign_in": "Non-compliant: sign-in blocked.",
                                                  "wipe": "Non-compliant: wipe sent."}.get(action, action), actor)
        if action == "block_sign_in":
            device.sign_in_blocked = True
        if action == "wipe" and device.status in ("enrolled", "lost"):
            commands.queue(db, actor, device, "wipe", {}, reason="Non-compliant past the grace period.")
        else:
            commands.queue(db, actor, device, "show_message",
                           {"message": "This device does not meet the force's security policy: " + " ".join(found)
                            + (" Sign-in is blocked until it does." if action == "block_sign_in" else
                               " Call the service desk.")}, reason="Non-compliant past the grace period.")
        emit(db, "fleet", "device_noncompliant", {"device_id": device.id, "reference": device.reference,
                                                  "person_id": device.person_id, "issues": found, "action": action},
             permission="fleet.read")
    db.flush()
    return new
