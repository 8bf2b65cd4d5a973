"""Stop-search records: create once per client UUID, edit while a draft, find, look up a receipt.

Every rule is checked before anything is written; the header, the details, the POLE links, the
audit entries and the `records.stop_search_recorded` event are one transaction."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from onbeat.core.errors import BadRequest, NotFound
from onbeat.core.events.service import emit
from onbeat.core.security import Principal
from onbeat.core.time import utcnow
from onbeat.records.core import service as core
from onbeat.records.core.models import Record
from onbeat.records.pole import service as pole
from onbeat.records.pole.schemas import VehicleRef
from onbeat.records.stopsearch import codes, rules
from onbeat.records.stopsearch.models import StopSearch
from onbeat.records.stopsearch.schemas import StopSearchFields, StopSearchIn

KIND = "stop_search"
# Crockford's base 32: no I, L, O or U, so a reference read out on the phone is not misheard.
_RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECEIPT_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})
# Fields of the form stored as they are in the stop-search table.
DETAILS = ("postcode", "search_type", "vehicle_registration", "self_defined_ethnicity", "officer_defined_ethnicity",
            "gender", "age_range", "object_of_search", "power", "grounds", "authorisation_reference",
            "authorising_officer_rank", "authorised_at", "other_officers", "outcome", "outcome_detail",
            "outcome_linked_to_object", "anything_found", "found_detail", "injury_or_damage",
            "injury_or_damage_detail", "name_given", "clothing_removed", "more_thorough_location",
            "receipt_method", "receipt_contact")


def invalid(problems: list[rules.Problem]) -> BadRequest:
    fields = ", ".join(dict.fromkeys(p.field for p in problems))
    detail = problems[0].message if len(problems) == 1 else f"{len(problems)} things to put right: {fields}."
    return BadRequest(detail, field=problems[0].field, errors=[p.as_dict() for p in problems],
                      hint="Correct the fields named in errors and send the record again.")


def officer_number(me: Principal) -> str:
    return me.user.collar_number or me.user.staff_number or ""


def _checked(data: StopSearchFields, me: Principal) -> dict:
    problems = rules.check(data, utcnow(), officer_number(me))
    if problems:
        raise invalid(problems)
    values = {name: getattr(data, name) for name in DETAILS}
    if data.receipt_contact:
        values["receipt_contact"] = rules.receipt_contact(data.receipt_method, data.receipt_contact)
    return values


def summary(data: StopSearchFields) -> str:
    return (f"{codes.POWERS[data.power].label}: {codes.OBJECTS[data.object_of_search].lower()}; "
            f"{codes.OUTCOMES[data.outcome].lower()}")


def _header(data: StopSearchFields) -> dict:
    return dict(occurred_at=data.occurred_at, place=data.place or data.postcode, latitude=data.latitude,
                longitude=data.longitude, incident_number=data.incident_number, summary=summary(data))


def create(db: Session, me: Principal, data: StopSearchIn) -> tuple[Record, StopSearch, bool]:
    """(record, details, created). Sent again with the same client UUID: the first record, unchanged."""
    values = _checked(data, me)
    receipt = new_receipt_reference(db)  # before the header: creating it starts the serialised part
    record, created = core.create(db, me, KIND, data.client_uuid, **_header(data))
    if not created:
        return record, details(db, record.id), False
    row = StopSearch(record_id=record.id, receipt_reference=receipt, officer_number=officer_number(me),
                     officer_station_id=me.user.station_id, **values)
    db.add(row)
    _link_people_and_vehicle(db, me, record, data, fresh=True)
    db.flush()
    emit(db, "records", "stop_search_recorded",
         {"id": record.id, "reference": record.reference, "power": row.power, "object_of_search": row.object_of_search,
          "outcome": row.outcome, "occurred_at": record.occurred_at, "author_id": record.author_id,
          "incident_number": record.incident_number}, permission="records.read")
    return record, row, True


def update(db: Session, me: Principal, record: Record, data: StopSearchFields) -> StopSearch:
    """Replace the details of a draft (or returned) record: only its author may."""
    core.ensure_editable(record, me)
    values = _checked(data, me)
    row = details(db, record.id)
    changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
    for key, value in values.items():
        setattr(row, key, value)
    for key, value in _header(data).items():
        if getattr(record, key) != value:
            changed.append(key)
            setattr(record, key, value)
    _link_people_and_vehicle(db, me, record, data)
    core.touched(db, me, record, "edited", {"fields": changed})
    db.flush()
    return row


def _link_people_and_vehicle(db: Session, me: Principal, record: Record, data: StopSearchFields,
                             fresh: bool = False) -> None:
    """The person searched (only if they gave their name) and the vehicle, in the POLE store.
    `fresh`: a record just created, with no links yet to replace."""
    person_id = None
    if data.name_given and data.person is not None:
        ref = data.person
        if ref.id is None and not fresh:  # an edit sent again with the same details names the same person
            ref = ref.model_copy(update={"id": _already_named(db, record, ref)})
        if ref.id is None:  # a new person: what they told the officer about themselves, if not typed again
            ref = ref.model_copy(update={"gender": ref.gender or _stated(data.gender),
                                         "ethnicity": ref.ethnicity or _stated(data.self_defined_ethnicity)})
        person_id = pole.resolve_person(db, me, ref, field="person")
    vehicle_id = None
    if data.vehicle_registration:
        vehicle_id = pole.resolve_vehicle(db, me, VehicleRef(registration=data.vehicle_registration),
                                          field="vehicle_registration")
    for entity_type, role, entity_id in (("person", "person_searched", person_id), ("object", "vehicle", vehicle_id)):
        if fresh:
            if entity_id is not None:
                core.link(db, record, entity_type, entity_id, role)
        else:
            core.relink(db, record, entity_type, role, entity_id)


def _already_named(db: Session, record: Record, ref) -> uuid.UUID | None:
    """The person this record already names, if `ref` gives the same name and date of birth."""
    linked_id = linked(db, record.id, "person", "person_searched")
    if linked_id is None:
        return None
    person = pole.get_person(db, linked_id)
    same = (pole.fold(person.given_name), pole.fold(person.family_name)) == (pole.fold(ref.given_name),
                                                                            pole.fold(ref.family_name))
    return linked_id if same and (ref.date_of_birth is None or ref.date_of_birth == person.date_of_birth) else None


def _stated(code: str) -> str | None:
    return None if code in ("NS", "not_stated") else code


def linked(db: Session, record_id: uuid.UUID, entity_type: str, role: str) -> uuid.UUID | None:
    return next((link.entity_id for link in core.links(db, record_id, entity_type) if link.role == role), None)


def details(db: Session, record_id: uuid.UUID) -> StopSearch:
    row = db.get(StopSearch, record_id)
    if row is None:
        raise NotFound(f"There is no stop-search record with id {record_id}.")
    return row


def get(db: Session, record_id: uuid.UUID, *, lock: bool = False) -> tuple[Record, StopSearch]:
    record = core.get(db, record_id, KIND, lock=lock)
    return record, details(db, record.id)


def fields_of(db: Session, record: Record, row: StopSearch) -> StopSearchFields:
    """The stored record as the form that made it (to check it again before submission, or edit it)."""
    person_id = linked(db, record.id, "person", "person_searched")
    return StopSearchFields.model_validate({
        **{name: getattr(row, name) for name in DETAILS}, "occurred_at": record.occurred_at,
        "place": record.place if record.place != row.postcode else None, "latitude": record.latitude,
        "longitude": record.longitude, "incident_number": record.incident_number,
        "person": {"id": person_id} if person_id else None})


@core.on_submit(KIND)
def _complete_before_submission(db: Session, record: Record) -> None:
    row = details(db, record.id)
    problems = rules.check(fields_of(db, record, row), utcnow())
    if problems:
        raise invalid(problems)


# --- receipts --------------------------------------------------------------------------------

def new_receipt_reference(db: Session) -> str:
    """SS-XXXX-XXXX: 40 random bits, so one receipt reference does not lead to the next."""
    while True:
        code = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(8))
        reference = f"SS-{code[:4]}-{code[4:]}"
        if db.execute(select(StopSearch.record_id).where(StopSearch.receipt_reference == reference)).first() is None:
            return reference


def normal_receipt_reference(value: str) -> str | None:
    """'ss 7kq4 m2xd', 'SS-7KQ4-M2XD' or '7KQ4M2XD' -> 'SS-7KQ4-M2XD'; None if it cannot be one."""
    compact = re.sub(r"[^A-Z0-9]", "", value.upper())
    if len(compact) == 10 and compact.startswith("SS"):
        compact = compact[2:]
    compact = compact.translate(_RECEIPT_TYPOS)
    if len(compact) != 8 or any(ch not in _RECEIPT_ALPHABET for ch in compact):
        return None
    return f"SS-{compact[:4]}-{compact[4:]}"


def by_receipt(db: Session, receipt_reference: str) -> tuple[Record, StopSearch]:
    reference = normal_receipt_reference(receipt_reference)
    row = None
    if reference:
        row = db.execute(select(StopSearch).where(StopSearch.receipt_reference == reference)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"No stop-search record has the receipt reference {receipt_reference!r}.",
                       hint="Receipt references look like SS-7KQ4-M2XD: check it with the person.")
    return core.get(db, row.record_id, KIND), row


# --- search ------------------------------------------------------------------------------------

def search(*, power: str | None = None, outcome: str | None = None, date_from: datetime | None = None,
           date_to: datetime | None = None, author_id: uuid.UUID | None = None,
           state: str | None = None) -> Select:
    """(Record, StopSearch) rows matching every filter given, newest first."""
    stmt = (core.search(kind=KIND, date_from=date_from, date_to=date_to, author_id=author_id, state=state)
            .add_columns(StopSearch).join(StopSearch, StopSearch.record_id == Record.id))
    if power:
        stmt = stmt.where(StopSearch.power == power)
    if outcome:
        stmt = stmt.where(StopSearch.outcome == outcome)
    return stmt
