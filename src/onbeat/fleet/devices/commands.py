"""The command queue: lock, wipe, restart the app, collect diagnostics, push configuration,
install or remove software, show a message.

A command waits (`pending`) until the device checks in; the check-in answer delivers it
(`delivered`); the device answers `acknowledged`, `error` (with detail) or `not_now` (it goes back
to pending, offered again after a pause). A wipe wins over everything still open on the device,
a lock included, from the moment the wipe is due. A command not delivered and answered by its
`expires_at` expires. Every command queued and every answer is audited and on the timeline."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.events.service import emit
from onbeat.core.time import utcnow
from onbeat.fleet.devices import credentials
from onbeat.fleet.devices.models import COMMAND_KINDS, OPEN_COMMAND_STATES, Command, Device, LostReport
from onbeat.fleet.devices.service import SUBJECT, actor_of, device_actor, note

# How long each kind waits for the device before it expires, unless the sender says otherwise.
DEFAULT_EXPIRY = {"lock": timedelta(days=7), "wipe": timedelta(days=30), "restart_app": timedelta(hours=24),
                  "collect_diagnostics": timedelta(days=3), "push_configuration": timedelta(days=14),
                  "install_software": timedelta(days=7), "remove_software": timedelta(days=7),
                  "show_message": timedelta(days=2)}
MAX_EXPIRY = timedelta(days=90)
NOT_NOW_PAUSE = timedelta(minutes=15)
OUTCOMES = {"acknowledged": "Done", "error": "Failed", "not_now": "Not now"}
# Devices that take no commands.
CLOSED_STATUSES = {"retired": "is retired", "wiped": "has been wiped"}


def check_payload(kind: str, payload: dict | None) -> dict:
    """The payload a kind needs, checked (400 naming the field)."""
    payload = dict(payload or {})
    if kind not in COMMAND_KINDS:
        raise BadRequest(f"Unknown command {kind!r}.", field="kind", hint="One of: " + ", ".join(COMMAND_KINDS))
    if kind == "show_message":
        text = str(payload.get("message") or "").strip()
        if not text or len(text) > 500:
            raise BadRequest("A message of 1 to 500 characters is needed.", field="payload.message")
        payload["message"] = text
    if kind in ("install_software", "remove_software"):
        name = str(payload.get("name") or "").strip()
        if not name or len(name) > 80:
            raise BadRequest("Name the software (1 to 80 characters).", field="payload.name")
        payload["name"] = name
    if kind == "restart_app":
        payload["app"] = str(payload.get("app") or "OnBeat")[:80]
    if kind == "lock" and payload.get("message") is not None:
        payload["message"] = str(payload["message"])[:500]
    if len(str(payload)) > 20000:
        raise BadRequest("The payload is too large (20,000 characters at most).", field="payload")
    return payload


def _refuse_closed(device: Device) -> None:
    if device.status in CLOSED_STATUSES:
        raise Conflict(f"{device.reference} {CLOSED_STATUSES[device.status]}: it takes no more commands.",
                       hint="A retired or wiped device must be enrolled again before it can be managed.")


def _supersede(db: Session, device_id: uuid.UUID, wipe: Command, now: datetime) -> list[uuid.UUID]:
    """Everything else still open on the device gives way to a wipe that is due."""
    ids = list(db.execute(update(Command).where(Command.device_id == device_id, Command.id != wipe.id,
                                                Command.status.in_(OPEN_COMMAND_STATES), Command.kind != "wipe",
                                                Command.not_before <= now)
                          .values(status="superseded", superseded_by=wipe.id, answered_at=now)
                          .returning(Command.id)).scalars())
    if ids:
        note(db, device_id, "command_superseded", f"{len(ids)} open command(s) superseded by the wipe.", "system",
             {"commands": [str(i) for i in ids], "wipe": str(wipe.id)})
    return ids


def queue(db: Session, actor, device: Device, kind: str, payload: dict | None = None, *, reason: str | None = None,
          expires_in: timedelta | None = None, not_before: datetime | None = None,
          finding_id: uuid.UUID | None = None) -> Command:
    """Put a command in the device's queue (in the caller's transaction); audited and on the timeline.

    Refused (409) for a retired or wiped device. A wipe due now supersedes the device's open
    commands; a lock queued while a due wipe is open is superseded at once."""
    actor = actor_of(actor)
    _refuse_closed(device)
    payload = check_payload(kind, payload)
    now = utcnow()
    expires_in = expires_in or DEFAULT_EXPIRY[kind]
    if expires_in <= timedelta(0) or expires_in > MAX_EXPIRY:
        raise BadRequest("A command expires between a minute and 90 days after it is sent.", field="expires_in_hours")
    start = max(not_before or now, now)
    cmd = Command(device_id=device.id, kind=kind, payload=payload, status="pending", reason=reason, created_at=now,
                  created_by=actor.id, created_by_label=actor.label, not_before=start, expires_at=start + expires_in,
                  deliveries=0, not_now_count=0, finding_id=finding_id)
    db.add(cmd)
    db.flush()
    superseded: list[uuid.UUID] = []
    if kind == "wipe" and start <= now:
        superseded = _supersede(db, device.id, cmd, now)
    elif kind != "wipe":
        due_wipe = db.execute(select(Command.id).where(Command.device_id == device.id, Command.kind == "wipe",
                                                       Command.status.in_(OPEN_COMMAND_STATES),
                                                       Command.not_before <= now)).scalar()
        if due_wipe is not None:
            cmd.status, cmd.superseded_by, cmd.answered_at = "superseded", due_wipe, now
    audit(db, actor, "alter", "fleet.command.queued", SUBJECT, device.id,
          detail={"command_id": str(cmd.id), "kind": kind, "reason": reason, "status": cmd.status,
                  "not_before": start.isoformat(), "expires_at": cmd.expires_at.isoformat(),
                  "superseded": [str(i) for i in superseded]})
    when = "" if start <= now else f" for {start.isoformat()}"
    note(db, device.id, "command_queued", f"{COMMAND_KINDS[kind]} sent{when}" + (f": {reason}" if reason else "."),
         actor, {"command_id": str(cmd.id), "kind": kind, "status": cmd.status})
    db.flush()
    return cmd


def queue_for_profile(db: Session, actor, profile_id: uuid.UUID, kind: str, payload: dict | None = None,
                      reason: str | None = None) -> list[Command]:
    """Queue the same command for every device on a profile that can take one (not retired or
    wiped); returns the commands. Called by supply when a profile's policies change, with
    kind="push_configuration" and the new policy as the payload: an older configuration still
    waiting on a device is superseded by the new one. In the caller's transaction; each command
    is audited."""
    actor = actor_of(actor)
    devices = list(db.execute(select(Device).where(Device.profile_id == profile_id,
                                                   Device.status.not_in(list(CLOSED_STATUSES)))
                              .order_by(Device.reference)).scalars())
    from onbeat.fleet.devices.service import _policy_cache

    _policy_cache.pop(profile_id, None)
    out = []
    for device in devices:
        if kind == "push_configuration":
            db.execute(update(Command).where(Command.device_id == device.id, Command.kind == "push_configuration",
                                             Command.status.in_(OPEN_COMMAND_STATES))
                       .values(status="superseded", answered_at=utcnow()))
        out.append(queue(db, actor, device, kind, payload,
                         reason=reason or "The device's profile changed."))
    return out


def get(db: Session, command_id: uuid.UUID, *, lock: bool = False) -> Command:
    stmt = select(Command).where(Command.id == command_id)
    cmd = db.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if cmd is None:
        raise NotFound(f"There is no command with id {command_id}.")
    return cmd


def of_device(device_id: uuid.UUID) -> Select:
    return select(Command).where(Command.device_id == device_id).order_by(Command.created_at.desc())


def effective_status(cmd: Command, now: datetime | None = None) -> str:
    """The status as of now: an open command past its expiry is expired even before a sweep says so."""
    if cmd.status in OPEN_COMMAND_STATES and cmd.expires_at <= (now or utcnow()):
        return "expired"
    return cmd.status


def cancel(db: Session, actor, cmd: Command, reason: str | None = None) -> Command:
    """Withdraw a command that the device has not answered yet."""
    actor = actor_of(actor)
    if cmd.status not in OPEN_COMMAND_STATES:
        raise Conflict(f"The command is already {cmd.status}: only a waiting command can be cancelled.")
    cmd.status, cmd.answered_at, cmd.answer_detail = "cancelled", utcnow(), reason
    audit(db, actor, "alter", "fleet.command.cancelled", SUBJECT, cmd.device_id,
          detail={"command_id": str(cmd.id), "kind": cmd.kind, "reason": reason})
    note(db, cmd.device_id, "command_cancelled", f"{COMMAND_KINDS[cmd.kind]} cancelled.", actor,
         {"command_id": str(cmd.id)})
    db.flush()
    return cmd


def cancel_open(db: Session, device_id: uuid.UUID, why: str) -> int:
    return db.execute(update(Command).where(Command.device_id == device_id, Command.status.in_(OPEN_COMMAND_STATES))
                      .values(status="cancelled", answered_at=utcnow(), answer_detail=why)).rowcount


def answer(db: Session, device: Device, command_id: uuid.UUID, outcome: str, detail: str | None = None,
           result: dict | None = None, retry_after_seconds: int | None = None) -> Command:
    """The device's answer to a command it was given: audited, on the timeline, and its effect
    applied (an acknowledged wipe ends the device's credentials; a lock is noted; the result of a
    diagnostics collection is kept). Refused: a command of another device (404), an answer to a
    command that is not open (409), an error without detail (400)."""
    cmd = db.execute(select(Command).where(Command.id == command_id).with_for_update()).scalar_one_or_none()
    if cmd is None or cmd.device_id != device.id:
        raise NotFound(f"This device has no command with id {command_id}.")
    if outcome not in OUTCOMES:
        raise BadRequest(f"Unknown outcome {outcome!r}.", field="outcome", hint="One of: " + ", ".join(OUTCOMES))
    now = utcnow()
    if cmd.status not in OPEN_COMMAND_STATES:
        if cmd.status == outcome:  # the same answer sent twice: nothing more to do
            return cmd
        raise Conflict(f"The command is already {cmd.status}.", field="command_id",
                       hint="Answer only the commands of the latest check-in.")
    if outcome == "error" and not (detail and detail.strip()):
        raise BadRequest("Say what went wrong.", field="detail")
    actor = device_actor(device)
    if outcome == "not_now":
        pause = timedelta(seconds=min(max(retry_after_seconds or 0, 60), 24 * 3600)) if retry_after_seconds \
            else NOT_NOW_PAUSE
        cmd.status, cmd.not_before, cmd.not_now_count = "pending", now + pause, cmd.not_now_count + 1
        cmd.answer_detail = (detail or "")[:2000] or None
    else:
        cmd.status, cmd.answered_at = outcome, now
        cmd.answer_detail = (detail or "")[:2000] or None
    stored = {"command_id": str(cmd.id), "kind": cmd.kind, "outcome": outcome, "detail": cmd.answer_detail}
    if result:
        cmd.payload = {**cmd.payload, "result": result}
        stored["result_keys"] = sorted(result)[:50]
    audit(db, actor, "alter", "fleet.command.answered", SUBJECT, device.id, detail=stored)
    words = {"acknowledged": "done", "error": f"failed: {cmd.answer_detail}", "not_now": "not now (offered again later)"}
    note(db, device.id, "command_answered", f"{COMMAND_KINDS[cmd.kind]} {words[outcome]}", actor, stored)
    if outcome == "acknowledged" and cmd.kind == "wipe":
        _wiped(db, device, cmd, actor)
    if outcome == "acknowledged" and cmd.kind == "lock":
        note(db, device.id, "locked", "The device confirmed it is locked.", actor)
    emit(db, "fleet", "command_answered", {"device_id": device.id, "command_id": cmd.id, "kind": cmd.kind,
                                           "outcome": outcome}, permission="fleet.read")
    if cmd.finding_id is not None:
        from onbeat.fleet.devices import diagnosis

        diagnosis.fix_answered(db, cmd, outcome)
    db.flush()
    return cmd


def _wiped(db: Session, device: Device, cmd: Command, actor: Actor) -> None:
    device.status = "wiped"
    device.sign_in_blocked = True
    credentials.revoke_all(db, device.id, "wiped")
    cancel_open(db, device.id, "the device was wiped")
    report = db.execute(select(LostReport).where(LostReport.device_id == device.id, LostReport.found_at.is_(None))
                        ).scalar_one_or_none()
    audit(db, actor, "erase", "fleet.device.wiped", SUBJECT, device.id,
          detail={"reference": device.reference, "command_id": str(cmd.id),
                  "lost_report": str(report.id) if report else None})
    note(db, device.id, "wiped", "The device confirmed it has erased all police information.", actor)
    emit(db, "fleet", "device_wiped", {"device_id": device.id, "reference": device.reference},
         permission="fleet.read")


def expire_due(db: Session, now: datetime | None = None) -> int:
    """Mark open commands past their expiry as expired (each on its device's timeline)."""
    now = now or utcnow()
    rows = db.execute(update(Command).where(Command.status.in_(OPEN_COMMAND_STATES), Command.expires_at <= now)
                      .values(status="expired").returning(Command.device_id, Command.kind, Command.id)).all()
    for device_id, kind, cmd_id in rows:
        note(db, device_id, "command_expired", f"{COMMAND_KINDS[kind]} expired before the device answered.", "system",
             {"command_id": str(cmd_id)})
    return len(rows)
