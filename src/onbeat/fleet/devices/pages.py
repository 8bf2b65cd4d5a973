"""Device pages: the device list, a device's own page (facts, findings, commands, timeline and the
actions: send a command, enrolment code, lost or stolen, found, retire), the findings page with
each finding's remote fix, and "my devices" where anyone can report their own device lost."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.errors import Problem
from onbeat.core.identity.models import User
from onbeat.core.pagination import PageQuery, paginate
from onbeat.core.security import Requires
from onbeat.db import get_db
from onbeat.fleet.devices import commands, diagnosis, lost, service
from onbeat.fleet.devices.models import COMMAND_KINDS, COMMAND_STATES, COMPLIANCE, STATUSES
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
Text = Annotated[str, Query(max_length=80)]
NOTICES = {"queued": "Command sent: the device gets it at its next check-in.", "cancelled": "Command cancelled.",
           "lost": "Reported. The device locks at its next check-in; the wipe is scheduled.",
           "found": "Marked as found.", "retired": "Device retired.", "fix": "Fix sent to the device.",
           "escalated": "Passed to the service desk."}
# The findings page runs the time-driven checks at most this often.
SWEEP_EVERY_SECONDS = 60.0
_last_sweep = 0.0


async def _form(request: Request) -> dict:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str) and k != "csrf_token"}


FormValues = Annotated[dict, Depends(_form)]


def _problem_message(exc: Problem) -> dict:
    return {(exc.field or "form").replace("payload.", ""): exc.detail + (f" {exc.hint}" if exc.hint else "")}


def _names(db: Session, ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.execute(select(User).where(User.id.in_(ids))).scalars()}


# --- the list ------------------------------------------------------------------------------------

@router.get("/fleet/devices")
def device_list(request: Request, me: Requires("fleet.read"), db: DB, page_no: PageQuery = 1, status: Text = "",
                compliance: Text = "", q: Text = "") -> Response:
    form = {"status": status if status in STATUSES else "", "compliance": compliance if compliance in COMPLIANCE else "",
            "q": q.strip()}
    rows, pg = paginate(db, service.search(status=form["status"] or None, compliance=form["compliance"] or None,
                                           q=form["q"] or None), page_no, 25, scalars=False)
    base = "/fleet/devices?" + urlencode({k: v for k, v in form.items() if v}) + ("&" if any(form.values()) else "")
    return page(request, "fleet/devices/list.html", {"rows": rows, "pg": pg, "base": base, "form": form,
                                                     "statuses": STATUSES, "levels": COMPLIANCE,
                                                     "labels": {c: r.label for c, r in diagnosis.RULES.items()}})


# --- one device ----------------------------------------------------------------------------------

def _device_page(request: Request, me, db: Session, device_id: uuid.UUID, *, tl_page: int = 1, cmd_page: int = 1,
                 errors: dict | None = None, form: dict | None = None, code: tuple | None = None, status: int = 200,
                 notice: str | None = None) -> Response:
    device = service.get(db, device_id)
    from onbeat.fleet.supply.service import get_profile

    profile = get_profile(db, device.profile_id)
    timeline, tl_pg = paginate(db, service.timeline(device.id), tl_page, 20)
    cmds, cmd_pg = paginate(db, commands.of_device(device.id), cmd_page, 10)
    findings = db.execute(diagnosis.open_findings().where(diagnosis.Finding.device_id == device.id)).all()
    report = lost.open_report(db, device.id)
    person = db.get(User, device.person_id) if device.person_id else None
    service.consult(db, me, device)
    db.commit()
    qr = service.enrolment_qr(code[0], str(request.base_url)) if code else None
    return page(request, "fleet/devices/device.html", {
        "d": device, "profile": profile, "person": person, "timeline": timeline, "tl_pg": tl_pg, "cmds": cmds,
        "cmd_pg": cmd_pg, "findings": findings, "report": report, "rules": diagnosis.RULES, "kinds": COMMAND_KINDS,
        "command_states": COMMAND_STATES, "statuses": STATUSES, "levels": COMPLIANCE,
        "effective": commands.effective_status, "errors": errors or {}, "form": form or {}, "code": code, "qr": qr,
        "notice": notice or NOTICES.get(request.query_params.get("done", "")),
        "names": _names(db, [c.created_by for c in cmds]),
        "may_report": lost.may_report(me, device),
    }, status_code=status)


@router.get("/fleet/devices/{device_id}")
def device_page(request: Request, device_id: uuid.UUID, me: Requires("fleet.read"), db: DB,
                tl_page: Annotated[int, Query(ge=1, le=100000)] = 1,
                cmd_page: Annotated[int, Query(ge=1, le=100000)] = 1) -> Response:
    return _device_page(request, me, db, device_id, tl_page=tl_page, cmd_page=cmd_page)


def _payload(form: dict) -> dict:
    kind = form.get("kind", "")
    if kind in ("show_message", "lock"):
        return {"message": form.get("message", "").strip()} if form.get("message", "").strip() or kind == "show_message" else {}
    if kind in ("install_software", "remove_software"):
        out = {"name": form.get("software", "").strip()}
        if form.get("version", "").strip():
            out["version"] = form["version"].strip()
        return out
    if kind == "restart_app":
        return {"app": form.get("app", "").strip() or "OnBeat"}
    return {}


@router.post("/fleet/devices/{device_id}/commands")
def send_command(request: Request, device_id: uuid.UUID, me: Requires("fleet.command"), form: FormValues,
                 db: DB) -> Response:
    errors = {}
    hours = form.get("expires_in_hours", "").strip()
    expires = None
    if form.get("kind") not in COMMAND_KINDS:
        errors["kind"] = "Choose the command to send."
    if hours:
        try:
            expires = timedelta(hours=float(hours))
        except ValueError:
            errors["expires_in_hours"] = "Give the hours as a number, for example 24."
    if form.get("kind") == "wipe" and form.get("confirm") != "yes":
        errors["confirm"] = "Tick the box to confirm the wipe: it erases all police information on the device."
    if not errors:
        try:
            device = service.get(db, device_id, lock=True)
            commands.queue(db, me, device, form["kind"], _payload(form), reason=form.get("reason", "").strip() or None,
                           expires_in=expires)
            db.commit()
            return RedirectResponse(f"/fleet/devices/{device_id}?done=queued", status_code=303)
        except Problem as exc:
            db.rollback()
            field = {"payload.message": "message", "payload.name": "software"}.get(exc.field or "", exc.field or "kind")
            errors[field] = exc.detail
            status = exc.status
    else:
        status = 400
    return _device_page(request, me, db, device_id, errors=errors, form=form, status=status)


@router.post("/fleet/commands/{command_id}/cancel")
def cancel_command(command_id: uuid.UUID, me: Requires("fleet.command"), db: DB) -> Response:
    cmd = commands.cancel(db, me, commands.get(db, command_id, lock=True), "Cancelled by a fleet engineer.")
    db.commit()
    return RedirectResponse(f"/fleet/devices/{cmd.device_id}?done=cancelled", status_code=303)


@router.post("/fleet/devices/{device_id}/enrolment-code")
def enrolment_code(request: Request, device_id: uuid.UUID, me: Requires("fleet.manage"), db: DB) -> Response:
    """Shows the code and its QR code once (only a hash is kept)."""
    code = service.enrolment_code(db, me, service.get(db, device_id, lock=True))
    db.commit()
    return _device_page(request, me, db, device_id, code=code)


@router.post("/fleet/devices/{device_id}/lost")
def report_lost(request: Request, device_id: uuid.UUID, me: Requires("fleet.report_lost"), form: FormValues,
                db: DB) -> Response:
    errors = {}
    kind = form.get("lost_kind", "")
    if kind not in ("lost", "stolen"):
        errors["lost_kind"] = "Say whether it was lost or stolen."
    if len(form.get("circumstances", "").strip()) < 3:
        errors["circumstances"] = "Say where and when it was last seen."
    hours = None
    if form.get("wipe_after_hours", "").strip():
        try:
            hours = float(form["wipe_after_hours"])
            if not 0 <= hours <= 720:
                raise ValueError
        except ValueError:
            errors["wipe_after_hours"] = "Give the hours before the wipe as a number from 0 to 720."
    back = form.get("back") if form.get("back") in ("/fleet/my-devices",) else None
    if not errors:
        try:
            lost.report(db, me, service.get(db, device_id, lock=True), kind, form["circumstances"][:1000],
                        timedelta(hours=hours) if hours is not None else None)
            db.commit()
            return RedirectResponse((back or f"/fleet/devices/{device_id}") + "?done=lost", status_code=303)
        except Problem as exc:
            db.rollback()
            errors = _problem_message(exc)
    if back or not me.can("fleet.read"):
        return _my_devices(request, me, db, errors=errors, form={**form, "device_id": str(device_id)}, status=400)
    return _device_page(request, me, db, device_id, errors=errors, form=form, status=400)


@router.post("/fleet/devices/{device_id}/found")
def report_found(device_id: uuid.UUID, me: Requires("fleet.command"), form: FormValues, db: DB) -> Response:
    lost.found(db, me, service.get(db, device_id, lock=True), form.get("note", "").strip()[:500] or None)
    db.commit()
    return RedirectResponse(f"/fleet/devices/{device_id}?done=found", status_code=303)


@router.post("/fleet/devices/{device_id}/retire")
def retire(request: Request, device_id: uuid.UUID, me: Requires("fleet.manage"), form: FormValues, db: DB) -> Response:
    try:
        service.retire(db, me, service.get(db, device_id, lock=True), form.get("reason", "")[:300])
        db.commit()
    except Problem as exc:
        db.rollback()
        return _device_page(request, me, db, device_id, errors=_problem_message(exc), form=form, status=400)
    return RedirectResponse(f"/fleet/devices/{device_id}?done=retired", status_code=303)


# --- findings ------------------------------------------------------------------------------------

@router.get("/fleet/findings")
def findings_page(request: Request, me: Requires("fleet.read"), db: DB, page_no: PageQuery = 1, code: Text = "",
                  cleared: Text = "") -> Response:
    global _last_sweep
    if time.monotonic() - _last_sweep > SWEEP_EVERY_SECONDS:
        commands.expire_due(db)
        diagnosis.sweep(db)
        db.commit()
        _last_sweep = time.monotonic()
    form = {"code": code if code in diagnosis.RULES else "", "cleared": "yes" if cleared == "yes" else ""}
    rows, pg = paginate(db, diagnosis.open_findings(form["code"] or None, bool(form["cleared"])), page_no, 25,
                        scalars=False)
    fixes = {f.fix_command_id for f, _ in rows if f.fix_command_id}
    fix_rows = {c.id: c for c in db.execute(select(commands.Command).where(commands.Command.id.in_(fixes))).scalars()} \
        if fixes else {}
    base = "/fleet/findings?" + urlencode({k: v for k, v in form.items() if v}) + ("&" if any(form.values()) else "")
    return page(request, "fleet/devices/findings.html", {
        "rows": rows, "pg": pg, "base": base, "form": form, "rules": diagnosis.RULES, "fixes": fix_rows,
        "effective": commands.effective_status, "command_states": COMMAND_STATES,
        "notice": NOTICES.get(request.query_params.get("done", "")), "error": request.query_params.get("error")})


def _back_to_findings(done: str | None = None, error: str | None = None) -> RedirectResponse:
    query = urlencode({"done": done} if done else {"error": error})
    return RedirectResponse(f"/fleet/findings?{query}", status_code=303)


@router.post("/fleet/findings/{finding_id}/fix")
def fix(finding_id: uuid.UUID, me: Requires("fleet.command"), db: DB) -> Response:
    try:
        diagnosis.run_fix(db, me, diagnosis.get(db, finding_id))
        db.commit()
    except Problem as exc:
        db.rollback()
        return _back_to_findings(error=exc.detail)
    return _back_to_findings("fix")


@router.post("/fleet/findings/{finding_id}/escalate")
def escalate(finding_id: uuid.UUID, me: Requires("fleet.command"), db: DB) -> Response:
    try:
        diagnosis.escalate(db, me, diagnosis.get(db, finding_id))
        db.commit()
    except Problem as exc:
        db.rollback()
        return _back_to_findings(error=exc.detail)
    return _back_to_findings("escalated")


# --- my devices (anyone) -------------------------------------------------------------------------

def _my_devices(request: Request, me, db: Session, errors: dict | None = None, form: dict | None = None,
                status: int = 200) -> Response:
    devices = service.for_person(db, me.id)
    reports = {d.id: lost.open_report(db, d.id) for d in devices}
    return page(request, "fleet/devices/mine.html", {"devices": devices, "reports": reports, "statuses": STATUSES,
                                                     "errors": errors or {}, "form": form or {},
                                                     "notice": NOTICES.get(request.query_params.get("done", ""))},
                status_code=status)


@router.get("/fleet/my-devices")
def my_devices(request: Request, me: Requires("fleet.report_lost"), db: DB) -> Response:
    return _my_devices(request, me, db)
