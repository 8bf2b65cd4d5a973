"""The review queue of merge proposals: list them with both people side by side, accept (merge)
or reject each, merge two people directly, and undo a merge. Nothing here commits."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, aliased

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.security import Principal
from onbeat.core.time import format_uk, utcnow
from onbeat.records.core import service as records
from onbeat.records.merges.models import MergeProposal
from onbeat.records.merges.schemas import MergeOut, ProposalOut, Reason, Side
from onbeat.records.pole import merge as pole_merge, service as pole, views
from onbeat.records.pole.models import Person, PersonMerge, PersonSource


def queue() -> Select:
    """Open proposals whose two people are both still themselves (not merged), surest first."""
    a, b = aliased(Person), aliased(Person)
    return (select(MergeProposal).join(a, a.id == MergeProposal.person_a_id).join(b, b.id == MergeProposal.person_b_id)
            .where(MergeProposal.state == "open", a.merged_into_id.is_(None), b.merged_into_id.is_(None))
            .order_by(MergeProposal.probability.desc(), MergeProposal.created_at, MergeProposal.id))


def get_proposal(db: Session, proposal_id: uuid.UUID, *, lock: bool = False) -> MergeProposal:
    stmt = select(MergeProposal).where(MergeProposal.id == proposal_id)
    found = db.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if found is None:
        raise NotFound(f"There is no merge proposal with id {proposal_id}.",
                       hint="Open the review queue to see the proposals waiting.")
    return found


def _record_counts(db: Session, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    return {pid: db.execute(select(func.count()).select_from(records.linked_to("person", pid).order_by(None)
                                                             .subquery())).scalar_one() for pid in person_ids}


def _sources(db: Session, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {}
    for pid, src, sid in db.execute(select(PersonSource.person_id, PersonSource.source, PersonSource.source_id)
                                    .where(PersonSource.person_id.in_(person_ids))
                                    .order_by(PersonSource.source, PersonSource.source_id)):
        out.setdefault(pid, []).append(f"{src}:{sid}")
    return out


def sides(db: Session, person_ids: list[uuid.UUID]) -> dict[uuid.UUID, Side]:
    people = {p.id: p for p in db.execute(select(Person).where(Person.id.in_(person_ids))).scalars()}
    counts = _record_counts(db, list(people))
    sources = _sources(db, list(people))
    out = {}
    for pid, p in people.items():
        d = views.person_detail(db, p)
        out[pid] = Side(id=p.id, label=d.label, given_name=p.given_name, family_name=p.family_name,
                        date_of_birth=p.date_of_birth, aliases=d.aliases, addresses=d.addresses, phones=d.phones,
                        identifiers=d.identifiers, markers=d.markers, sources=sources.get(pid, []),
                        records=counts[pid], created_at=p.created_at, merged_into_id=p.merged_into_id)
    return out


def suggested_survivor(a: Side, b: Side) -> uuid.UUID:
    """The person on more records; else the one known longer."""
    return min((a, b), key=lambda s: (-s.records, s.created_at, str(s.id))).id


def proposals_out(db: Session, proposals: list[MergeProposal]) -> list[ProposalOut]:
    ids = list({pid for p in proposals for pid in (p.person_a_id, p.person_b_id)})
    people = sides(db, ids) if ids else {}
    out = []
    for p in proposals:
        a, b = people[p.person_a_id], people[p.person_b_id]
        out.append(ProposalOut(id=p.id, state=p.state, probability=p.probability,
                               reasons=[Reason(**r) for r in p.reasons], model_version=p.model_version,
                               created_at=p.created_at, decided_at=p.decided_at, note=p.note, merge_id=p.merge_id,
                               a=a, b=b, suggested_survivor_id=suggested_survivor(a, b)))
    return out


def _still_open(db: Session, proposal: MergeProposal) -> None:
    if proposal.state != "open":
        who = ""
        if proposal.decided_by_id:
            from onbeat.core.identity.service import get_user

            who = f" by {get_user(db, proposal.decided_by_id).display_name}"
        raise Conflict(f"This proposal was already {proposal.state}{who} at {format_uk(proposal.decided_at)}.",
                       hint="Reload the queue: someone else has decided it.")


def accept(db: Session, me: Principal, proposal_id: uuid.UUID, *, survivor_id: uuid.UUID | None = None,
           note: str | None = None) -> PersonMerge:
    """Merge the two people of an open proposal (into `survivor_id`, or the suggested survivor)."""
    proposal = get_proposal(db, proposal_id, lock=True)
    _still_open(db, proposal)
    pair = (proposal.person_a_id, proposal.person_b_id)
    if survivor_id is None:
        people = sides(db, list(pair))
        survivor_id = suggested_survivor(people[pair[0]], people[pair[1]])
    elif survivor_id not in pair:
        raise BadRequest("The survivor must be one of the two people of the proposal.", field="survivor_id",
                         hint="Give the id of person a or person b, or leave it out to keep the suggested one.")
    merged_id = pair[1] if survivor_id == pair[0] else pair[0]
    note = (note or "").strip() or None
    row = pole_merge.merge(db, me, survivor_id, merged_id, reason=note or "accepted merge proposal",
                           proposal_id=proposal.id)
    proposal.state, proposal.decided_at, proposal.decided_by_id = "accepted", utcnow(), me.id
    proposal.note, proposal.merge_id = note, row.id
    db.flush()
    return row


def reject(db: Session, me: Principal, proposal_id: uuid.UUID, *, note: str | None = None) -> MergeProposal:
    """Two different people: the pair is never proposed again."""
    proposal = get_proposal(db, proposal_id, lock=True)
    _still_open(db, proposal)
    proposal.state, proposal.decided_at, proposal.decided_by_id = "rejected", utcnow(), me.id
    proposal.note = (note or "").strip() or None
    audit(db, me.actor, "alter", "pole.person.merge_rejected", "person", proposal.person_a_id,
          detail={"proposal_id": proposal.id, "person_a_id": proposal.person_a_id,
                  "person_b_id": proposal.person_b_id, "probability": round(proposal.probability, 4),
                  "note": proposal.note})
    db.flush()
    return proposal


def merge(db: Session, me: Principal, survivor_id: uuid.UUID, merged_id: uuid.UUID, reason: str) -> PersonMerge:
    """A merge a reviewer found themselves, with no proposal. An open proposal of the same pair is
    marked accepted."""
    row = pole_merge.merge(db, me, survivor_id, merged_id, reason=reason)
    a, b = sorted((survivor_id, merged_id))
    proposal = db.execute(select(MergeProposal).where(MergeProposal.person_a_id == a, MergeProposal.person_b_id == b,
                                                      MergeProposal.state == "open")).scalar_one_or_none()
    if proposal is not None:
        proposal.state, proposal.decided_at, proposal.decided_by_id = "accepted", utcnow(), me.id
        proposal.merge_id, proposal.note = row.id, reason
    db.flush()
    return row


def unmerge(db: Session, me: Principal, merged_id: uuid.UUID, reason: str | None = None) -> PersonMerge:
    """Undo a merge. A proposal accepted by that merge is open again, for the reviewer to decide anew."""
    row = pole_merge.unmerge(db, me, merged_id, reason=(reason or "").strip() or None)
    db.execute(update(MergeProposal).where(MergeProposal.merge_id == row.id).values(
        state="open", decided_at=None, decided_by_id=None, merge_id=None, note=None))
    return row


def merge_out(row: PersonMerge) -> MergeOut:
    return MergeOut(id=row.id, survivor_id=row.survivor_id, merged_id=row.merged_id, reason=row.reason,
                    merged_at=row.merged_at, undone_at=row.undone_at,
                    moved={k: len(v) for k, v in row.moved.items() if isinstance(v, list)})


def merge_state(db: Session, person: Person) -> dict:
    """For a person's page: whom they were merged into (if anyone), and who was merged into them."""
    into = pole_merge.merge_in_force(db, person.id) if person.merged_into_id else None
    survivor = db.get(Person, person.merged_into_id) if person.merged_into_id else None
    absorbed = []
    for row in pole_merge.merged_into(db, person.id):
        other = db.get(Person, row.merged_id)
        absorbed.append({"merge": row, "person": other, "label": pole.person_label(other)})
    return {"into": into, "survivor": survivor, "survivor_label": pole.person_label(survivor) if survivor else None,
            "absorbed": absorbed}
