"""Statements (MG11) through the API: take, change, sign, read, list, print, correct; the witness-private part.

Submission, approval and return use the records routes (`/api/records/{id}/submit|approve|return`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import problems
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Purpose, Requires
from onbeat.db import get_db
from onbeat.records.core.entities import entities_of
from onbeat.records.core.kinds import STATES
from onbeat.records.core.models import Record
from onbeat.records.core.schemas import RecordOut
from onbeat.records.statements import layout, pdf, service
from onbeat.records.statements.models import DECLARATION, Statement, WitnessPrivate
from onbeat.records.statements.schemas import (Correction, PageOut, SignatureIn, SignatureOut, StatementIn,
                                               StatementKind, StatementOut, StatementPage, StatementUpdate,
                                               WitnessPrivateIn, WitnessPrivateOut)

router = APIRouter(prefix="/api/statements", tags=["statements"])
DB = Annotated[Session, Depends(get_db)]
StateName = Literal[STATES]  # type: ignore[valid-type]


def statement_out(db: Session, record: Record, statement: Statement, entities=None) -> StatementOut:
    signed = service.signatures_of(db, record.id)
    done = {s.page for s in signed}
    newer = service.corrected_by(db, record)
    return StatementOut(
        record=RecordOut.of(record, entities if entities is not None else entities_of(db, [record.id])[record.id]),
        urn=statement.urn, witness_id=statement.witness_id, statement_of=statement.statement_of, age=statement.age,
        age_text=service.age_text(statement), occupation=statement.occupation, text=statement.body,
        declaration=layout.declaration(len(statement.pages)), page_count=len(statement.pages),
        pages=[PageOut(number=n, text=t, signed=n in done) for n, t in enumerate(statement.pages, start=1)],
        signatures=[SignatureOut(page="declaration" if s.page == DECLARATION else s.page, signer=s.signer,
                                 signer_name=s.signer_name, signed_at=s.signed_at, svg=s.svg) for s in signed],
        sealed=statement.sealed_at is not None, sealed_at=statement.sealed_at, sealed_hash=statement.sealed_hash,
        hash_verified=service.verified(db, record, statement), corrected_by_id=newer.id if newer else None,
        has_witness_private=db.get(WitnessPrivate, record.id) is not None)


@router.post("", response_model=StatementOut, status_code=201, responses={200: {"model": StatementOut,
             "description": "This client_uuid already made a statement: here it is, unchanged"}, **problems(409)})
def create_statement(body: StatementIn, me: Requires("records.write"), db: DB, response: Response) -> StatementOut:
    """Take a statement (a draft). Sending the same client_uuid again returns the first one with 200."""
    record, statement, created = service.create(db, me, body)
    db.commit()
    if not created:
        response.status_code = 200
    return statement_out(db, record, statement)


@router.get("", response_model=StatementPage)
def list_statements(me: Requires("records.read"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                    kind: StatementKind | None = None, state: StateName | None = None,
                    reference: Annotated[str | None, Query(max_length=20)] = None,
                    urn: Annotated[str | None, Query(max_length=20)] = None,
                    author_id: uuid.UUID | None = None, person_id: uuid.UUID | None = None,
                    incident_number: Annotated[str | None, Query(max_length=20)] = None) -> StatementPage:
    """Statements matching every filter, newest first."""
    stmt = service.search(kind=kind, urn=urn, reference=reference, state=state, author_id=author_id,
                          person_id=person_id, incident_number=incident_number)
    found, info = paginate(db, stmt, page, size)
    audit(db, me.actor, "consult", "records.statements.searched", "statement", None, purpose=purpose,
          detail={"filters": {k: str(v) for k, v in dict(kind=kind, state=state, reference=reference, urn=urn,
                                                          author_id=author_id, person_id=person_id,
                                                          incident_number=incident_number).items() if v},
                  "results": [r.reference for r in found]})
    db.commit()
    named = entities_of(db, [r.id for r in found])
    items = [statement_out(db, r, db.get(Statement, r.id), named[r.id]) for r in found]
    return StatementPage(items=items, **info.as_dict())


@router.get("/{record_id}", response_model=StatementOut)
def read_statement(record_id: uuid.UUID, me: Requires("records.read"), db: DB, purpose: Purpose) -> StatementOut:
    """A statement with its pages and signatures (never the witness-private part)."""
    record, statement = service.get(db, record_id)
    service.consult(db, me, record, purpose)
    db.commit()
    return statement_out(db, record, statement)


@router.patch("/{record_id}", response_model=StatementOut, responses=problems(409))
def update_statement(record_id: uuid.UUID, body: StatementUpdate, me: Requires("records.write"),
                     db: DB) -> StatementOut:
    """Change a draft. A sealed statement never changes: 409, make a correction instead."""
    record, statement = service.get(db, record_id, lock=True)
    service.update(db, me, record, statement, body)
    db.commit()
    return statement_out(db, record, statement)


@router.post("/{record_id}/signatures", response_model=StatementOut, status_code=201,
             responses={200: {"model": StatementOut, "description": "This signature was already stored"},
                        **problems(409)})
def sign_page(record_id: uuid.UUID, body: SignatureIn, me: Requires("records.write"), db: DB,
              response: Response) -> StatementOut:
    """The maker's signature on one page or on the declaration; the last one seals the statement."""
    record, statement = service.get(db, record_id, lock=True)
    stored, _ = service.sign(db, me, record, statement, body)
    db.commit()
    if not stored:
        response.status_code = 200
    return statement_out(db, record, statement)


@router.post("/{record_id}/correction", response_model=StatementOut, status_code=201,
             responses={200: {"model": StatementOut, "description": "This client_uuid already made the correction"},
                        **problems(409)})
def correct_statement(record_id: uuid.UUID, body: Correction, me: Requires("records.write"), db: DB,
                      response: Response) -> StatementOut:
    """A new version of a sealed statement, its content copied for editing; the sealed one stays, linked."""
    old, statement = service.get(db, record_id, lock=True)
    record, copy, created = service.correct(db, me, old, statement, body.client_uuid)
    db.commit()
    if not created:
        response.status_code = 200
    return statement_out(db, record, copy)


@router.get("/{record_id}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The MG11, ready for court"}})
def statement_pdf(record_id: uuid.UUID, me: Requires("records.read"), db: DB, purpose: Purpose) -> Response:
    """The MG11 as a PDF: one page per signed page, each with its signature and 'Page x of n'."""
    record, statement = service.get(db, record_id)
    service.consult(db, me, record, purpose, "printed")
    db.commit()
    body = pdf.render(record, statement, service.signatures_of(db, record.id))
    name = record.reference.replace("/", "-")
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="MG11-{name}.pdf"', "Cache-Control": "no-store"})


@router.get("/{record_id}/witness-private", response_model=WitnessPrivateOut | None)
def read_witness_private(record_id: uuid.UUID, me: Requires("records.read"), db: DB,
                         purpose: Purpose) -> WitnessPrivateOut | None:
    """The witness's contact details, dates to avoid, special measures and consents: only with
    records.witness_private. Every read, and every refused attempt, is recorded in the audit log."""
    record, _ = service.get(db, record_id)
    row = service.read_private(db, me, record, purpose)
    db.commit()
    if row is None:
        return None
    return WitnessPrivateOut(**{k: getattr(row, k) for k in WitnessPrivateOut.model_fields})


@router.put("/{record_id}/witness-private", status_code=204, response_class=Response, responses=problems(409))
def save_witness_private(record_id: uuid.UUID, body: WitnessPrivateIn, me: Requires("records.write"),
                         db: DB) -> Response:
    """The statement's author records (or replaces) the witness-private part while it is a draft.
    Nothing is echoed back: reading it needs records.witness_private."""
    record, _ = service.get(db, record_id, lock=True)
    service.save_private(db, me, record, body)
    db.commit()
    return Response(status_code=204)
