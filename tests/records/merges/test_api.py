"""The merge API: the queue with both people side by side, accept, reject, direct merge, unmerge,
the 409s and the refusals."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from onbeat.records.merges.models import MergeProposal
from onbeat.records.pole.models import Person
from tests.conftest import bearer
from tests.records.merges.builders import add_marker, person, principal, record_naming

WHY = {"X-Purpose": "Weekly duplicate review DQ/17"}


def propose(db, a, b, probability=0.99):
    a, b = sorted((a, b))
    row = MergeProposal(id=uuid.uuid4(), person_a_id=a, person_b_id=b, probability=probability, state="open",
                        reasons=[{"field": "surname", "level": "exact", "text": "surname the same", "weight": 8.1},
                                 {"field": "given_name", "level": "nickname", "text": "given name is a nickname of Robert",
                                  "weight": 5.0}],
                        model_version="1")
    db.add(row)
    db.commit()
    return row.id


@pytest.fixture
def people(db, make_user):
    user = make_user("supervisor")
    me = principal(user)
    a = person(db, me, given_name="Robert", family_name="Smith", date_of_birth="1980-03-07", postcode="RG1 1AA",
               address="12 High Street, Reading")
    b = person(db, me, given_name="Bob", family_name="Smith", date_of_birth="1980-07-03",
               identifiers={"pnc_id": "2003/0062845E"})
    add_marker(db, me, b, "weapons")
    record_naming(db, me, "crime", [(b, "suspect")])
    db.commit()
    return user, a, b


def test_queue_accept_and_unmerge(client, db, people):
    user, a, b = people
    pid = propose(db, a, b)
    h = bearer(client, user.username)
    r = client.get("/api/persons/merge-proposals", headers=h)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose"
    r = client.get("/api/persons/merge-proposals", headers=h | WHY)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["probability"] == 0.99 and item["reasons"][1]["text"] == "given name is a nickname of Robert"
    sides = {item["a"]["id"]: item["a"], item["b"]["id"]: item["b"]}
    assert sides[str(b)]["records"] == 1 and sides[str(b)]["markers"][0]["kind"] == "weapons"
    assert sides[str(b)]["identifiers"][0]["value"] == "2003/0062845E"
    assert sides[str(a)]["addresses"][0]["location"]["postcode"] == "RG1 1AA"
    assert item["suggested_survivor_id"] == str(b)  # on more records
    viewed = db.execute(select(AuditEntry).where(AuditEntry.event == "pole.merge_proposals.viewed")).scalar_one()
    assert viewed.purpose == WHY["X-Purpose"] and viewed.action == "consult"

    r = client.post(f"/api/persons/merge-proposals/{pid}/accept", json={"survivor_id": str(a), "note": "Same PNC"},
                    headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["survivor_id"] == str(a) and r.json()["moved"]["record_links"] == 1
    db.expire_all()
    assert db.get(Person, b).merged_into_id == a
    assert client.get("/api/persons/merge-proposals", headers=h | WHY).json()["total"] == 0

    again = client.post(f"/api/persons/merge-proposals/{pid}/accept", headers=h)
    assert again.status_code == 409 and "already accepted" in again.json()["detail"]
    twice = client.post("/api/persons/merges", json={"survivor_id": str(a), "merged_id": str(b), "reason": "dup"},
                        headers=h)
    assert twice.status_code == 409 and "already been merged" in twice.json()["detail"]

    r = client.post(f"/api/persons/{b}/unmerge", json={"note": "Twins"}, headers=h)
    assert r.status_code == 200 and r.json()["undone_at"]
    db.expire_all()
    assert db.get(Person, b).merged_into_id is None
    assert db.get(MergeProposal, pid).state == "open"  # back in the queue to decide again
    assert client.post(f"/api/persons/{b}/unmerge", headers=h).status_code == 409

    r = client.post(f"/api/persons/merge-proposals/{pid}/reject", json={"note": "Twins"}, headers=h)
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    assert client.post(f"/api/persons/merge-proposals/{pid}/reject", headers=h).status_code == 409
    events = set(db.execute(select(AuditEntry.event)).scalars())
    assert {"pole.person.merged", "pole.person.unmerged", "pole.person.merge_rejected"} <= events


def test_direct_merge_refusals(client, db, people):
    user, a, b = people
    h = bearer(client, user.username)
    r = client.post("/api/persons/merges", json={"survivor_id": str(a), "merged_id": str(a), "reason": "same"},
                    headers=h)
    assert r.status_code == 409 and "themself" in r.json()["detail"]
    r = client.post("/api/persons/merges", json={"survivor_id": str(a), "merged_id": str(uuid.uuid4()),
                                                 "reason": "same"}, headers=h)
    assert r.status_code == 404
    r = client.post("/api/persons/merges", json={"survivor_id": str(a), "merged_id": str(b), "reason": "x"},
                    headers=h)
    assert r.status_code == 422
    r = client.post("/api/persons/merges", json={"survivor_id": str(a), "merged_id": str(b), "reason": "Same PNC"},
                    headers=h)
    assert r.status_code == 201
    r = client.post(f"/api/persons/merge-proposals/{uuid.uuid4()}/accept", headers=h)
    assert r.status_code == 404


@pytest.mark.parametrize("role", ["officer", "call_handler", "analyst"])
def test_roles_without_persons_merge_are_refused(client, db, make_user, people, role):
    _, a, b = people
    pid = propose(db, a, b)
    other = make_user(role)
    h = bearer(client, other.username)
    assert client.get("/api/persons/merge-proposals", headers=h | WHY).status_code == 403
    assert client.post(f"/api/persons/merge-proposals/{pid}/accept", headers=h).status_code == 403
    assert client.post(f"/api/persons/{b}/unmerge", headers=h).status_code == 403
    db.expire_all()
    assert db.get(MergeProposal, pid).state == "open"
