"""Statements (MG11): take one, change it while a draft, sign each page, seal it, correct it.

Rules kept here:
- the header (`records`) comes from records core; this module keeps the MG11's own fields;
- the text is divided into the PDF's pages (`layout.paginate`), and the maker signs each page and
  the declaration; when the last one is signed the statement is sealed: its SHA-256 is stored and
  nothing in it may change again (a trigger refuses it too). A correction is a new record that
  supersedes the sealed one;
- the witness-private part is read only with `records.witness_private`; a refused read is audited.
Every function validates everything before writing, so an error leaves nothing half-stored.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, Forbidden, NotFound
from onbeat.core.events.service import emit
from onbeat.core.security import Principal
from onbeat.core.time import uk, utcnow
from onbeat.records.core import service as records
from onbeat.records.core.kinds import KINDS
from onbeat.records.core.models import Record, RecordLink
from onbeat.records.core.pages import names_of
from onbeat.records.pole import service as pole
from onbeat.records.core import signatures
from onbeat.records.statements import layout
from onbeat.records.statements.models import DECLARATION, Statement, StatementSignature, WitnessPrivate
from onbeat.records.statements.schemas import SignatureIn, StatementIn, StatementUpdate, WitnessPrivateIn

STATEMENT_KINDS = ("witness_statement", "officer_statement")
CLOCK_SKEW = timedelta(minutes=5)
CONTENT_FIELDS = ("occurred_at", "place", "incident_number", "urn", "witness", "age", "occupation", "text")


def maker(kind: str) -> str:
    """Who signs the pages: the witness, or the officer making an officer statement."""
    return "witness" if kind == "witness_statement" else "officer"


def correction_hint(record: Record) -> str:
    return (f"Make a correction: POST /api/statements/{record.id}/correction (or 'Make a correction' on its "
            "page) creates a new version with this text to edit; this one stays as signed, linked to it.")


# --- reading ---------------------------------------------------------------------------------------

def get(db: Session, record_id: uuid.UUID, *, lock: bool = False) -> tuple[Record, Statement]:
    record = records.get(db, record_id, lock=lock)
    if record.kind not in STATEMENT_KINDS:
        raise NotFound(f"There is no statement with id {record_id}: {record.reference} is a "
                       f"{KINDS[record.kind].label.lower()}.", hint="Check the link, or search the records.")
    return record, db.get(Statement, record.id)


def signatures_of(db: Session, record_id: uuid.UUID) -> list[StatementSignature]:
    return list(db.execute(select(StatementSignature).where(StatementSignature.record_id == record_id)
                           .order_by(StatementSignature.page)).scalars())


def missing(statement: Statement, signed: list[StatementSignature]) -> list[str]:
    """What is still to be signed, pages first: ['page 2', 'the declaration']."""
    done = {s.page for s in signed}
    out = [f"page {n}" for n in range(1, len(statement.pages) + 1) if n not in done]
    return out + (["the declaration"] if DECLARATION not in done else [])


def corrected_by(db: Session, record: Record) -> Record | None:
    return db.execute(select(Record).where(Record.supersedes_id == record.id)).scalar_one_or_none()


def search(kind: str | None = None, urn: str | None = None, **filters) -> Select:
    """Statements (of one kind, or both) matching records core's filters and the URN, newest first."""
    stmt = records.search(kind=kind, **filters).where(Record.kind.in_(STATEMENT_KINDS))
    if urn and urn.strip():
        wanted = " ".join(urn.upper().split())
        stmt = stmt.where(Record.id.in_(select(Statement.record_id).where(Statement.urn == wanted)))
    return stmt


def age_text(statement: Statement) -> str:
    return str(statement.age) if statement.age is not None else "Over 18"


# --- the seal ----------------------------------------------------------------------------------------

def content_hash(record: Record, statement: Statement, signed: list[StatementSignature]) -> str:
    """SHA-256 over the statement as signed: header fields, declaration, pages and every signature."""
    body = {
        "record_id": str(record.id), "kind": record.kind, "reference": record.reference, "version": record.version,
        "supersedes_id": str(record.supersedes_id) if record.supersedes_id else None, "urn": statement.urn,
        "statement_of": statement.statement_of, "age": age_text(statement), "occupation": statement.occupation,
        "declaration": layout.declaration(len(statement.pages)), "pages": list(statement.pages),
        "signatures": [{"page": s.page, "signer": s.signer, "signer_name": s.signer_name,
                        "signed_at": s.signed_at.astimezone(timezone.utc).isoformat(), "svg": s.svg,
                        "width": s.width, "height": s.height, "strokes": s.strokes} for s in signed],
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def verified(db: Session, record: Record, statement: Statement) -> bool | None:
    """Whether a sealed statement still matches its hash (None while it is not sealed)."""
    if statement.sealed_hash is None:
        return None
    return content_hash(record, statement, signatures_of(db, record.id)) == statement.sealed_hash


def _seal(db: Session, me: Principal, record: Record, statement: Statement) -> None:
    db.flush()
    stored = list(db.execute(select(StatementSignature).where(StatementSignature.record_id == record.id)
                             .order_by(StatementSignature.page)
                             .execution_options(populate_existing=True)).scalars())
    statement.sealed_at = utcnow()
    statement.sealed_hash = content_hash(record, statement, stored)
    audit(db, me.actor, "alter", f"records.{record.kind}.sealed", KINDS[record.kind].subject_type, record.id,
          detail={"reference": record.reference, "sha256": statement.sealed_hash, "pages": len(statement.pages)})
    emit(db, "records", "statement_signed", {"id": record.id, "kind": record.kind, "reference": record.reference,
                                             "pages": len(statement.pages), "sha256": statement.sealed_hash,
                                             "author_id": record.author_id,
                                             "incident_number": record.incident_number}, permission="records.read")


# --- checks shared by create and update -----------------------------------------------------------

def _pages(text: str) -> list[str]:
    try:
        pages = layout.paginate(text)
    except ValueError as exc:
        raise BadRequest(f"The statement text cannot be stored: {exc}.", field="text",
                         hint="Remove the character (it is invisible in most editors) and send the text again.")
    if len(pages) > layout.MAX_PAGES:
        raise BadRequest(f"The statement runs to {len(pages)} pages; at most {layout.MAX_PAGES} fit one MG11.",
                         field="text", hint="Split it into two statements.")
    return pages


def _when(moment: datetime | None, field: str) -> datetime:
    if moment is None:
        return utcnow()
    if moment.tzinfo is None:
        raise BadRequest(f"{moment.isoformat()} has no time zone.", field=field,
                         hint="Send the time with its offset, e.g. 2026-11-21T14:05:00Z.")
    if moment > utcnow() + CLOCK_SKEW:
        raise BadRequest(f"{moment.isoformat()} is in the future.", field=field,
                         hint="Check the device's clock and send the time it really happened.")
    return moment


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _witness(db: Session, me: Principal, ref, age: int | None, taken: datetime) -> tuple[uuid.UUID, str, int | None]:
    """The witness (found or added in the POLE store), their name as the statement shows it, and the
    age if under 18: as given, or from the date of birth (which it must then agree with)."""
    person = pole.get_person(db, pole.resolve_person(db, me, ref, "witness"))
    name = " ".join(x for x in (person.given_name, person.family_name) if x)
    if not name:
        raise BadRequest("The witness has no name: a statement must say whose it is.", field="witness.family_name",
                         hint="Give the witness's given and family names.")
    return person.id, name, _checked_age(age, person.date_of_birth, taken)


def _checked_age(age: int | None, born: date | None, taken: datetime) -> int | None:
    if born is None:
        return age
    actual = _age_on(born, uk(taken).date())
    if age is not None and age != actual:
        raise BadRequest(f"The age given ({age}) does not match the date of birth ({born:%d/%m/%Y}), which "
                         f"makes the witness {actual}.", field="age", hint="Correct one of them, or leave age out.")
    return actual if actual < 18 else None


def _officer_name(db: Session, me: Principal) -> str:
    return names_of(db, [me.id]).get(me.id, me.user.display_name)


def _refuse_witness_on_officer_statement(body) -> None:
    if body.witness is not None:
        raise BadRequest("An officer statement is made by the officer: it names no witness.", field="witness",
                         hint="Leave witness out, or take a witness statement instead.")
    if body.age is not None:
        raise BadRequest("An officer statement has no age: officers are over 18.", field="age",
                         hint="Leave age out.")


# --- create, update, correct ------------------------------------------------------------------------

def create(db: Session, me: Principal, body: StatementIn) -> tuple[Record, Statement, bool]:
    """A new draft, or the statement this client UUID already made (created False, nothing written)."""
    taken = _when(body.occurred_at, "occurred_at")
    pages = _pages(body.text or "")
    if body.kind == "officer_statement":
        _refuse_witness_on_officer_statement(body)
        if body.witness_private is not None:
            raise BadRequest("An officer statement has no witness-private part.", field="witness_private",
                             hint="Leave witness_private out.")
    elif body.witness is None:
        raise BadRequest("A witness statement needs its witness.", field="witness",
                         hint="Give the id of a known person, or the witness's details.")
    record, created = records.create(db, me, body.kind, body.client_uuid, occurred_at=taken,
                                     summary="", place=body.place, latitude=body.latitude,
                                     longitude=body.longitude, incident_number=body.incident_number)
    if not created:
        return record, db.get(Statement, record.id), False
    statement = Statement(record_id=record.id, urn=body.urn, age=body.age, occupation=body.occupation or "",
                          body=layout.clean(body.text or ""), pages=pages)
    if body.kind == "witness_statement":
        statement.witness_id, statement.statement_of, statement.age = _witness(db, me, body.witness, body.age, taken)
        records.link(db, record, "person", statement.witness_id, "witness")
    else:
        statement.statement_of = _officer_name(db, me)
        statement.occupation = body.occupation or "Police officer"
    record.summary = f"Statement of {statement.statement_of}"[:300]
    db.add(statement)
    db.flush()
    if body.witness_private is not None:
        save_private(db, me, record, body.witness_private)
    return record, statement, True


def _ensure_author(record: Record, me: Principal) -> None:
    if record.author_id != me.id:
        raise Forbidden(f"{record.reference} belongs to another officer; only its author may change it.")


def ensure_unsealed(record: Record, statement: Statement) -> None:
    if statement.sealed_at is not None:
        raise Conflict(f"{record.reference} is signed on every page and sealed: a signed statement never changes.",
                       hint=correction_hint(record))


def update(db: Session, me: Principal, record: Record, statement: Statement, body: StatementUpdate) -> None:
    _ensure_author(record, me)
    ensure_unsealed(record, statement)
    records.ensure_editable(record, me)
    sent = body.model_fields_set & set(CONTENT_FIELDS)
    if record.kind == "officer_statement":
        _refuse_witness_on_officer_statement(body)
    taken = _when(body.occurred_at, "occurred_at") if "occurred_at" in sent else record.occurred_at
    if "occurred_at" in sent and body.occurred_at is None:
        raise BadRequest("When the statement was taken cannot be removed.", field="occurred_at")
    pages = _pages(body.text or "") if "text" in sent else statement.pages
    signed = signatures_of(db, record.id)
    discard = bool(signed) and body.discard_signatures
    if not sent and not discard:
        return
    if signed and sent and not body.discard_signatures:
        raise Conflict(f"{record.reference} has been signed ({', '.join(_signed_parts(signed))}): changing it "
                       "would leave signatures on text the maker did not sign.",
                       hint="Send discard_signatures: true with the change to remove those signatures; "
                            "the maker then signs every page again.")
    if record.kind == "witness_statement" and ("witness" in sent or "age" in sent or "occurred_at" in sent):
        if "witness" in sent and body.witness is None:
            raise BadRequest("A witness statement needs its witness.", field="witness")
        age = body.age if "age" in sent else statement.age
        if "witness" in sent:
            witness_id, statement.statement_of, statement.age = _witness(db, me, body.witness, age, taken)
            if witness_id != statement.witness_id:
                db.execute(delete(RecordLink).where(RecordLink.record_id == record.id, RecordLink.role == "witness",
                                                    RecordLink.entity_type == "person"))
                records.link(db, record, "person", witness_id, "witness")
                statement.witness_id = witness_id
        else:
            statement.age = _checked_age(age, pole.get_person(db, statement.witness_id).date_of_birth, taken)
    if "occurred_at" in sent:
        record.occurred_at = taken
    if "place" in sent:
        record.place = body.place
    if "incident_number" in sent:
        record.incident_number = body.incident_number
    if "urn" in sent:
        statement.urn = body.urn
    if "occupation" in sent:
        statement.occupation = body.occupation or ("Police officer" if record.kind == "officer_statement" else "")
    if "text" in sent:
        statement.body, statement.pages = layout.clean(body.text or ""), pages
    if discard:
        for s in signed:
            db.delete(s)
    record.summary = f"Statement of {statement.statement_of}"[:300]
    records.touched(db, me, record, "edited", {"fields": sorted(sent),
                                               "signatures_discarded": len(signed) if discard else 0})
    db.flush()


def _signed_parts(signed: list[StatementSignature]) -> list[str]:
    return ["the declaration" if s.page == DECLARATION else f"page {s.page}" for s in signed]


def correct(db: Session, me: Principal, old: Record, statement: Statement,
            client_uuid: uuid.UUID) -> tuple[Record, Statement, bool]:
    """A new version of a sealed statement, with its content copied for editing; the old one stays."""
    if statement.sealed_at is None:
        raise Conflict(f"{old.reference} is not yet signed on every page, so it can still be changed: "
                       "no correction is needed.", hint="Edit it directly.")
    newer = corrected_by(db, old)
    if newer is not None and newer.client_uuid != client_uuid:
        raise Conflict(f"{old.reference} has already been corrected by {newer.reference}.",
                       hint=f"Correct the newest version instead: {KINDS[newer.kind].path}/{newer.id}.")
    record, created = records.create(db, me, old.kind, client_uuid, occurred_at=utcnow(), summary=old.summary,
                                     place=old.place, latitude=old.latitude, longitude=old.longitude,
                                     incident_number=old.incident_number, supersedes=old)
    if not created:
        return record, db.get(Statement, record.id), False
    copy = Statement(record_id=record.id, urn=statement.urn, witness_id=statement.witness_id,
                     statement_of=statement.statement_of if old.kind == "witness_statement" else _officer_name(db, me),
                     age=statement.age, occupation=statement.occupation, body=statement.body,
                     pages=list(statement.pages))
    db.add(copy)
    if copy.witness_id:
        born = pole.get_person(db, copy.witness_id).date_of_birth
        if born is not None:  # the age today, not when the first version was taken
            copy.age = _checked_age(None, born, record.occurred_at)
        records.link(db, record, "person", copy.witness_id, "witness")
    db.flush()
    private = db.get(WitnessPrivate, old.id)
    if private is not None:
        db.add(WitnessPrivate(record_id=record.id, **_private_values(private), updated_at=utcnow(),
                              updated_by_id=me.id))
        audit(db, me.actor, "collect", f"records.{record.kind}.witness_private_copied", "statement", record.id,
              detail={"reference": record.reference, "from": old.reference})
    records.touched(db, me, record, "correction_started", {"corrects": old.reference})
    db.flush()
    return record, copy, True


# --- signing -----------------------------------------------------------------------------------------

def sign(db: Session, me: Principal, record: Record, statement: Statement, body: SignatureIn) -> tuple[bool, bool]:
    """Store one page's signature and seal the statement when it was the last one missing.
    Returns (stored, sealed now); the same signature sent again stores nothing."""
    _ensure_author(record, me)
    page = DECLARATION if body.page == "declaration" else body.page
    strokes = [[p.model_dump() for p in stroke] for stroke in body.strokes]
    signatures.check(strokes, body.width, body.height)
    svg = signatures.to_svg(strokes, body.width, body.height)
    signed = signatures_of(db, record.id)
    already = next((s for s in signed if s.page == page), None)
    if already is not None and already.svg == svg and already.signer == body.signer:
        return False, False  # the device sending the same signature again
    ensure_unsealed(record, statement)
    records.ensure_editable(record, me)
    where = "the declaration" if page == DECLARATION else f"page {page}"
    if page != DECLARATION and not 1 <= page <= len(statement.pages):
        raise BadRequest(f"There is no page {page}: the statement has {len(statement.pages)} page(s).",
                         field="page", hint="Sign a page from 1 to the page count, or 'declaration'.")
    if not statement.body.strip():
        raise BadRequest("The statement has no text yet: there is nothing to sign.", field="text",
                         hint="Write the statement, then have it signed.")
    if body.signer != maker(record.kind):
        raise BadRequest(f"The {maker(record.kind)} makes this statement, so the {maker(record.kind)} signs its "
                         f"pages, not the {body.signer}.", field="signer", hint=f"Send signer: {maker(record.kind)}.")
    if already is not None:
        raise Conflict(f"{where.capitalize()} of {record.reference} is already signed.",
                       hint="Each page is signed once; to change the text, change it with discard_signatures.")
    signed_at = _when(body.signed_at, "signed_at")
    db.add(StatementSignature(id=uuid.uuid4(), record_id=record.id, page=page, signer=body.signer,
                              signer_name=statement.statement_of, signed_at=signed_at, svg=svg, strokes=strokes,
                              width=body.width, height=body.height, captured_by_id=me.id))
    records.touched(db, me, record, "signed", {"page": where, "signer": body.signer})
    db.flush()
    if missing(statement, signatures_of(db, record.id)):
        return True, False
    _seal(db, me, record, statement)
    return True, True


def check_signed(db: Session, record: Record) -> None:
    """Before submission: text present, every page and the declaration signed."""
    statement = db.get(Statement, record.id)
    if not statement.body.strip():
        raise BadRequest(f"{record.reference} cannot be submitted: it has no statement text.", field="text",
                         hint="Write the statement and have every page signed first.")
    todo = missing(statement, signatures_of(db, record.id))
    if todo:
        raise BadRequest(f"{record.reference} cannot be submitted: {todo[0]} is not signed.", field="signatures",
                         errors=[{"field": "signatures", "message": f"{what} is not signed"} for what in todo],
                         hint="Have the maker sign every page and the declaration, then submit.")


for _kind in STATEMENT_KINDS:
    records.on_submit(_kind)(check_signed)


# --- the witness-private part -----------------------------------------------------------------------

def _private_values(row: WitnessPrivate) -> dict:
    return {k: getattr(row, k) for k in WitnessPrivateIn.model_fields}


def save_private(db: Session, me: Principal, record: Record, data: WitnessPrivateIn) -> WitnessPrivate:
    """The author writes it while the statement is a draft (or returned); nobody reads it here."""
    if record.kind != "witness_statement":
        raise BadRequest("Only a witness statement has a witness-private part.", field="witness_private")
    _ensure_author(record, me)
    records.ensure_editable(record, me)
    values = data.model_dump(mode="json")
    row = db.get(WitnessPrivate, record.id)
    action = "collect" if row is None else "alter"
    if row is None:
        row = WitnessPrivate(record_id=record.id)
        db.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at, row.updated_by_id = utcnow(), me.id
    filled = sorted(k for k, v in values.items() if v not in ("", None, []))
    audit(db, me.actor, action, f"records.{record.kind}.witness_private_saved", "statement", record.id,
          detail={"reference": record.reference, "fields": filled})
    db.flush()
    return row


def read_private(db: Session, me: Principal, record: Record, purpose: str) -> WitnessPrivate | None:
    """The witness-private part, for a holder of records.witness_private; the read is audited.

    Without the permission the attempt is audited as refused and committed (so the refusal stays on
    record although the request fails), then Forbidden is raised."""
    if record.kind != "witness_statement":
        raise BadRequest("Only a witness statement has a witness-private part.", field="record_id")
    if not me.can("records.witness_private"):
        audit(db, me.actor, "consult", f"records.{record.kind}.witness_private_refused", "statement", record.id,
              purpose=purpose, detail={"refused": True, "reference": record.reference})
        db.commit()
        raise Forbidden("Your role does not allow reading a witness's contact details, dates to avoid, special "
                        "measures or consents (records.witness_private). This attempt has been recorded.")
    audit(db, me.actor, "consult", f"records.{record.kind}.witness_private_viewed", "statement", record.id,
          purpose=purpose, detail={"reference": record.reference})
    return db.get(WitnessPrivate, record.id)


def consult(db: Session, me: Principal, record: Record, purpose: str, what: str = "viewed") -> None:
    if what == "viewed":
        records.consult(db, me, record, purpose)
    else:
        audit(db, me.actor, "consult", f"records.{record.kind}.{what}", KINDS[record.kind].subject_type, record.id,
              purpose=purpose, detail={"reference": record.reference})
