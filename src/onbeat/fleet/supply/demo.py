"""The demo force's devices: the catalogue, a profile per role, and requests in every state.

Models and profiles are looked up by code before they are made; the requests are made only when
the demo has none yet, so running `seed` twice adds nothing. The fleet engineer (S8002) does the
work and the delivery driver (S8004) drives today's runs; the enrolled devices then check in through
the devices package's demo. `recipients_csv` writes a CSV of up
to 100 officers' devices still to request, for the bulk request page."""

from __future__ import annotations

import csv
import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onbeat.core.identity import service as identity
from onbeat.core.identity.models import User
from onbeat.core.time import uk_today
from onbeat.fleet.supply import catalogue, runs, service
from onbeat.fleet.supply.imports import OPEN_STATES
from onbeat.fleet.supply.models import DeviceModel, DeviceRequest, Profile

ENGINEER, DRIVER = "S8002", "S8004"
MODELS = [
    ("LAP-R14", "Latitude 5430 Rugged 14-inch laptop", "laptop", "Dell", "Windows 11 Enterprise"),
    ("TAB-XC10", "Galaxy Tab Active5 tablet", "tablet", "Samsung", "Android"),
    ("PHN-XC7", "Galaxy XCover7 phone", "phone", "Samsung", "Android"),
    ("FPS-VS1", "Verifier Sense mobile fingerprint scanner", "fingerprint_scanner", "HID Global", "Firmware"),
    ("BWV-AB4", "Body 4 body-worn camera", "body_worn_camera", "Axon", "Firmware"),
]
_FRONTLINE_APPS = [{"name": "OnBeat officer app", "version": "1.0"}, {"name": "Microsoft 365 Apps", "version": "2410"},
                   {"name": "Always On VPN client", "version": "11"}, {"name": "Evidence upload", "version": "4.2"}]
# (code, name, role, default, model, min OS, extra software, wrong-PIN limit, auto-lock, grace hours, action)
PROFILES = [
    ("OFFICER-LAPTOP", "Response and neighbourhood officer: laptop", "officer", True, "LAP-R14", "10.0.22631",
     [], 10, 5, 72, "block_sign_in"),
    ("OFFICER-PHONE", "Officer: phone", "officer", False, "PHN-XC7", "14", [], 10, 2, 48, "block_sign_in"),
    ("OFFICER-BWV", "Officer: body-worn camera", "officer", False, "BWV-AB4", "1.0", [], 10, 5, 168, "notify"),
    ("OFFICER-FINGERPRINT", "Officer: mobile fingerprint scanner", "officer", False, "FPS-VS1", "2.0", [], 10, 5, 168,
     "notify"),
    ("PCSO-TABLET", "PCSO: tablet", "pcso", True, "TAB-XC10", "14", [], 10, 3, 72, "block_sign_in"),
    ("DETECTIVE-LAPTOP", "Detective: laptop", "detective", True, "LAP-R14", "10.0.22631",
     [{"name": "Interview recorder", "version": "3.1"}], 8, 5, 48, "block_sign_in"),
    ("SUPERVISOR-LAPTOP", "Supervisor: laptop", "supervisor", True, "LAP-R14", "10.0.22631",
     [{"name": "Duty planner", "version": "2.0"}], 10, 5, 72, "block_sign_in"),
    ("CONTROL-LAPTOP", "Control room, home working: laptop", "call_handler", True, "LAP-R14", "10.0.22631",
     [{"name": "Command and control client", "version": "7.4"}], 10, 10, 24, "wipe"),
]
# How many demo requests end in each state (24 people), in the order they are made.
PLAN = [("requested", 3), ("approved", 4), ("building", 2), ("built", 2), ("failed", 1), ("checked", 3),
        ("out_for_delivery", 3), ("delivered", 2), ("enrolled", 3), ("returned", 1)]
ON_RUN = ("out_for_delivery", "delivered", "enrolled", "returned")


def _catalogue(db: Session, actor) -> dict[str, int]:
    made = {"device_models": 0, "device_profiles": 0}
    models = {m.code: m for m in db.execute(select(DeviceModel)).scalars()}
    for code, name, kind, maker, os_name in MODELS:
        if code not in models:
            models[code] = catalogue.create_model(db, actor, code=code, name=name, kind=kind, manufacturer=maker,
                                                  operating_system=os_name)
            made["device_models"] += 1
    for code, name, role, default, model, min_os, extra, pins, lock, grace, action in PROFILES:
        if catalogue.profile_by_code(db, code) is None:
            catalogue.create_profile(db, actor, code, catalogue.ProfileFields(
                name=name, role=role, device_model_id=models[model].id, min_os_version=min_os, is_default=default,
                software=_FRONTLINE_APPS + extra, settings={"home_page": "https://onbeat.example.police.uk"},
                wrong_pin_limit=pins, auto_lock_minutes=lock, allowed_networks=["FORCE-SECURE", "FORCE-MOBILE"],
                vpn_required=True, vpn_profile="Force Always On", compliance_grace_hours=grace,
                compliance_action=action))
            made["device_profiles"] += 1
    return made


def _requests(db: Session, actor, driver: User) -> int:
    people = db.execute(select(User).where(User.active, User.collar_number.is_not(None), User.station_id.is_not(None))
                        .order_by(User.collar_number)).scalars().all()
    people = [p for p in people if service.default_profile(db, service._main_role(p) or "")]
    made: dict[str, list[DeviceRequest]] = {}
    i = 0
    for state, count in PLAN:
        for _ in range(count):
            if i >= len(people):
                break
            needs = "Screen reader (NVDA) and a larger font" if i == 5 else None
            made.setdefault(state, []).append(service.create(db, actor, service.NewRequest(
                person_id=people[i].id, needs=needs, urgent=(i == 4),
                extra_software=("NVDA screen reader",) if needs else ())))
            i += 1
    serials = iter(f"DEMO-{n:05d}" for n in range(1, 100))

    def forward(row: DeviceRequest, to: str) -> None:
        path = ["approved", "building", "built", "checked"]
        for step in path[:path.index(to) + 1]:
            if step == "built":
                service.mark_built(db, actor, row, next(serials))
            else:
                service.transition(db, actor, row, step)

    for state, rows in made.items():
        for row in rows:
            if state in ("approved", "building", "built"):
                forward(row, state)
            elif state == "failed":
                forward(row, "building")
                service.transition(db, actor, row, "failed", "Would not take the disk image: hard drive replaced.")
            elif state in ON_RUN:
                forward(row, "checked")
    on_run = [r for s in ON_RUN for r in made.get(s, [])]
    if on_run:
        for run in runs.plan_runs(db, actor, uk_today(), driver_id=driver.id):
            runs.start(db, actor, run)
        driver_actor = identity.actor_of(driver)
        for row in made.get("delivered", []) + made.get("enrolled", []):
            runs.deliver(db, driver_actor, runs.get(db, row.run_id), row.id, received_by=_name(db, row),
                         proof_kind="code", code=row.delivery_code)
        for row in made.get("returned", []):
            runs.not_delivered(db, driver_actor, runs.get(db, row.run_id), row.id, "Nobody at the station desk; "
                               "officer on rest days.")
        for row in made.get("enrolled", []):
            _enrol(db, actor, row)
    for row in made.get("checked", []):
        forward(row, "checked")
    return i


def _name(db: Session, row: DeviceRequest) -> str:
    person = db.get(User, row.person_id)
    return f"{person.given_name} {person.family_name}"


def _enrol(db: Session, actor, row: DeviceRequest) -> None:
    """The recipient enrols the delivered device with its one-time code (the devices package)."""
    from onbeat.fleet.devices import service as devices

    device = devices.get(db, row.device_id)
    code, _ = devices.enrolment_code(db, actor, device)
    devices.enrol(db, code, serial=row.serial, os_name="Windows 11 Enterprise", os_version="10.0.22631",
                  agent_version="1.0")


def seed(db: Session) -> dict[str, int]:
    engineer = db.execute(select(User).where(User.username == ENGINEER)).scalar()
    driver = db.execute(select(User).where(User.username == DRIVER)).scalar()
    if engineer is None or driver is None:
        return {}
    actor = identity.actor_of(engineer)
    made = _catalogue(db, actor)
    made["device_requests"] = 0
    if db.execute(select(func.count()).select_from(DeviceRequest)).scalar_one() == 0:
        made["device_requests"] = _requests(db, actor, driver)
    db.flush()
    from onbeat.fleet.devices import demo as devices_demo  # the enrolled devices check in (and show faults)

    made.update(devices_demo.seed(db))
    return {k: v for k, v in made.items() if v}  # a second run reports nothing made


def recipients_csv(db: Session, limit: int = 100) -> str:
    """A CSV of frontline officers' devices not yet requested (each profile of each of their roles:
    laptop, phone, fingerprint scanner, body-worn camera...), up to `limit` lines: what a roll-out
    sends the fleet team."""
    profiles = db.execute(select(Profile).where(Profile.active).order_by(Profile.is_default.desc(), Profile.code)
                          ).scalars().all()
    taken = set(db.execute(select(DeviceRequest.person_id, DeviceRequest.device_model_id)
                           .where(DeviceRequest.state.in_(OPEN_STATES))).all())
    people = db.execute(select(User).where(User.active, User.collar_number.is_not(None), User.station_id.is_not(None))
                        .order_by(User.collar_number)).scalars().all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["number", "name", "role", "profile", "needs", "urgent"])
    lines = 0
    for profile in profiles:
        for u in people:
            if lines >= limit:
                break
            if profile.role not in u.role_names or (u.id, profile.device_model_id) in taken:
                continue
            taken.add((u.id, profile.device_model_id))
            writer.writerow([u.collar_number, f"{u.given_name} {u.family_name}", profile.role, profile.code, "", "no"])
            lines += 1
    return out.getvalue()
