"""The catalogue of device models and the role profiles built on them.

A profile change (policies, settings or software bundle) bumps its version and queues a
`push_configuration` command, carrying the whole new policy, to every device on the profile
through the devices package's command queue."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.events.service import emit
from onbeat.core.permissions import ROLES
from onbeat.core.time import utcnow
from onbeat.fleet.supply.models import COMPLIANCE_ACTIONS, KINDS, DeviceModel, Profile
from onbeat.fleet.supply.service import profile_policy

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,29}$")
OS_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")
# The profile fields a fleet engineer edits; a change to any of them reaches the devices.
POLICY_FIELDS = ("software", "settings", "wrong_pin_limit", "auto_lock_minutes", "min_os_version",
                 "encryption_required", "allowed_networks", "vpn_required", "vpn_profile", "checkin_fast_seconds",
                 "checkin_slow_seconds", "fast_checkin_hours", "compliance_grace_hours", "compliance_action")


def normal_code(value: str, what: str) -> str:
    code = (value or "").strip().upper()
    if not CODE.fullmatch(code):
        raise BadRequest(f"{value!r} is not a {what} code: 2 to 30 capital letters, digits and dashes.", field="code")
    return code


# --- device models -----------------------------------------------------------------------------

def models_query(*, kind: str | None = None, active_only: bool = False) -> Select:
    stmt = select(DeviceModel).order_by(DeviceModel.kind, DeviceModel.name)
    if kind:
        stmt = stmt.where(DeviceModel.kind == kind)
    if active_only:
        stmt = stmt.where(DeviceModel.active)
    return stmt


def get_model(db: Session, model_id: uuid.UUID) -> DeviceModel:
    row = db.get(DeviceModel, model_id)
    if row is None:
        raise NotFound(f"There is no device model with id {model_id}.")
    return row


def create_model(db: Session, actor: Actor, *, code: str, name: str, kind: str, manufacturer: str,
                 operating_system: str) -> DeviceModel:
    code = normal_code(code, "model")
    if kind not in KINDS:
        raise BadRequest(f"{kind!r} is not a kind of device: use one of {', '.join(KINDS)}.", field="kind")
    for name_, value in (("name", name), ("manufacturer", manufacturer), ("operating_system", operating_system)):
        if not (value or "").strip():
            raise BadRequest(f"Give the model's {name_.replace('_', ' ')}.", field=name_)
    if db.execute(select(DeviceModel.id).where(DeviceModel.code == code)).first():
        raise Conflict(f"A device model with the code {code} is already in the catalogue.", field="code")
    row = DeviceModel(id=uuid.uuid4(), code=code, name=name.strip()[:120], kind=kind,
                      manufacturer=manufacturer.strip()[:80], operating_system=operating_system.strip()[:60],
                      active=True)
    db.add(row)
    db.flush()
    audit(db, actor, "collect", "fleet.model.created", "device_model", row.id, detail={"code": code})
    return row


def set_model_active(db: Session, actor: Actor, row: DeviceModel, active: bool) -> DeviceModel:
    row.active = active
    audit(db, actor, "alter", "fleet.model.changed", "device_model", row.id, detail={"active": active})
    db.flush()
    return row


# --- profiles ----------------------------------------------------------------------------------

@dataclass
class ProfileFields:
    """What a fleet engineer sets on a profile (software: [{"name", "version"}])."""

    name: str
    role: str
    device_model_id: uuid.UUID
    min_os_version: str
    is_default: bool = False
    software: list[dict] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    wrong_pin_limit: int = 10
    auto_lock_minutes: int = 5
    encryption_required: bool = True
    allowed_networks: list[str] = field(default_factory=list)
    vpn_required: bool = True
    vpn_profile: str | None = None
    checkin_fast_seconds: int = 60
    checkin_slow_seconds: int = 300
    fast_checkin_hours: int = 24
    compliance_grace_hours: int = 72
    compliance_action: str = "notify"


def _checked(db: Session, data: ProfileFields) -> dict:
    problems: list[dict] = []

    def bad(field_: str, message: str) -> None:
        problems.append({"field": field_, "message": message})

    if not data.name.strip():
        bad("name", "Give the profile a name.")
    if data.role not in ROLES:
        bad("role", f"{data.role!r} is not a role: use one of {', '.join(ROLES)}.")
    model = db.get(DeviceModel, data.device_model_id)
    if model is None or not model.active:
        bad("device_model_id", "Choose a device model from the catalogue.")
    if not OS_VERSION.fullmatch(data.min_os_version.strip()):
        bad("min_os_version", f"{data.min_os_version!r} is not a version: write it like 10.0 or 14.2.1.")
    for name, low, high in (("wrong_pin_limit", 3, 20), ("auto_lock_minutes", 1, 60),
                            ("checkin_fast_seconds", 10, 3600), ("checkin_slow_seconds", 60, 86400),
                            ("fast_checkin_hours", 0, 720), ("compliance_grace_hours", 0, 720)):
        value = getattr(data, name)
        if not low <= value <= high:
            bad(name, f"{name.replace('_', ' ').capitalize()} must be from {low} to {high}, not {value}.")
    if data.checkin_fast_seconds > data.checkin_slow_seconds:
        bad("checkin_fast_seconds", "The fast check-in interval must not be longer than the slow one.")
    if data.compliance_action not in COMPLIANCE_ACTIONS:
        bad("compliance_action", f"Use one of {', '.join(COMPLIANCE_ACTIONS)}.")
    if data.vpn_required and not (data.vpn_profile or "").strip():
        bad("vpn_profile", "Name the VPN profile the device must use, or do not require a VPN.")
    software = []
    for i, item in enumerate(data.software):
        name = str(item.get("name", "")).strip() if isinstance(item, dict) else ""
        if not name or len(name) > 80:
            bad(f"software.{i}.name", "Each piece of software needs a name of up to 80 characters.")
            continue
        software.append({"name": name, "version": str(item.get("version") or "").strip()[:30]})
    networks = [n.strip() for n in data.allowed_networks if n.strip()]
    if any(len(n) > 32 for n in networks):
        bad("allowed_networks", "A network name (SSID) is at most 32 characters.")
    if problems:
        detail = problems[0]["message"] if len(problems) == 1 else f"{len(problems)} things to put right."
        raise BadRequest(detail, field=problems[0]["field"], errors=problems,
                         hint="Correct the fields named and save the profile again.")
    values = {name: getattr(data, name) for name in POLICY_FIELDS}
    values.update(software=software, allowed_networks=networks, min_os_version=data.min_os_version.strip(),
                  vpn_profile=(data.vpn_profile or "").strip() or None)
    return {**values, "name": data.name.strip()[:120], "role": data.role, "device_model_id": data.device_model_id,
            "is_default": data.is_default}


def _one_default(db: Session, role: str, keep: uuid.UUID) -> None:
    db.execute(update(Profile).where(Profile.role == role, Profile.is_default, Profile.id != keep)
               .values(is_default=False))


def profiles_query(*, role: str | None = None) -> Select:
    stmt = select(Profile).where(Profile.active).order_by(Profile.role, Profile.name)
    return stmt.where(Profile.role == role) if role else stmt


def profile_by_code(db: Session, code: str) -> Profile | None:
    return db.execute(select(Profile).where(Profile.code == code.strip().upper())).scalar()


def create_profile(db: Session, actor: Actor, code: str, data: ProfileFields) -> Profile:
    code = normal_code(code, "profile")
    values = _checked(db, data)
    if profile_by_code(db, code):
        raise Conflict(f"A profile with the code {code} already exists.", field="code")
    row = Profile(id=uuid.uuid4(), code=code, version=1, active=True, updated_at=utcnow(), **values)
    if row.is_default:
        _one_default(db, row.role, row.id)
    db.add(row)
    db.flush()
    audit(db, actor, "collect", "fleet.profile.created", "device_profile", row.id, detail={"code": code})
    return row


def update_profile(db: Session, actor: Actor, row: Profile, data: ProfileFields) -> tuple[Profile, list[str]]:
    """Save the profile; if what devices enforce changed, bump the version and queue the new
    policy to every device on it. Returns the profile and the names of the fields changed."""
    values = _checked(db, data)
    changed = [k for k, v in values.items() if getattr(row, k) != v]
    if not changed:
        return row, []
    if values["is_default"] and not row.is_default:
        _one_default(db, values["role"], row.id)
        db.flush()
    for key, value in values.items():
        setattr(row, key, value)
    reaches_devices = [k for k in changed if k in POLICY_FIELDS]
    if reaches_devices:
        row.version += 1
    row.updated_at = utcnow()
    db.flush()
    audit(db, actor, "alter", "fleet.profile.changed", "device_profile", row.id,
          detail={"code": row.code, "fields": changed, "version": row.version})
    if reaches_devices:
        from onbeat.fleet.devices import commands

        commands.queue_for_profile(db, actor, row.id, kind="push_configuration", payload=profile_policy(db, row.id))
        emit(db, "fleet", "profile_changed", {"id": row.id, "code": row.code, "version": row.version,
                                              "fields": reaches_devices}, permission="fleet.read")
    return row, changed
