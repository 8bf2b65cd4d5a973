"""The written interview record: create (idempotent by client UUID), edit while a draft, sign (the
officer and the interviewee, or the interviewee's refusal), seal, and the check run before submission.

Once the officer has signed and the interviewee has signed or refused, the record is sealed: its
content's SHA-256 is kept and nothing in it changes again (409). A mistake found after that is put
right by a correction: a new interview record that supersedes it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.security import Principal
from onbeat.core.time import format_uk, utcnow
from onbeat.records.core import service as records
from onbeat.records.core.entities import entities_of
from onbeat.records.core.models import Record, RecordLink
from onbeat.records.core.schemas import RecordOut
from onbeat.records.core import signatures
from onbeat.records.interviews.codes import CAUTIONS, PRESENT_ROLES, SIGNERS
from onbeat.records.interviews.models import Interview, InterviewAttendee, InterviewExchange, InterviewSignature
from onbeat.records.interviews.schemas import (AttendeeOut, CautionOut, ExchangeOut, InterviewIn,
                                               InterviewOut, InterviewUpdate, SignatureIn, SignatureOut)
from onbeat.records.pole.service import resolve_person, summaries

KIND = "interview"
CLOCK_SKEW = timedelta(minutes=5)
CORRECTION_HINT = ("Make a correction: a new interview record (POST /api/records/interviews) with supersedes_id "
                   "set to this record's id. This one stays as it was signed.")
# Fields that must always have a value: an edit may change them but not clear them.
REQUIRED = ("place", "caution_code", "caution_given", "started_at", "suspect", "offered_to_read", "interviewee")


def get(db: Session, record_id: uuid.UUID, *, lock: bool = False) -> tuple[Record, Interview]:
    record = records.get(db, record_id, KIND, lock=lock)
    return record, db.get(Interview, record.id)


def exchanges_of(db: Session, record_id: uuid.UUID) -> list[InterviewExchange]:
    return list(db.execute(select(InterviewExchange).where(InterviewExchange.record_id == record_id)
                           .order_by(InterviewExchange.position)).scalars())


def attendees_of(db: Session, record_id: uuid.UUID) -> list[InterviewAttendee]:
    return list(db.execute(select(InterviewAttendee).where(InterviewAttendee.record_id == record_id)
                           .order_by(InterviewAttendee.position)).scalars())


def signatures_of(db: Session, record_id: uuid.UUID) -> list[InterviewSignature]:
    return list(db.execute(select(InterviewSignature).where(InterviewSignature.record_id == record_id)
                           .order_by(InterviewSignature.signer)).scalars())


# --- checks ----------------------------------------------------------------------------------------

def _check_times(started: datetime, ended: datetime | None, exchanges: list) -> None:
    if started > utcnow() + CLOCK_SKEW:
        raise BadRequest(f"The interview cannot start in the future ({format_uk(started)}).", field="started_at",
                         hint="Give the time it started; check the device's clock.")
    if ended is not None and ended <= started:
        raise BadRequest(f"The interview ends ({format_uk(ended)}) before or when it starts ({format_uk(started)}).",
                         field="ended_at", hint="The end time must be after the start time.")
    previous = started
    for i, exchange in enumerate(exchanges):
        at = exchange.asked_at
        if at < started or (ended is not None and at > ended):
            span = f"{format_uk(started)} to {format_uk(ended)}" if ended else f"from {format_uk(started)}"
            raise BadRequest(f"Question {i + 1} is timed {format_uk(at)}, outside the interview ({span}).",
                             field=f"exchanges.{i}.asked_at", hint="Each question's time is within the interview.")
        if at < previous:
            raise BadRequest(f"Question {i + 1} is timed before question {i}.", field=f"exchanges.{i}.asked_at",
                             hint="Questions are recorded in the order they were asked.")
        previous = at


def _check_caution(given: bool, understood: bool | None) -> None:
    if not given and understood is not None:
        raise BadRequest("The caution was not given, so whether it was understood cannot be recorded.",
                         field="caution_understood", hint="Leave caution_understood out (null), or record the "
                                                          "caution as given.")


def ensure_changeable(record: Record, interview: Interview, me: Principal) -> None:
    """409 once sealed; otherwise the records rule (the author, while a draft or returned)."""
    if interview.sealed_at is not None and record.author_id == me.id:
        raise Conflict(f"{record.reference} has been signed by the officer and the interviewee and can no longer "
                       "be changed.", hint=CORRECTION_HINT)
    records.ensure_editable(record, me)


def missing(db: Session, interview: Interview) -> list[tuple[str, str]]:
    """(field, what is missing) for everything still needed before the record can be submitted."""
    gaps = []
    if interview.ended_at is None:
        gaps.append(("ended_at", "the time the interview ended"))
    if not exchanges_of(db, interview.record_id):
        gaps.append(("exchanges", "at least one question and answer"))
    signed = {s.signer for s in signatures_of(db, interview.record_id)}
    if "officer" not in signed:
        gaps.append(("signatures.officer", "the officer's signature"))
    if "interviewee" not in signed:
        gaps.append(("signatures.interviewee", "the interviewee's signature, or their refusal to sign with the "
                                               "reason"))
    return gaps


@records.on_submit(KIND)
def _ready_to_submit(db: Session, record: Record) -> None:
    gaps = missing(db, db.get(Interview, record.id))
    if gaps:
        raise BadRequest(f"{record.reference} cannot be submitted yet: it still needs "
                         + "; ".join(m for _, m in gaps) + ".", field=gaps[0][0],
                         errors=[{"field": f, "message": m} for f, m in gaps],
                         hint="Add what is missing, then submit again.")


# --- create and edit -------------------------------------------------------------------------------

def _link_interviewee(db: Session, record: Record, interview: Interview) -> None:
    db.execute(delete(RecordLink).where(RecordLink.record_id == record.id, RecordLink.entity_type == "person",
                                        RecordLink.role.in_(("interviewee", "suspect"))))
    records.link(db, record, "person", interview.interviewee_id, "interviewee")
    if interview.suspect:
        records.link(db, record, "person", interview.interviewee_id, "suspect")


def interviewee_label(db: Session, interview: Interview) -> str:
    """The interviewee's name as the POLE store shows it."""
    found = summaries(db, [("person", interview.interviewee_id)]).get(("person", interview.interviewee_id))
    return found[0] if found else "(not found)"


def _summary(db: Session, interview: Interview) -> str:
    return f"Interview under caution of {interviewee_label(db, interview)}"[:300]


def _replace_lists(db: Session, record_id: uuid.UUID, present: list | None, exchanges: list | None) -> None:
    if present is not None:
        db.execute(delete(InterviewAttendee).where(InterviewAttendee.record_id == record_id))
        db.add_all(InterviewAttendee(record_id=record_id, position=i + 1, role=a.role, name=a.name, detail=a.detail)
                   for i, a in enumerate(present))
    if exchanges is not None:
        db.execute(delete(InterviewExchange).where(InterviewExchange.record_id == record_id))
        db.add_all(InterviewExchange(record_id=record_id, position=i + 1, asked_at=e.asked_at, question=e.question,
                                     answer=e.answer) for i, e in enumerate(exchanges))
    db.flush()


def create(db: Session, me: Principal, data: InterviewIn) -> tuple[Record, Interview, bool]:
    """Make a new interview record, or return the one this client UUID already made (created False:
    nothing is written again). Every check runs before anything is written."""
    _check_times(data.started_at, data.ended_at, data.exchanges or [])
    _check_caution(data.caution_given, data.caution_understood)
    supersedes = None
    if data.supersedes_id is not None:
        existing = db.execute(select(Record).where(Record.client_uuid == data.client_uuid)).scalar_one_or_none()
        if existing is None:
            supersedes = _correctable(db, me, data.supersedes_id)
    record, created = records.create(db, me, KIND, data.client_uuid, occurred_at=data.started_at,
                                     summary="Interview under caution", place=data.place, latitude=data.latitude,
                                     longitude=data.longitude, incident_number=data.incident_number,
                                     supersedes=supersedes)
    if not created:
        return record, db.get(Interview, record.id), False
    interview = Interview(
        record_id=record.id, interviewee_id=resolve_person(db, me, data.interviewee, "interviewee"),
        suspect=True if data.suspect is None else data.suspect, caution_code=data.caution_code,
        caution_text=CAUTIONS[data.caution_code].text, caution_given=data.caution_given,
        caution_understood=data.caution_understood, caution_notes=data.caution_notes, started_at=data.started_at,
        ended_at=data.ended_at, offered_to_read=bool(data.offered_to_read),
        interviewee_comments=data.interviewee_comments)
    db.add(interview)
    db.flush()
    _replace_lists(db, record.id, data.present or [], data.exchanges or [])
    _link_interviewee(db, record, interview)
    record.summary = _summary(db, interview)
    return record, interview, True


def _correctable(db: Session, me: Principal, record_id: uuid.UUID) -> Record:
    try:
        old, interview = get(db, record_id)
    except NotFound:
        raise BadRequest(f"There is no interview record with id {record_id} to correct.",
                         field="supersedes_id") from None
    if old.author_id != me.id:
        raise BadRequest(f"{old.reference} is another officer's record: only its author may correct it.",
                         field="supersedes_id")
    if interview.sealed_at is None:
        raise BadRequest(f"{old.reference} is not signed by both yet: change it instead of correcting it.",
                         field="supersedes_id")
    return old


def update(db: Session, me: Principal, record: Record, interview: Interview, data: InterviewUpdate) -> None:
    """Change the fields sent. If one side has signed already, `discard_signatures` must confirm that
    those signatures go (the signers sign the changed record again)."""
    ensure_changeable(record, interview, me)
    sent = data.model_fields_set - {"discard_signatures"}
    for name in sorted(sent & set(REQUIRED)):
        if getattr(data, name) is None:
            raise BadRequest(f"{name} cannot be cleared, only changed.", field=name)
    if not sent:
        return
    signed = signatures_of(db, record.id)
    if signed and not data.discard_signatures:
        who = " and ".join(SIGNERS[s.signer].lower() for s in signed)
        raise Conflict(f"{record.reference} has been signed (or refused) by the {who}: changing it removes that.",
                       field="discard_signatures", hint="Send discard_signatures: true to change it; the record "
                                                        "must then be signed again.")
    value = lambda name: getattr(data, name) if name in sent else getattr(interview, name)  # noqa: E731
    exchanges = data.exchanges if "exchanges" in sent else exchanges_of(db, record.id)
    _check_times(value("started_at"), value("ended_at"), exchanges or [])
    _check_caution(value("caution_given"), value("caution_understood"))
    for name in ("place", "latitude", "longitude", "incident_number"):
        if name in sent:
            setattr(record, name, getattr(data, name))
    for name in ("suspect", "caution_given", "caution_understood", "caution_notes", "started_at", "ended_at",
                 "offered_to_read", "interviewee_comments"):
        if name in sent:
            setattr(interview, name, getattr(data, name))
    if "caution_code" in sent:
        interview.caution_code, interview.caution_text = data.caution_code, CAUTIONS[data.caution_code].text
    record.occurred_at = interview.started_at
    if "interviewee" in sent:
        interview.interviewee_id = resolve_person(db, me, data.interviewee, "interviewee")
    if sent & {"interviewee", "suspect"}:
        _link_interviewee(db, record, interview)
        record.summary = _summary(db, interview)
    _replace_lists(db, record.id, data.present if "present" in sent else None,
                   exchanges if "exchanges" in sent else None)
    if signed:
        db.execute(delete(InterviewSignature).where(InterviewSignature.record_id == record.id))
    db.flush()
    records.touched(db, me, record, "edited", {"fields": sorted(sent),
                                               "signatures_removed": sorted(s.signer for s in signed)})


# --- signing ---------------------------------------------------------------------------------------

def _ready_to_sign(db: Session, me: Principal, record: Record, interview: Interview, signer: str) -> None:
    ensure_changeable(record, interview, me)
    if interview.ended_at is None:
        raise BadRequest("Record when the interview ended before it is signed.", field="ended_at")
    if not exchanges_of(db, record.id):
        raise BadRequest("There are no questions and answers to sign.", field="exchanges",
                         hint="Record the questions and answers first.")
    done = db.get(InterviewSignature, (record.id, signer))
    if done is not None:
        what = "refused to sign" if done.refused_reason else "signed"
        raise Conflict(f"The {SIGNERS[signer].lower()} has already {what} {record.reference}.",
                       hint="To take it again, change the record with discard_signatures: true first.")


def sign(db: Session, me: Principal, record: Record, interview: Interview, data: SignatureIn) -> InterviewSignature:
    """The officer's or the interviewee's signature, taken on the officer's device."""
    _ready_to_sign(db, me, record, interview, data.signer)
    strokes = [[p.model_dump() for p in stroke] for stroke in data.strokes]
    signatures.check(strokes, data.width, data.height)
    row = InterviewSignature(record_id=record.id, signer=data.signer, svg=signatures.to_svg(strokes, data.width,
                             data.height), signed_at=utcnow(), captured_by_id=me.id)
    db.add(row)
    db.flush()
    records.touched(db, me, record, f"signed_by_{data.signer}")
    _seal_if_complete(db, record, interview)
    return row


def refuse(db: Session, me: Principal, record: Record, interview: Interview, reason: str) -> InterviewSignature:
    """The interviewee declined to sign: recorded with the reason, in place of their signature."""
    _ready_to_sign(db, me, record, interview, "interviewee")
    row = InterviewSignature(record_id=record.id, signer="interviewee", refused_reason=reason, signed_at=utcnow(),
                             captured_by_id=me.id)
    db.add(row)
    db.flush()
    records.touched(db, me, record, "interviewee_refused_to_sign", {"reason": reason})
    _seal_if_complete(db, record, interview)
    return row


def content_hash(db: Session, record: Record, interview: Interview) -> str:
    """SHA-256 of everything the signatures cover, in a canonical JSON form."""
    def at(moment: datetime | None) -> str | None:
        return moment.astimezone(timezone.utc).isoformat() if moment else None

    body = {
        "reference": record.reference, "place": record.place, "incident_number": record.incident_number,
        "interviewee_id": str(interview.interviewee_id), "suspect": interview.suspect,
        "caution": [interview.caution_code, interview.caution_text, interview.caution_given,
                    interview.caution_understood, interview.caution_notes],
        "started_at": at(interview.started_at), "ended_at": at(interview.ended_at),
        "present": [[a.role, a.name, a.detail] for a in attendees_of(db, record.id)],
        "exchanges": [[at(e.asked_at), e.question, e.answer] for e in exchanges_of(db, record.id)],
        "offered_to_read": interview.offered_to_read, "interviewee_comments": interview.interviewee_comments,
        "signatures": [[s.signer, s.svg, s.refused_reason, at(s.signed_at)] for s in signatures_of(db, record.id)],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).hexdigest()


def _seal_if_complete(db: Session, record: Record, interview: Interview) -> None:
    if {s.signer for s in signatures_of(db, record.id)} >= set(SIGNERS):
        interview.sealed_at = utcnow()
        interview.sealed_hash = content_hash(db, record, interview)
        db.flush()


# --- reading ---------------------------------------------------------------------------------------

def out(db: Session, record: Record, interview: Interview) -> InterviewOut:
    caution = CAUTIONS[interview.caution_code]
    return InterviewOut(
        record=RecordOut.of(record, entities_of(db, [record.id])[record.id]), interviewee_id=interview.interviewee_id,
        interviewee=interviewee_label(db, interview), suspect=interview.suspect,
        caution=CautionOut(code=interview.caution_code, label=caution.label, text=interview.caution_text,
                           inferences=caution.inferences),
        caution_given=interview.caution_given, caution_understood=interview.caution_understood,
        caution_notes=interview.caution_notes, started_at=interview.started_at, ended_at=interview.ended_at,
        present=[AttendeeOut(role=a.role, role_label=PRESENT_ROLES[a.role], name=a.name, detail=a.detail)
                 for a in attendees_of(db, record.id)],
        exchanges=[ExchangeOut(number=e.position, asked_at=e.asked_at, question=e.question, answer=e.answer)
                   for e in exchanges_of(db, record.id)],
        offered_to_read=interview.offered_to_read, interviewee_comments=interview.interviewee_comments,
        signatures=[SignatureOut(signer=s.signer, signed_at=s.signed_at, svg=s.svg,
                                 refused=s.refused_reason is not None, refused_reason=s.refused_reason)
                    for s in signatures_of(db, record.id)],
        sealed=interview.sealed_at is not None, sealed_at=interview.sealed_at, sealed_hash=interview.sealed_hash,
        hash_verified=(content_hash(db, record, interview) == interview.sealed_hash) if interview.sealed_hash else None,
        missing=[m for _, m in missing(db, interview)])


def consult(db: Session, me: Principal, record: Record, purpose: str) -> None:
    records.consult(db, me, record, purpose)
