"""Merge API: the queue of proposed merges (both people side by side, with the probability and the
reasons), accept or reject each, merge two people directly, and undo a merge.

Everything needs `persons.merge`. Reading the queue is a consultation of personal data: it needs a
purpose and is audited. Merges and unmerges are audited as combinations and alterations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import problems
from onbeat.core.pagination import PageNo, PageSize, paginate
from onbeat.core.security import Purpose, Requires
from onbeat.db import get_db
from onbeat.records.merges import service
from onbeat.records.merges.schemas import Accept, Decision, MergeIn, MergeOut, ProposalOut, ProposalPage

router = APIRouter(tags=["pole"])
DB = Annotated[Session, Depends(get_db)]


@router.get("/api/persons/merge-proposals", response_model=ProposalPage)
def list_proposals(me: Requires("persons.merge"), db: DB, purpose: Purpose, page: PageNo = 1,
                   size: PageSize = 10) -> ProposalPage:
    """Proposals waiting for a decision, surest first, each with both people side by side."""
    proposals, info = paginate(db, service.queue(), page, size)
    items = service.proposals_out(db, proposals)
    audit(db, me.actor, "consult", "pole.merge_proposals.viewed", "person", None, purpose=purpose,
          detail={"proposals": [str(p.id) for p in proposals]})
    db.commit()
    return ProposalPage(items=items, **info.as_dict())


@router.get("/api/persons/merge-proposals/{proposal_id}", response_model=ProposalOut, responses=problems(404))
def read_proposal(proposal_id: uuid.UUID, me: Requires("persons.merge"), db: DB, purpose: Purpose) -> ProposalOut:
    proposal = service.get_proposal(db, proposal_id)
    out = service.proposals_out(db, [proposal])[0]
    audit(db, me.actor, "consult", "pole.merge_proposal.viewed", "person", proposal.person_a_id, purpose=purpose,
          detail={"proposal_id": str(proposal.id), "person_b_id": str(proposal.person_b_id)})
    db.commit()
    return out


@router.post("/api/persons/merge-proposals/{proposal_id}/accept", response_model=MergeOut,
             responses=problems(404, 409))
def accept(proposal_id: uuid.UUID, me: Requires("persons.merge"), db: DB,
           body: Annotated[Accept | None, Body()] = None) -> MergeOut:
    """Merge the two people. 409 if the proposal is already decided or either person is already merged."""
    body = body or Accept()
    row = service.accept(db, me, proposal_id, survivor_id=body.survivor_id, note=body.note)
    db.commit()
    return service.merge_out(row)


@router.post("/api/persons/merge-proposals/{proposal_id}/reject", response_model=ProposalOut,
             responses=problems(404, 409))
def reject(proposal_id: uuid.UUID, me: Requires("persons.merge"), db: DB,
           body: Annotated[Decision | None, Body()] = None) -> ProposalOut:
    """Two different people: the pair is not proposed again."""
    proposal = service.reject(db, me, proposal_id, note=(body or Decision()).note)
    db.commit()
    return service.proposals_out(db, [proposal])[0]


@router.post("/api/persons/merges", response_model=MergeOut, status_code=201, responses=problems(404, 409))
def merge(body: MergeIn, me: Requires("persons.merge"), db: DB) -> MergeOut:
    """Merge two people found by the reviewer (no proposal needed). 409 for a person merged into
    themself or one already merged."""
    row = service.merge(db, me, body.survivor_id, body.merged_id, body.reason.strip())
    db.commit()
    return service.merge_out(row)


@router.post("/api/persons/{person_id}/unmerge", response_model=MergeOut, responses=problems(404, 409))
def unmerge(person_id: uuid.UUID, me: Requires("persons.merge"), db: DB,
            body: Annotated[Decision | None, Body()] = None) -> MergeOut:
    """Undo the merge of this (merged) person: both people exactly as they were before it."""
    row = service.unmerge(db, me, person_id, (body or Decision()).note)
    db.commit()
    return service.merge_out(row)
