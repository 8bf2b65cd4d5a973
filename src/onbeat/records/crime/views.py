"""A crime report and victim-update duties as the API returns them (and the pages show them)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.time import uk_today
from onbeat.records.core.entities import entities_of
from onbeat.records.core.models import Record
from onbeat.records.core.schemas import RecordOut
from onbeat.records.crime.codes import MO_CODES, OFFENCES, OUTCOMES, VICTIM_EVENTS
from onbeat.records.crime.models import CrimeProperty, CrimeReport, CrimeSuspect, VictimEvent, VictimUpdate
from onbeat.records.crime.schemas import (CrimeOut, CrimeSummary, DutyOut, EventOut, Labelled, OffenceOut, OutcomeOut,
                                          PersonOut, PropertyOut, SuspectOut, UpdateOut, VictimOut)
from onbeat.records.crime.victims import duties_of, status_of, victims_of
from onbeat.records.pole.service import summaries

PENNY = Decimal("0.01")


def offence_out(code: str) -> OffenceOut:
    o = OFFENCES.get(code)
    return OffenceOut(code=code, label=o.label if o else code, group=o.group if o else "")


def person_labels(db: Session, person_ids) -> dict[uuid.UUID, str]:
    found = summaries(db, [("person", p) for p in set(person_ids) if p])
    return {key[1]: label for key, (label, _) in found.items()}


def duty_out(row, labels: dict[uuid.UUID, str], today: date | None = None) -> DutyOut:
    duty, event, victim, record, told_at = row
    status, late = status_of(duty.due_on, told_at, today)
    return DutyOut(id=duty.id, crime_id=record.id, reference=record.reference, victim_id=victim.person_id,
                   victim=labels.get(victim.person_id, "(not found)"), enhanced_rights=victim.enhanced_rights,
                   event_id=event.id, event=event.event, event_label=VICTIM_EVENTS[event.event],
                   occurred_at=event.occurred_at, due_on=duty.due_on, working_days=duty.working_days,
                   status=status, days_overdue=late, told_at=told_at)


def duties_out(db: Session, rows) -> list[DutyOut]:
    labels = person_labels(db, [r[2].person_id for r in rows])
    today = uk_today()
    return [duty_out(r, labels, today) for r in rows]


def summary_out(record: Record, report: CrimeReport) -> CrimeSummary:
    return CrimeSummary(id=record.id, reference=record.reference, state=record.state,
                        offence=offence_out(report.offence_code), committed_from=report.committed_from,
                        outcome_code=report.outcome_code)


def crime_out(db: Session, record: Record, report: CrimeReport) -> CrimeOut:
    entities = entities_of(db, [record.id])[record.id]
    labels = {e.id: e.label for e in entities if e.entity_type == "person"}
    victims = victims_of(db, record.id)
    by_victim_row = {v.id: v for v in victims}
    suspects = db.execute(select(CrimeSuspect).where(CrimeSuspect.record_id == record.id)
                          .order_by(CrimeSuspect.seq)).scalars()
    items = db.execute(select(CrimeProperty).where(CrimeProperty.record_id == record.id)
                       .order_by(CrimeProperty.seq)).scalars()
    today = uk_today()
    rows = duties_of(db, record.id)
    duties = [duty_out(r, labels, today) for r in rows]
    fulfilled = {r[0].update_id: d for r, d in zip(rows, duties) if r[0].update_id}
    events = db.execute(select(VictimEvent).where(VictimEvent.record_id == record.id)
                        .order_by(VictimEvent.occurred_at, VictimEvent.recorded_at)).scalars()
    updates = db.execute(select(VictimUpdate).where(VictimUpdate.record_id == record.id)
                         .order_by(VictimUpdate.told_at)).scalars()
    event_codes: dict[uuid.UUID, str] = {}
    events_out = []
    for e in events:
        event_codes[e.id] = e.event
        events_out.append(EventOut(id=e.id, event=e.event, label=VICTIM_EVENTS[e.event], occurred_at=e.occurred_at,
                                   detail=e.detail, duties=[d for d in duties if d.event_id == e.id]))
    outcome = None
    if report.outcome_code:
        outcome = OutcomeOut(code=report.outcome_code, label=OUTCOMES[report.outcome_code].label,
                             rationale=report.outcome_rationale or "", finalised_at=report.finalised_at,
                             finalised_by_id=report.finalised_by_id)
    return CrimeOut(
        record=RecordOut.of(record, entities), offence=offence_out(report.offence_code),
        committed_from=report.committed_from, committed_to=report.committed_to, mo_text=report.mo_text,
        mo_keywords=[Labelled(code=k, label=MO_CODES.get(k, k)) for k in report.mo_keywords],
        victims=[VictimOut(person_id=v.person_id, label=labels.get(v.person_id, "(not found)"),
                           enhanced_rights=v.enhanced_rights, enhanced_reason=v.enhanced_reason,
                           preferred_contact=v.preferred_contact) for v in victims],
        suspects=[SuspectOut(person_id=s.person_id, label=labels.get(s.person_id) if s.person_id else None,
                             description=s.description) for s in suspects],
        witnesses=[PersonOut(person_id=e.id, label=e.label) for e in entities if e.role == "witness"],
        property=[PropertyOut(object_id=p.object_id, description=p.description, status=p.status,
                              value=None if p.value_pence is None else (Decimal(p.value_pence) / 100).quantize(PENNY),
                              quantity=p.quantity, serial_number=p.serial_number) for p in items],
        outcome=outcome, events=events_out,
        updates=[UpdateOut(id=u.id, victim_id=by_victim_row[u.victim_id].person_id, event_id=u.event_id,
                           event=event_codes.get(u.event_id, ""), told_at=u.told_at, method=u.method,
                           told_by_id=u.told_by_id, note=u.note, duty=fulfilled.get(u.id)) for u in updates])
