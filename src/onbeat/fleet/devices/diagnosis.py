"""Remote diagnosis: rules over a device's check-in give findings, each with a remote fix.

A rule is a pure function of the latest check-in and the profile's policy (`evaluate`), so a
check-in can tell in microseconds whether anything changed; only then does `reconcile` open or
clear findings (audited, on the timeline, event `onbeat.fleet.finding_raised` / `finding_cleared`).
"Not seen for N days" cannot come from a check-in: `sweep` finds those.

A fleet engineer runs a finding's fix from the findings page (`run_fix`): the command goes to the
device, and the finding clears when a later check-in no longer shows the fault. What a remote fix
cannot cure (a worn battery, a device that never checks in) is handed to the service desk
(`escalate`, event `onbeat.fleet.finding_escalated`), which raises an incident from the event."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.errors import Conflict, NotFound
from onbeat.core.events.service import emit
from onbeat.core.time import utcnow
from onbeat.fleet.devices.models import Device, Finding
from onbeat.fleet.devices.service import SUBJECT, actor_of, note

DISK_FREE_PERCENT = 10.0
BATTERY_HEALTH_PERCENT = 60.0
CRASHES = 3
VPN_FAILURES = 3
NOT_SEEN_DAYS = 7


def version_key(version: str | None) -> tuple[int, ...]:
    """'10.0.19045' → (10, 0, 19045): numbers compared as numbers, not text."""
    return tuple(int(n) for n in re.findall(r"\d+", version or ""))[:6]


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    summary: Callable[[dict], str]
    fix_label: str
    fix: Callable[[dict, dict], tuple[str, dict]]  # (evidence, policy) → (command kind, payload)
    # What to tell the service desk if the remote fix does not cure it.
    escalation: str


def _disk(state: dict, policy: dict) -> dict | None:
    s = state.get("storage") or {}
    total, free = s.get("total_gb") or 0, s.get("free_gb") or 0
    if total and free / total * 100 < DISK_FREE_PERCENT:
        return {"free_gb": round(free, 2), "total_gb": round(total, 2), "free_percent": round(free / total * 100, 1)}
    return None


def _battery(state: dict, policy: dict) -> dict | None:
    health = (state.get("battery") or {}).get("health_percent")
    if health is not None and health < BATTERY_HEALTH_PERCENT:
        return {"health_percent": health}
    return None


def _crashing(state: dict, policy: dict) -> dict | None:
    crashes = Counter(e.get("app") for e in state.get("errors") or [] if e.get("kind") == "crash")
    if crashes:
        app, count = crashes.most_common(1)[0]
        if count >= CRASHES:
            return {"app": app, "crashes": count}
    return None


def _os_old(state: dict, policy: dict) -> dict | None:
    have, need = (state.get("os") or {}).get("version"), policy.get("min_os_version")
    if have and need and version_key(have) < version_key(need):
        return {"os_version": have, "min_os_version": need}
    return None


def _vpn(state: dict, policy: dict) -> dict | None:
    net = state.get("network") or {}
    failures = net.get("vpn_failures") or 0
    if failures >= VPN_FAILURES:
        return {"vpn_failures": failures, "network": net.get("name")}
    return None


CHECKS: dict[str, Callable[[dict, dict], dict | None]] = {
    "disk_nearly_full": _disk, "battery_failing": _battery, "app_crashing": _crashing,
    "os_out_of_date": _os_old, "vpn_failing": _vpn,
}

RULES: dict[str, Rule] = {r.code: r for r in [
    Rule("disk_nearly_full", "Disk nearly full",
         lambda e: f"Only {e.get('free_percent')}% of the disk is free ({e.get('free_gb')} of {e.get('total_gb')} GB).",
         "Clear temporary files and caches",
         lambda e, p: ("push_configuration", {"cleanup": ["temporary_files", "update_cache", "old_logs"]}),
         "Disk still nearly full after a remote clean-up: check the user's files or replace the disk."),
    Rule("battery_failing", "Battery failing",
         lambda e: f"The battery holds {e.get('health_percent')}% of its design capacity.",
         "Collect a battery report",
         lambda e, p: ("collect_diagnostics", {"what": ["battery"]}),
         "Battery worn out: replace the battery (cannot be fixed remotely)."),
    Rule("app_crashing", "App crashing repeatedly",
         lambda e: f"{e.get('app')} crashed {e.get('crashes')} times since the last check-in.",
         "Restart the app",
         lambda e, p: ("restart_app", {"app": e.get("app") or "OnBeat"}),
         "App keeps crashing after a remote restart: reinstall or re-image the device."),
    Rule("os_out_of_date", "Operating system out of date",
         lambda e: f"OS {e.get('os_version')} is older than the profile's minimum {e.get('min_os_version')}.",
         "Install the operating system update",
         lambda e, p: ("install_software", {"name": "os-update", "version": e.get("min_os_version")}),
         "The OS update will not install remotely: bring the device in to be updated."),
    Rule("vpn_failing", "VPN failing",
         lambda e: f"The VPN failed to connect {e.get('vpn_failures')} times"
                   + (f" on {e['network']}." if e.get("network") else "."),
         "Reset the VPN configuration",
         lambda e, p: ("push_configuration", {"vpn": {"reset": True, "profile": p.get("vpn_profile")}}),
         "VPN still failing after a reset: check the certificate and the network."),
    Rule("not_seen", "Not seen recently",
         lambda e: f"No check-in for {e.get('days')} days.",
         "Ask the user to connect (message at next check-in)",
         lambda e, p: ("show_message", {"message": "This device has not reached the force network for some time. "
                                                   "Connect it to the network and leave it on for an hour, or call "
                                                   "the service desk."}),
         "Device not seen: contact the user, and report it lost if nobody knows where it is."),
]}


def evaluate(state: dict, policy: dict) -> dict[str, dict]:
    """The findings a check-in shows: {code: evidence}. Pure: no database."""
    out = {}
    for code, check in CHECKS.items():
        evidence = check(state, policy)
        if evidence is not None:
            out[code] = evidence
    return out


# --- opening and clearing findings ----------------------------------------------------------------

def apply(db: Session, device: Device, found: dict[str, dict], *, keep: set[str] = frozenset()) -> tuple[list, list]:
    """Open the findings in `found` that are not open yet, clear the open ones that are gone (except
    codes in `keep`, which this evaluation cannot judge). Returns (raised, cleared)."""
    open_rows = {f.code: f for f in db.execute(select(Finding).where(Finding.device_id == device.id,
                                                                    Finding.cleared_at.is_(None))).scalars()}
    now = utcnow()
    raised, cleared = [], []
    actor = Actor.system("remote diagnosis")
    for code, evidence in found.items():
        if code in open_rows:
            open_rows[code].evidence = evidence
            continue
        rule = RULES[code]
        f = Finding(device_id=device.id, code=code, summary=rule.summary(evidence), evidence=evidence, raised_at=now)
        db.add(f)
        db.flush()
        raised.append(f)
        note(db, device.id, "finding_raised", f"Finding: {rule.label}. {f.summary}", actor,
             {"finding_id": str(f.id), "code": code})
        emit(db, "fleet", "finding_raised", {"finding_id": f.id, "device_id": device.id, "reference": device.reference,
                                             "code": code, "label": rule.label, "summary": f.summary,
                                             "remote_fix": rule.fix_label, "if_not_fixed": rule.escalation},
             permission="fleet.read")
    for code, f in open_rows.items():
        if code in found or code in keep:
            continue
        f.cleared_at = now
        cleared.append(f)
        note(db, device.id, "finding_cleared", f"Cleared: {RULES[code].label}.", actor,
             {"finding_id": str(f.id), "code": code})
        emit(db, "fleet", "finding_cleared", {"finding_id": f.id, "device_id": device.id, "code": code},
             permission="fleet.read")
    if raised or cleared:
        audit(db, actor, "alter", "fleet.findings.changed", SUBJECT, device.id,
              detail={"raised": [f.code for f in raised], "cleared": [f.code for f in cleared]})
    device.finding_codes = sorted((set(open_rows) | {f.code for f in raised}) - {f.code for f in cleared})
    db.flush()
    return raised, cleared


def sweep(db: Session, now: datetime | None = None, days: int = NOT_SEEN_DAYS) -> int:
    """Raise "not seen for N days" for enrolled devices silent that long (lost, wiped and retired
    devices are watched otherwise). Returns how many were raised."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    silent = db.execute(select(Device).where(Device.status == "enrolled", Device.last_checkin_at < cutoff,
                                             ~Device.finding_codes.any("not_seen"))).scalars().all()
    for device in silent:
        gone = (now - device.last_checkin_at).days
        found = {"not_seen": {"days": gone, "last_checkin_at": device.last_checkin_at.isoformat()}}
        apply(db, device, found, keep=set(device.finding_codes))
    return len(silent)


# --- the engineer's actions ------------------------------------------------------------------------

def get(db: Session, finding_id: uuid.UUID) -> Finding:
    f = db.get(Finding, finding_id)
    if f is None:
        raise NotFound(f"There is no finding with id {finding_id}.")
    return f


def open_findings(code: str | None = None, include_cleared: bool = False) -> Select:
    """(Finding, Device) rows, newest first."""
    stmt = select(Finding, Device).join(Device, Device.id == Finding.device_id)
    if not include_cleared:
        stmt = stmt.where(Finding.cleared_at.is_(None))
    if code:
        stmt = stmt.where(Finding.code == code)
    return stmt.order_by(Finding.raised_at.desc(), Finding.id)


def run_fix(db: Session, actor, finding: Finding) -> object:
    """Send the finding's remote fix to its device; returns the command."""
    from onbeat.fleet.devices import commands, service
    from onbeat.fleet.devices.models import Command

    actor = actor_of(actor)
    if finding.cleared_at is not None:
        raise Conflict("This finding has already cleared: there is nothing to fix.")
    if finding.fix_command_id is not None:
        running = db.get(Command, finding.fix_command_id)
        if running is not None and commands.effective_status(running) in ("pending", "delivered"):
            raise Conflict("The fix has been sent and the device has not answered yet.",
                           hint="Wait for the device's next check-in.")
    device = service.get(db, finding.device_id)
    rule = RULES[finding.code]
    kind, payload = rule.fix(finding.evidence, service.policy(db, device.profile_id))
    cmd = commands.queue(db, actor, device, kind, payload, reason=f"Fix for finding: {rule.label}",
                         finding_id=finding.id)
    finding.fix_command_id, finding.fix_started_at, finding.fix_started_by = cmd.id, utcnow(), actor.label
    db.flush()
    return cmd


def fix_answered(db: Session, cmd, outcome: str) -> None:
    """A fix's answer is noted against its finding; the finding itself clears on the next check-in."""
    finding = db.get(Finding, cmd.finding_id)
    if finding is not None and outcome == "error":
        note(db, finding.device_id, "fix_failed", f"The fix for {RULES[finding.code].label} failed on the device: "
             f"{cmd.answer_detail}", "remote diagnosis", {"finding_id": str(finding.id)})


def escalate(db: Session, actor, finding: Finding, note_text: str | None = None) -> Finding:
    """Hand the finding to the service desk: event `onbeat.fleet.finding_escalated` carries what
    the incident needs (device, person's id, what was found, what was tried)."""
    from onbeat.fleet.devices import service

    actor = actor_of(actor)
    if finding.escalated_at is not None:
        raise Conflict("This finding has already been passed to the service desk.")
    device = service.get(db, finding.device_id)
    rule = RULES[finding.code]
    finding.escalated_at = utcnow()
    audit(db, actor, "disclose", "fleet.finding.escalated", SUBJECT, device.id,
          detail={"finding_id": str(finding.id), "code": finding.code})
    note(db, device.id, "finding_escalated", f"Passed to the service desk: {rule.escalation}", actor,
         {"finding_id": str(finding.id)})
    emit(db, "fleet", "finding_escalated",
         {"finding_id": finding.id, "device_id": device.id, "reference": device.reference, "serial": device.serial,
          "person_id": device.person_id, "code": finding.code, "label": rule.label, "summary": finding.summary,
          "suggested_incident": rule.escalation, "fix_tried": finding.fix_command_id is not None,
          "note": note_text, "by": actor.label}, permission="fleet.read")
    db.flush()
    return finding
