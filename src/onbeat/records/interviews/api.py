"""Written interview records through the API. Submitting, approving and returning use the routes
every record shares (/api/records/{id}/submit|approve|return)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import problems
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Purpose, Requires
from onbeat.db import get_db
from onbeat.records.core import service as records
from onbeat.records.core.kinds import STATES
from onbeat.records.interviews import service
from onbeat.records.interviews.codes import CAUTIONS, PRESENT_ROLES, SIGNERS
from onbeat.records.interviews.schemas import (CautionOut, CodesOut, InterviewIn, InterviewOut, InterviewPage,
                                               InterviewUpdate, RefusalIn, SignatureIn)

router = APIRouter(prefix="/api/records/interviews", tags=["interviews"])
DB = Annotated[Session, Depends(get_db)]
StateName = Literal[STATES]  # type: ignore[valid-type]


@router.get("/codes", response_model=CodesOut)
def codes(me: Requires("records.read")) -> CodesOut:
    """The cautions (with their words), the roles of people present and the signers."""
    return CodesOut(cautions=[CautionOut(code=k, label=c.label, text=c.text, inferences=c.inferences)
                              for k, c in CAUTIONS.items()], present_roles=PRESENT_ROLES, signers=SIGNERS)


@router.post("", response_model=InterviewOut, status_code=201,
             responses={200: {"model": InterviewOut, "description": "This client UUID already made this record"},
                        **problems(409)})
def create_interview(me: Requires("records.write"), db: DB, body: InterviewIn):
    """Make a written interview record (201). Sending the same client UUID again returns the record
    already made (200) and changes nothing."""
    record, interview, created = service.create(db, me, body)
    db.commit()
    return JSONResponse(service.out(db, record, interview).model_dump(mode="json"), status_code=201 if created else 200)


@router.get("", response_model=InterviewPage)
def list_interviews(me: Requires("records.read"), db: DB, purpose: Purpose, page: PageNo = 1, size: PageSize = 25,
                    state: StateName | None = None, mine: bool = False,
                    reference: Annotated[str | None, Query(max_length=20)] = None) -> InterviewPage:
    """Interview records, newest first (the read is recorded with its purpose)."""
    stmt = records.search(kind=service.KIND, state=state, reference=reference, author_id=me.id if mine else None)
    found, info = paginate(db, stmt, page, size)
    audit(db, me.actor, "consult", "records.interview.searched", "interview", None, purpose=purpose,
          detail={"filters": {k: v for k, v in dict(state=state, mine=mine, reference=reference).items() if v},
                  "results": [r.reference for r in found]})
    db.commit()
    return InterviewPage(items=[service.out(db, *service.get(db, r.id)) for r in found], **info.as_dict())


@router.get("/{record_id}", response_model=InterviewOut)
def read_interview(record_id: uuid.UUID, me: Requires("records.read"), db: DB, purpose: Purpose) -> InterviewOut:
    record, interview = service.get(db, record_id)
    service.consult(db, me, record, purpose)
    db.commit()
    return service.out(db, record, interview)


@router.patch("/{record_id}", response_model=InterviewOut, responses=problems(409))
def edit_interview(record_id: uuid.UUID, me: Requires("records.write"), db: DB, body: InterviewUpdate) -> InterviewOut:
    """Change a draft (or returned) record: only the fields sent. 409 once signed by both."""
    record, interview = service.get(db, record_id, lock=True)
    service.update(db, me, record, interview, body)
    db.commit()
    return service.out(db, record, interview)


@router.post("/{record_id}/signatures", response_model=InterviewOut, status_code=201, responses=problems(409))
def sign_interview(record_id: uuid.UUID, me: Requires("records.write"), db: DB, body: SignatureIn) -> InterviewOut:
    """The officer's or the interviewee's signature, drawn on the officer's device. When both sides
    have signed (or the interviewee has refused), the record is sealed."""
    record, interview = service.get(db, record_id, lock=True)
    service.sign(db, me, record, interview, body)
    db.commit()
    return service.out(db, record, interview)


@router.post("/{record_id}/refusal", response_model=InterviewOut, status_code=201, responses=problems(409))
def interviewee_refuses(record_id: uuid.UUID, me: Requires("records.write"), db: DB, body: RefusalIn) -> InterviewOut:
    """The interviewee declined to sign: recorded with the reason, in place of their signature."""
    record, interview = service.get(db, record_id, lock=True)
    service.refuse(db, me, record, interview, body.reason)
    db.commit()
    return service.out(db, record, interview)
