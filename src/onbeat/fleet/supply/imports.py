"""Requests in bulk from a CSV of recipients.

The whole file is checked before anything is made: every line with a problem is named (line
number as a spreadsheet shows it, the header being line 1) and nothing is created. A good file
becomes an import whose rows are created in batches, each batch committed with the count done,
so a page can show progress; each request remembers its import and line, so running an import
again (after a crash) creates only the lines still missing.

Columns (header row, any order, case-insensitive): `number` (collar or staff number, required),
`name` (for the reader; checked against the number when given), `role`, `profile` (a profile
code), `model` (a device model code), `needs`, `extra_software` (separated by `;`), `urgent`
(yes/no), `delivery_address`, `delivery_postcode`. Role, profile and model are worked out from
each other and from the recipient's role when left empty."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor, record as audit
from onbeat.core.errors import BadRequest, NotFound
from onbeat.core.identity.models import User
from onbeat.core.permissions import ROLES
from onbeat.core.time import utcnow
from onbeat.fleet.supply import service
from onbeat.fleet.supply.models import DeviceModel, DeviceRequest, Profile, RequestImport

COLUMNS = ("number", "name", "role", "profile", "model", "needs", "extra_software", "urgent", "delivery_address",
           "delivery_postcode")
MAX_ROWS = 5000
MAX_BYTES = 2_000_000
BATCH = 10
OPEN_STATES = ("requested", "approved", "building", "built", "checked", "out_for_delivery", "failed", "returned")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}


class CsvProblems(BadRequest):
    """Every line with a problem: `errors` is [{line, field, message}]."""


def parse(db: Session, content: bytes | str) -> list[dict]:
    """The checked rows ({line, person_id, role, profile_id, device_model_id, needs, ...}), or
    CsvProblems naming every bad line."""
    if isinstance(content, bytes):
        if len(content) > MAX_BYTES:
            raise BadRequest(f"The file is larger than {MAX_BYTES // 1_000_000} MB: split it.", field="file")
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequest("The file is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'.",
                             field="file") from None
    if "\x00" in content:
        raise BadRequest("The file is not a CSV (it contains NUL characters).", field="file")
    reader = csv.reader(io.StringIO(content.lstrip("\ufeff")))
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
    except StopIteration:
        raise BadRequest("The file is empty: it needs a header row and one row per recipient.", field="file") from None
    except csv.Error as exc:
        raise BadRequest(f"Line 1 cannot be read as CSV: {exc}.", field="file") from None
    unknown = [h for h in header if h not in COLUMNS]
    if unknown or "number" not in header or len(set(header)) != len(header):
        raise CsvProblems("The header row is not right: " + (
            f"unknown column(s) {', '.join(map(repr, unknown))}" if unknown else
            "it needs a 'number' column" if "number" not in header else "a column is named twice") + ".",
            field="file", errors=[{"line": 1, "field": "header", "message": f"columns allowed: {', '.join(COLUMNS)}"}],
            hint="The first row names the columns: number, role, profile, model, needs, extra_software, urgent, "
                 "delivery_address, delivery_postcode (only number is required).")
    raw: list[tuple[int, dict]] = []
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            line = reader.line_num
            if len(raw) >= MAX_ROWS:
                raise BadRequest(f"The file has more than {MAX_ROWS} recipients: split it.", field="file")
            if len(values) > len(header):
                raw.append((line, {"__error": f"{len(values)} values for {len(header)} columns"}))
                continue
            raw.append((line, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}))
    except csv.Error as exc:
        raise CsvProblems(f"Line {reader.line_num} cannot be read as CSV: {exc}.", field="file",
                          errors=[{"line": reader.line_num, "field": "file", "message": str(exc)}]) from None
    if not raw:
        raise BadRequest("The file has a header but no recipients.", field="file")
    return _check(db, raw)


def _check(db: Session, raw: list[tuple[int, dict]]) -> list[dict]:
    numbers = {r.get("number", "").upper() for _, r in raw}
    people = {}
    for user in db.execute(select(User).where(or_(func.upper(User.collar_number).in_(numbers),
                                                  func.upper(User.staff_number).in_(numbers)))).scalars():
        for n in (user.collar_number, user.staff_number):
            if n:
                people[n.upper()] = user
    profiles = {p.code: p for p in db.execute(select(Profile).where(Profile.active)).scalars()}
    defaults = {p.role: p for p in profiles.values() if p.is_default}
    models = {m.code: m for m in db.execute(select(DeviceModel).where(DeviceModel.active)).scalars()}
    open_ = {(p, m): ref for p, m, ref in db.execute(
        select(DeviceRequest.person_id, DeviceRequest.device_model_id, DeviceRequest.reference)
        .where(DeviceRequest.state.in_(OPEN_STATES)))}
    errors: list[dict] = []
    rows: list[dict] = []
    seen: dict[tuple, int] = {}

    def bad(line: int, field: str, message: str) -> None:
        errors.append({"line": line, "field": field, "message": message})

    for line, r in raw:
        if "__error" in r:
            bad(line, "file", r["__error"])
            continue
        number = r.get("number", "").upper()
        person = people.get(number)
        if not number:
            bad(line, "number", "The collar or staff number is missing.")
            continue
        if person is None or not person.active:
            bad(line, "number", f"No active member of staff has the number {r['number']!r}.")
            continue
        name = r.get("name", "")
        if name and person.family_name.casefold() not in name.casefold():
            bad(line, "name", f"{r['number']} is {person.given_name} {person.family_name}, not {name!r}.")
        role = r.get("role", "").lower().replace(" ", "_") or None
        if role and role not in ROLES:
            bad(line, "role", f"Unknown role {r['role']!r}: use one of {', '.join(ROLES)}.")
            continue
        code = r.get("profile", "").upper()
        if code:
            profile = profiles.get(code)
            if profile is None:
                bad(line, "profile", f"Unknown profile {r['profile']!r}: use one of {', '.join(sorted(profiles))}.")
                continue
            if role and profile.role != role:
                bad(line, "profile", f"Profile {code} is for the role {profile.role}, not {role}.")
                continue
        else:
            role = role or service._main_role(person)
            profile = defaults.get(role or "")
            if profile is None:
                bad(line, "role", f"No device profile is set up for the role {role!r}: name a profile.")
                continue
        model_code = r.get("model", "").upper()
        if model_code and model_code not in models:
            bad(line, "model", f"Unknown device model {r['model']!r}: use one of {', '.join(sorted(models))}.")
            continue
        model_id = models[model_code].id if model_code else profile.device_model_id
        urgent = r.get("urgent", "").lower()
        if urgent not in YES | NO:
            bad(line, "urgent", f"Write yes or no for urgent, not {r['urgent']!r}.")
        if len(r.get("needs", "")) > 1000:
            bad(line, "needs", "Personal needs are at most 1,000 characters.")
        if person.station_id is None and not r.get("delivery_address"):
            bad(line, "delivery_address", f"{number} has no station: give a delivery address.")
        key = (person.id, model_id)
        if key in seen:
            bad(line, "number", f"{number} is already on line {seen[key]} for the same device model.")
            continue
        seen[key] = line
        if key in open_:
            bad(line, "number", f"{number} already has an open request for this model: {open_[key]}.")
            continue
        rows.append({"line": line, "person_id": str(person.id), "role": role or profile.role,
                     "profile_id": str(profile.id), "device_model_id": str(model_id), "needs": r.get("needs") or None,
                     "extra_software": [s.strip() for s in r.get("extra_software", "").split(";") if s.strip()],
                     "urgent": urgent in YES, "delivery_address": r.get("delivery_address") or None,
                     "delivery_postcode": r.get("delivery_postcode") or None})
    if errors:
        lines = sorted({e["line"] for e in errors})
        shown = ", ".join(map(str, lines[:10])) + (" and more" if len(lines) > 10 else "")
        first = errors[0]
        raise CsvProblems(f"{len(lines)} line(s) need putting right ({shown}); nothing was created. "
                          f"Line {first['line']}, {first['field']}: {first['message']}", field="file", errors=errors,
                          hint="Correct the lines named in errors and upload the whole file again.")
    return rows


def start(db: Session, actor: Actor, filename: str, content: bytes | str) -> RequestImport:
    """Check the file and record the import (nothing created yet: `run` creates the requests)."""
    rows = parse(db, content)
    job = RequestImport(id=uuid.uuid4(), filename=(filename or "recipients.csv")[:200], created_by=actor.id,
                        created_at=utcnow(), total=len(rows), processed=0, state="running", rows=rows)
    db.add(job)
    db.flush()
    audit(db, actor, "collect", "fleet.request.import_started", "device_request_import", job.id,
          detail={"filename": job.filename, "rows": len(rows)})
    return job


def get(db: Session, import_id: uuid.UUID) -> RequestImport:
    job = db.get(RequestImport, import_id)
    if job is None:
        raise NotFound(f"There is no import with id {import_id}.")
    return job


def run(session_factory: Callable[[], Session], import_id: uuid.UUID, actor: Actor, batch: int = BATCH) -> None:
    """Create the import's requests, `batch` at a time, each batch committed with the progress.
    Lines already created (by an earlier, interrupted run) are skipped."""
    with session_factory() as db:
        job = db.get(RequestImport, import_id)
        if job is None or job.state != "running":
            return
        rows = list(job.rows)
        done = set(db.execute(select(DeviceRequest.import_line).where(DeviceRequest.import_id == import_id)).scalars())
        try:
            for start_at in range(0, len(rows), batch):
                job = db.execute(select(RequestImport).where(RequestImport.id == import_id)
                                 .with_for_update()).scalar_one()
                for r in rows[start_at:start_at + batch]:
                    if r["line"] in done:
                        continue
                    data = service.NewRequest(
                        person_id=uuid.UUID(r["person_id"]), role=r["role"], profile_id=uuid.UUID(r["profile_id"]),
                        device_model_id=uuid.UUID(r["device_model_id"]), needs=r["needs"],
                        extra_software=tuple(r["extra_software"]), urgent=r["urgent"],
                        delivery_address=r["delivery_address"], delivery_postcode=r["delivery_postcode"])
                    service.create(db, actor, data, import_id=import_id, import_line=r["line"])
                job.processed = min(len(rows), start_at + batch)
                db.commit()
            job = db.get(RequestImport, import_id)
            job.state, job.rows = "done", []
            db.commit()
        except Exception as exc:  # a row that became invalid since the check (a profile retired...)
            db.rollback()
            job = db.get(RequestImport, import_id)
            job.state = "failed"
            job.error = (exc.detail if isinstance(exc, BadRequest) else "An unexpected error stopped the import.")[:500]
            db.commit()
            if not isinstance(exc, BadRequest):
                raise
