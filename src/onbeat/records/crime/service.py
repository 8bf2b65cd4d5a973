"""Crime reports: create one idempotently (a record of kind `crime` with its own details), add its
victims, suspects, witnesses and property, change it while a draft, and finalise it with a Home
Office outcome.

People and property are resolved through the POLE store and linked to the record in their roles.
Every check runs before anything is written, and nothing here commits: the caller commits once,
so a report and all it names are stored together or not at all.

Once approved, a crime is still under investigation: people and property may be added to it
(any officer with records.write) until it is finalised; its own details change only as a draft.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.events.service import emit
from onbeat.core.security import Principal
from onbeat.core.time import utcnow
from onbeat.records.core import service as records
from onbeat.records.core.models import Record
from onbeat.records.crime import checks
from onbeat.records.crime.checks import Problems
from onbeat.records.crime.codes import OFFENCES, OUTCOMES, VICTIMLESS_GROUPS, Offence
from onbeat.records.crime.models import CrimeProperty, CrimeReport, CrimeSuspect, CrimeVictim
from onbeat.records.crime.schemas import CrimeChange, CrimeIn, FinaliseIn, Parties, VictimIn
from onbeat.records.pole import service as pole
from onbeat.records.pole.schemas import LocationRef, ObjectRef

KIND = "crime"


def get(db: Session, record_id: uuid.UUID, *, lock: bool = False) -> tuple[Record, CrimeReport]:
    record = records.get(db, record_id, KIND, lock=lock)
    report = db.get(CrimeReport, record.id)
    if report is None:  # a header whose details never arrived cannot be served as a crime
        raise NotFound(f"{record.reference} has no crime details.")
    return record, report


# --- checks --------------------------------------------------------------------------------------

def _victim_entitlement(problems: Problems, field: str, victim: VictimIn,
                        offence: Offence | None) -> tuple[bool, str | None]:
    """(enhanced_rights, reason) for a victim as given, or a problem where they disagree."""
    if victim.enhanced_reason and not victim.enhanced_rights:
        problems.add(f"{field}.enhanced_rights", "A reason for enhanced rights was given but enhanced_rights is "
                     "false.", "Set enhanced_rights to true, or leave enhanced_reason out.")
    if victim.enhanced_rights:
        if victim.enhanced_reason:
            return True, victim.enhanced_reason
        if offence is not None and offence.most_serious:
            return True, "most_serious"
        problems.add(f"{field}.enhanced_reason", "Enhanced rights need a reason from the Victims' Code.",
                     "Give enhanced_reason: most_serious, persistently_targeted or vulnerable_or_intimidated.")
        return True, None
    if offence is not None and offence.most_serious:
        # The Code entitles every victim of these offences: not a choice to be left unticked.
        return True, "most_serious"
    return False, None


def _check_parties(problems: Problems, db: Session, parties: Parties, offence: Offence | None,
                   record_id: uuid.UUID | None = None) -> list[tuple[bool, str | None]]:
    existing = set()
    if record_id is not None:
        existing = set(db.execute(select(CrimeVictim.person_id).where(CrimeVictim.record_id == record_id)).scalars())
    seen: set[uuid.UUID] = set()
    entitlements = []
    for i, victim in enumerate(parties.victims):
        entitlements.append(_victim_entitlement(problems, f"victims.{i}", victim, offence))
        pid = victim.person.id
        if pid is not None and (pid in seen or pid in existing):
            problems.add(f"victims.{i}.person.id", "This person is already a victim on this crime.",
                         "List each victim once.")
        if pid is not None:
            seen.add(pid)
    return entitlements


def _location_label(db: Session, ref: LocationRef) -> str:
    if ref.id is not None:
        found = pole.summaries(db, [("location", ref.id)]).get(("location", ref.id))
        if found is None:
            raise BadRequest(f"There is no location with id {ref.id}.", field="location.id",
                             hint="Search for the location and use its id, or give its address instead.")
        return found[0]
    text = ", ".join(x for x in (ref.address, ref.postcode) if x)
    if ref.place:
        text = f"{text} ({ref.place})" if text else ref.place
    if not text and ref.latitude is not None:
        text = f"{ref.latitude:.5f}, {ref.longitude:.5f}"
    if not text and ref.easting is not None:
        text = f"Grid {ref.easting:.0f}, {ref.northing:.0f}"
    return text[:300]


# --- create and change -----------------------------------------------------------------------------

def create(db: Session, me: Principal, body: CrimeIn) -> tuple[Record, bool]:
    """A new crime report, or the one this client UUID already made (then nothing is written)."""
    problems = Problems()
    offence = checks.offence(problems, body.offence_code)
    checks.window(problems, body.committed_from, body.committed_to)
    keywords = checks.mo_keywords(problems, body.mo_keywords)
    entitlements = _check_parties(problems, db, body, offence)
    problems.raise_any()
    assert offence is not None
    place = _location_label(db, body.location)
    record, created = records.create(
        db, me, KIND, body.client_uuid, occurred_at=body.committed_from, summary=body.summary or offence.label,
        place=place, latitude=body.location.latitude, longitude=body.location.longitude,
        incident_number=body.incident_number)
    if not created:
        return record, False
    db.add(CrimeReport(record_id=record.id, offence_code=offence.code, committed_from=body.committed_from,
                       committed_to=body.committed_to, mo_text=body.mo_text, mo_keywords=keywords))
    records.link(db, record, "location", pole.resolve_location(db, me, body.location, "location"), "scene")
    _add(db, me, record, body, entitlements)
    db.flush()
    return record, True


def _add(db: Session, me: Principal, record: Record, parties: Parties,
         entitlements: list[tuple[bool, str | None]]) -> dict[str, int]:
    victims: set[uuid.UUID] = set(db.execute(select(CrimeVictim.person_id)
                                             .where(CrimeVictim.record_id == record.id)).scalars())
    for i, (victim, (enhanced, reason)) in enumerate(zip(parties.victims, entitlements)):
        person_id = pole.resolve_person(db, me, victim.person, f"victims.{i}.person")
        if person_id in victims:  # two sets of details that the POLE store knows as one person
            raise BadRequest("This person is already a victim on this crime.", field=f"victims.{i}.person",
                             hint="List each victim once.")
        victims.add(person_id)
        db.add(CrimeVictim(record_id=record.id, person_id=person_id, enhanced_rights=enhanced,
                           enhanced_reason=reason, preferred_contact=victim.preferred_contact))
        records.link(db, record, "person", person_id, "victim")
    for i, suspect in enumerate(parties.suspects):
        person_id = pole.resolve_person(db, me, suspect.person, f"suspects.{i}.person") if suspect.person else None
        db.add(CrimeSuspect(record_id=record.id, person_id=person_id, description=suspect.description))
        if person_id:
            records.link(db, record, "person", person_id, "suspect")
    for i, witness in enumerate(parties.witnesses):
        records.link(db, record, "person", pole.resolve_person(db, me, witness, f"witnesses.{i}"), "witness")
    for i, item in enumerate(parties.property):
        given: dict = dict(kind="property", description=item.description)
        if item.quantity > 1:
            given.update(quantity=Decimal(item.quantity), unit="items")
        if item.serial_number:
            given["serial_number"] = item.serial_number
        object_id = pole.resolve_object(db, me, ObjectRef(**given), f"property.{i}")
        db.add(CrimeProperty(record_id=record.id, object_id=object_id, description=item.description,
                             serial_number=item.serial_number, quantity=item.quantity, status=item.status,
                             value_pence=None if item.value is None else int(item.value * 100)))
        records.link(db, record, "object", object_id, "property")
    db.flush()
    return {k: len(getattr(parties, k)) for k in ("victims", "suspects", "witnesses", "property")}


def add_parties(db: Session, me: Principal, record: Record, report: CrimeReport, parties: Parties) -> None:
    """Add people and property: the author while a draft or returned; anyone once it is approved,
    until it is finalised (the investigation goes on)."""
    if record.state == "approved":
        if report.finalised_at is not None:
            raise Conflict(f"{record.reference} is finalised: nothing more can be added.",
                           hint="A finalised crime is closed; record new information on a new report.")
    else:
        records.ensure_editable(record, me)
    if not any((parties.victims, parties.suspects, parties.witnesses, parties.property)):
        raise BadRequest("Nothing to add: give at least one victim, suspect, witness or item of property.",
                         field="victims")
    problems = Problems()
    entitlements = _check_parties(problems, db, parties, OFFENCES.get(report.offence_code), record.id)
    problems.raise_any()
    counts = _add(db, me, record, parties, entitlements)
    records.touched(db, me, record, "parties_added", {k: v for k, v in counts.items() if v})


def change(db: Session, me: Principal, record: Record, report: CrimeReport, body: CrimeChange) -> None:
    records.ensure_editable(record, me)
    sent = body.model_fields_set
    problems = Problems()
    offence = checks.offence(problems, body.offence_code) if body.offence_code else None
    start = body.committed_from if "committed_from" in sent and body.committed_from else report.committed_from
    end = body.committed_to if "committed_to" in sent else report.committed_to
    checks.window(problems, start, end)
    keywords = checks.mo_keywords(problems, body.mo_keywords) if body.mo_keywords is not None else None
    problems.raise_any()
    changed = []
    if offence is not None and offence.code != report.offence_code:
        report.offence_code = offence.code
        changed.append("offence_code")
        if offence.most_serious:  # every victim is now entitled to enhanced rights
            for v in db.execute(select(CrimeVictim).where(CrimeVictim.record_id == record.id,
                                                          CrimeVictim.enhanced_rights.is_(False))).scalars():
                v.enhanced_rights, v.enhanced_reason = True, "most_serious"
    if start != report.committed_from or end != report.committed_to:
        report.committed_from, report.committed_to = start, end
        record.occurred_at = start
        changed.append("committed")
    if body.summary is not None and body.summary.strip():
        record.summary = body.summary.strip()[:300]
        changed.append("summary")
    if body.mo_text is not None:
        report.mo_text = body.mo_text
        changed.append("mo_text")
    if keywords is not None:
        report.mo_keywords = keywords
        changed.append("mo_keywords")
    if changed:
        records.touched(db, me, record, "changed", {"fields": changed})


@records.on_submit(KIND)
def check_before_submission(db: Session, record: Record) -> None:
    """A crime against a person is recorded for its victim (one crime per victim): name them first."""
    report = db.get(CrimeReport, record.id)
    offence = OFFENCES.get(report.offence_code) if report else None
    if offence is None or offence.group in VICTIMLESS_GROUPS:
        return
    if db.execute(select(CrimeVictim.id).where(CrimeVictim.record_id == record.id).limit(1)).first() is None:
        raise BadRequest(f"{record.reference} ({offence.code} {offence.label}) has no victim: a crime of this kind is "
                         "recorded for its victim.", field="victims",
                         hint="Add the victim (for a business, the person reporting for it) before submitting.")


# --- finalisation --------------------------------------------------------------------------------

def identified_suspects(db: Session, record_id: uuid.UUID) -> int:
    return len(db.execute(select(CrimeSuspect.id).where(CrimeSuspect.record_id == record_id,
                                                        CrimeSuspect.person_id.is_not(None))).all())


def check_outcome(db: Session, record: Record, report: CrimeReport, code: str) -> None:
    outcome = OUTCOMES.get(code)
    if outcome is None:
        raise BadRequest(f"{code!r} is not a Home Office outcome code.", field="outcome_code",
                         hint="Use one of: " + ", ".join(OUTCOMES) + ".")
    named = identified_suspects(db, record.id)
    what = f"Outcome {code} ({outcome.label})"
    if outcome.needs_suspect and not named:
        raise BadRequest(f"{what} needs an identified suspect, and no named suspect is linked to {record.reference}.",
                         field="outcome_code", hint="Add the suspect to the crime first, or choose an outcome "
                                                    "for a crime with no suspect identified (14 or 18).")
    if outcome.no_suspect and named:
        raise BadRequest(f"{what} is for a crime with no suspect identified, but {record.reference} has "
                         f"{named} named suspect{'s' if named > 1 else ''}.", field="outcome_code",
                         hint="Choose an outcome for an identified suspect (for example 15 or 16).")
    if outcome.needs_victim and not db.execute(select(CrimeVictim.id).where(CrimeVictim.record_id == record.id)
                                               .limit(1)).first():
        raise BadRequest(f"{what} rests on the victim's decision, but no victim is linked to {record.reference}.",
                         field="outcome_code", hint="Add the victim to the crime first, or choose another outcome.")
    if outcome.offences is not None and report.offence_code not in outcome.offences:
        raise BadRequest(f"{what} can be given only for offences {', '.join(sorted(outcome.offences))}; "
                         f"{record.reference} is {report.offence_code}.", field="outcome_code",
                         hint="A cannabis or khat warning is only for possessing cannabis (92E) or khat (92D).")


def finalise(db: Session, me: Principal, record: Record, report: CrimeReport, body: FinaliseIn) -> bool:
    """Give the crime its Home Office outcome (a supervisor; the report must be approved).
    Returns False when it already had this outcome (a repeated request changes nothing)."""
    if report.finalised_at is not None:
        if report.outcome_code == body.outcome_code:
            return False
        raise Conflict(f"{record.reference} was finalised with outcome {report.outcome_code} and cannot be "
                       "finalised again.", field="outcome_code")
    if record.state != "approved":
        raise Conflict(f"{record.reference} is {record.state}: a crime is finalised only after its report is "
                       "approved.", hint="Submit the report and have it approved first.")
    check_outcome(db, record, report, body.outcome_code)
    now = utcnow()
    report.outcome_code, report.outcome_rationale = body.outcome_code, body.rationale
    report.finalised_at, report.finalised_by_id = now, me.id
    audit(db, me.actor, "alter", "records.crime.finalised", "crime", record.id,
          detail={"reference": record.reference, "outcome_code": body.outcome_code})
    emit(db, "records", "crime_finalised", {"id": record.id, "reference": record.reference,
                                            "offence_code": report.offence_code, "outcome_code": body.outcome_code,
                                            "finalised_at": now, "author_id": record.author_id},
         permission="records.read")
    if OUTCOMES[body.outcome_code].ends_without_action:
        from onbeat.records.crime import victims

        victims.decision_without_action(db, me, record, OUTCOMES[body.outcome_code], now)
    db.flush()
    return True
