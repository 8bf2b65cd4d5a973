"""Keeping victims informed (Victims' Code, right 6).

An event in the investigation (arrest, interview, charge, release, bail change, a decision not to
investigate or to take no further action) starts a duty for each victim of the crime: tell them
within 5 working days, or 1 for a victim with enhanced rights (see `deadlines`). Recording that a
victim was told fulfils the duty; a duty not fulfilled by its UK due date is overdue.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import Conflict
from onbeat.core.events.service import emit
from onbeat.core.identity.models import User
from onbeat.core.security import Principal
from onbeat.core.time import format_uk, uk, uk_today, utcnow
from onbeat.records.core.models import Record
from onbeat.records.crime import checks, deadlines
from onbeat.records.crime.checks import Problems
from onbeat.records.crime.codes import DUTY_EVENTS, Outcome
from onbeat.records.crime.models import CrimeReport, CrimeVictim, VictimDuty, VictimEvent, VictimUpdate
from onbeat.records.crime.schemas import VictimEventIn, VictimUpdateIn


def victims_of(db: Session, record_id: uuid.UUID) -> list[CrimeVictim]:
    return list(db.execute(select(CrimeVictim).where(CrimeVictim.record_id == record_id)
                           .order_by(CrimeVictim.seq)).scalars())


def _same_client_uuid(db: Session, model, client_uuid: uuid.UUID | None, record: Record):
    if client_uuid is None:
        return None
    found = db.execute(select(model).where(model.client_uuid == client_uuid)).scalar_one_or_none()
    if found is not None and found.record_id != record.id:
        raise Conflict(f"The client UUID {client_uuid} was already used on another crime.", field="client_uuid",
                       hint="Make a new UUID for each new event or update.")
    return found


def _start_duties(db: Session, event: VictimEvent, victims: list[CrimeVictim]) -> None:
    if event.event not in DUTY_EVENTS:
        return
    for victim in victims:
        db.add(VictimDuty(event_id=event.id, victim_id=victim.id,
                          due_on=deadlines.due_on(event.occurred_at, victim.enhanced_rights),
                          working_days=deadlines.working_days_allowed(victim.enhanced_rights)))


def _check_event_time(problems: Problems, report: CrimeReport, field: str, at: datetime) -> None:
    checks.not_future(problems, field, at, "The event")
    if at < report.committed_from:
        problems.add(field, f"The event ({format_uk(at)}) is before the crime was committed "
                     f"({format_uk(report.committed_from)}).", "Check the date and time of the event.")


def _new_event(db: Session, me: Principal, record: Record, code: str, at: datetime, detail: str,
               concerned: list[CrimeVictim], client_uuid: uuid.UUID | None = None) -> VictimEvent:
    event = VictimEvent(id=uuid.uuid4(), client_uuid=client_uuid, record_id=record.id, event=code, occurred_at=at,
                        detail=detail, recorded_by_id=me.id, recorded_at=utcnow())
    db.add(event)
    db.flush()
    _start_duties(db, event, concerned)
    audit(db, me.actor, "collect", "records.crime.victim_event", "crime", record.id,
          detail={"reference": record.reference, "event": code, "victims": [str(v.person_id) for v in concerned]})
    db.flush()
    return event


def record_event(db: Session, me: Principal, record: Record, report: CrimeReport,
                 body: VictimEventIn) -> tuple[VictimEvent, bool]:
    """Record an event the victims must be told of; (event, created). A repeated client UUID
    returns the event it recorded."""
    existing = _same_client_uuid(db, VictimEvent, body.client_uuid, record)
    if existing is not None:
        return existing, False
    problems = Problems()
    _check_event_time(problems, report, "occurred_at", body.occurred_at)
    everyone = victims_of(db, record.id)
    concerned = everyone
    if body.victim_ids is not None:
        by_person = {v.person_id: v for v in everyone}
        for i, pid in enumerate(body.victim_ids):
            if pid not in by_person:
                problems.add(f"victim_ids.{i}", f"{pid} is not a victim on {record.reference}.",
                             "Give the person ids of victims on this crime, or leave victim_ids out for all.")
        concerned = [by_person[p] for p in dict.fromkeys(body.victim_ids) if p in by_person]
    problems.raise_any()
    return _new_event(db, me, record, body.event, body.occurred_at, body.detail, concerned, body.client_uuid), True


def decision_without_action(db: Session, me: Principal, record: Record, outcome: Outcome, at: datetime) -> None:
    """Finalising with an outcome that takes no further action: every victim must be told of it."""
    everyone = victims_of(db, record.id)
    if everyone:
        _new_event(db, me, record, "no_further_action", at, f"Crime finalised: outcome {outcome.code}, "
                   f"{outcome.label}.", everyone)


def _teller(db: Session, me: Principal, told_by_id: uuid.UUID | None, problems: Problems) -> uuid.UUID:
    if told_by_id is None or told_by_id == me.id:
        return me.id
    if db.execute(select(User.id).where(User.id == told_by_id)).scalar_one_or_none() is None:
        problems.add("told_by_id", f"There is no member of staff with id {told_by_id}.",
                     "Give the id of the officer who told the victim, or leave it out if it was you.")
    return told_by_id


def record_update(db: Session, me: Principal, record: Record, report: CrimeReport,
                  body: VictimUpdateIn) -> tuple[VictimUpdate, bool]:
    """Record that a victim was told of an event; it fulfils that victim's duty for it."""
    existing = _same_client_uuid(db, VictimUpdate, body.client_uuid, record)
    if existing is not None:
        return existing, False
    problems = Problems()
    victim = db.execute(select(CrimeVictim).where(CrimeVictim.record_id == record.id,
                                                  CrimeVictim.person_id == body.victim_id)).scalar_one_or_none()
    if victim is None:
        problems.add("victim_id", f"{body.victim_id} is not a victim on {record.reference}.",
                     "Give the person id of a victim on this crime; add the victim to the crime first if needed.")
    event = None
    if body.event_id is not None:
        event = db.execute(select(VictimEvent).where(VictimEvent.id == body.event_id,
                                                     VictimEvent.record_id == record.id)).scalar_one_or_none()
        if event is None:
            problems.add("event_id", f"There is no event {body.event_id} on {record.reference}.",
                         "Use the id of an event recorded on this crime, or give event and event_at.")
        happened = event.occurred_at if event else None
    else:
        _check_event_time(problems, report, "event_at", body.event_at)
        happened = body.event_at
    checks.not_future(problems, "told_at", body.told_at, "When the victim was told")
    if happened is not None and body.told_at < happened:
        problems.add("told_at", f"The victim cannot have been told ({format_uk(body.told_at)}) before it happened "
                     f"({format_uk(happened)}).", "Check both times.")
    teller = _teller(db, me, body.told_by_id, problems)
    problems.raise_any()
    if event is None:
        event = _new_event(db, me, record, body.event, body.event_at, "", victims_of(db, record.id))
    update = VictimUpdate(id=uuid.uuid4(), client_uuid=body.client_uuid, record_id=record.id, victim_id=victim.id,
                          event_id=event.id, told_at=body.told_at, method=body.method, told_by_id=teller,
                          note=body.note, recorded_by_id=me.id, recorded_at=utcnow())
    db.add(update)
    db.flush()
    duty = db.execute(select(VictimDuty).where(VictimDuty.event_id == event.id, VictimDuty.victim_id == victim.id)
                      .with_for_update()).scalar_one_or_none()
    on_time = None
    if duty is not None and duty.update_id is None:
        duty.update_id = update.id
        on_time = uk(body.told_at).date() <= duty.due_on
    audit(db, me.actor, "collect", "records.crime.victim_updated", "crime", record.id,
          detail={"reference": record.reference, "victim": str(victim.person_id), "event": event.event,
                  "method": body.method, "on_time": on_time})
    emit(db, "records", "victim_updated", {"id": record.id, "reference": record.reference,
                                           "update_id": update.id, "event": event.event,
                                           "due_on": duty.due_on if duty else None, "on_time": on_time,
                                           "author_id": record.author_id}, permission="records.read")
    db.flush()
    return update, True


# --- duties --------------------------------------------------------------------------------------

def status_of(due_on: date, told_at: datetime | None, today: date | None = None) -> tuple[str, int]:
    """(status, days overdue): days past the due date, to today while open, to the telling when late."""
    today = today or uk_today()
    if told_at is not None:
        told_on = uk(told_at).date()
        return ("met", 0) if told_on <= due_on else ("met_late", (told_on - due_on).days)
    return ("due", 0) if today <= due_on else ("overdue", (today - due_on).days)


def _duty_rows() -> Select:
    """(duty, event, victim, record, told_at) rows, oldest deadline first."""
    return (select(VictimDuty, VictimEvent, CrimeVictim, Record, VictimUpdate.told_at)
            .join(VictimEvent, VictimEvent.id == VictimDuty.event_id)
            .join(CrimeVictim, CrimeVictim.id == VictimDuty.victim_id)
            .join(Record, Record.id == VictimEvent.record_id)
            .outerjoin(VictimUpdate, VictimUpdate.id == VictimDuty.update_id)
            .order_by(VictimDuty.due_on, VictimEvent.occurred_at, VictimDuty.id))


def duties_query(status: str = "overdue", today: date | None = None) -> Select:
    """Open duties across the force: `overdue` (past their UK due date), `due` (not yet) or `open` (both)."""
    today = today or uk_today()
    stmt = _duty_rows().where(VictimDuty.update_id.is_(None))
    if status == "overdue":
        return stmt.where(VictimDuty.due_on < today)
    if status == "due":
        return stmt.where(VictimDuty.due_on >= today)
    if status == "open":
        return stmt
    raise ValueError(f"unknown duty status {status!r}")


def duties_of(db: Session, record_id: uuid.UUID) -> list:
    """Every duty on one crime, met or not, oldest deadline first."""
    return list(db.execute(_duty_rows().where(VictimEvent.record_id == record_id)).all())
