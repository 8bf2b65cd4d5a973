"""Statements through the API: idempotent creation, drafts, signatures, the seal, submission, correction."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, text

from onbeat.core.audit.models import AuditEntry
from onbeat.core.events.models import OutboxEvent
from onbeat.core.time import utcnow
from onbeat.records.core.models import Record, RecordLink
from onbeat.records.statements.models import StatementSignature
from tests.conftest import bearer
from tests.records.statements.helpers import LONG_TEXT, PURPOSE, create, sign_all, signature, witness_body


def test_same_client_uuid_twice_makes_one_statement(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    body = witness_body()
    first = client.post("/api/statements", json=body, headers=auth)
    again = client.post("/api/statements", json={**body, "text": "Something else"}, headers=auth)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["record"]["id"] == first.json()["record"]["id"]
    assert again.json()["text"] == body["text"]
    assert db.execute(select(func.count()).select_from(Record)).scalar() == 1
    # One witness, linked once: the repeat resolved nobody again.
    assert db.execute(select(func.count()).select_from(RecordLink)).scalar() == 1


def test_a_new_statement_has_its_mg11_header_and_links_the_witness(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    s = create(client, auth, urn=" 43ab 1234526 ")
    assert s["record"]["reference"].startswith("WS/") and s["record"]["state"] == "draft"
    assert s["statement_of"] == "Amelia Hart" and s["age"] is None and s["age_text"] == "Over 18"
    assert s["urn"] == "43AB 1234526" and s["occupation"] == "Barista" and s["page_count"] == 1
    assert "consisting of 1 page(s) each signed by me" in s["declaration"]
    assert [(e["role"], e["entity_type"]) for e in s["record"]["entities"]] == [("witness", "person")]
    assert s["witness_id"] == s["record"]["entities"][0]["id"] and not s["sealed"]


def test_age_comes_from_the_date_of_birth_and_must_agree_with_it(client, make_user):
    auth = bearer(client, make_user("officer").username)
    born = (utcnow() - timedelta(days=365 * 15 + 10)).date().isoformat()
    child = create(client, auth, witness={"given_name": "Tom", "family_name": "Reed", "date_of_birth": born})
    assert child["age"] == 15 and child["age_text"] == "15"
    wrong = client.post("/api/statements", json=witness_body(age=12, witness={
        "given_name": "Tom", "family_name": "Reed", "date_of_birth": born}), headers=auth)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "age"
    adult = client.post("/api/statements", json=witness_body(age=18), headers=auth)
    assert adult.status_code == 422 and adult.json()["errors"][0]["field"] == "age"


def test_bad_input_names_the_field_and_stores_nothing(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    future = (utcnow() + timedelta(days=2)).date().isoformat()
    cases = [
        (witness_body(witness={"given_name": "A", "family_name": "B", "date_of_birth": future}), 422,
         "witness.date_of_birth"),
        (witness_body(witness_private={"special_measures": ["screens", "hologram"]}), 422,
         "witness_private.special_measures.1"),
        (witness_body(witness=None), 400, "witness"),
        (witness_body(witness={"date_of_birth": "1990-01-01"}), 400, "witness.family_name"),
        (witness_body(kind="officer_statement"), 400, "witness"),
        (witness_body(text="line\x0bfeed"), 400, "text"),
        (witness_body(occurred_at=(utcnow() + timedelta(hours=2)).isoformat()), 400, "occurred_at"),
        (witness_body(witness_private={"email": "not-an-email"}), 422, "witness_private.email"),
        (witness_body(witness_private={"dates_to_avoid": [{"start": "2027-02-10", "end": "2027-02-01"}]}), 422,
         "witness_private.dates_to_avoid.0"),
    ]
    for body, status, field in cases:
        r = client.post("/api/statements", json=body, headers=auth)
        assert r.status_code == status, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == field, r.text
    assert db.execute(select(func.count()).select_from(Record)).scalar() == 0
    assert db.execute(text("select count(*) from pole_persons")).scalar() == 0


def test_a_draft_is_updated_and_repaginated(client, make_user):
    auth = bearer(client, make_user("officer").username)
    s = create(client, auth)
    sid = s["record"]["id"]
    r = client.patch(f"/api/statements/{sid}", json={"text": LONG_TEXT, "urn": "43AB7654321"}, headers=auth)
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["page_count"] >= 3 and changed["urn"] == "43AB7654321"
    assert f"consisting of {changed['page_count']} page(s)" in changed["declaration"]
    assert " ".join(p["text"] for p in changed["pages"]).split() == LONG_TEXT.split()
    cleared = client.patch(f"/api/statements/{sid}", json={"urn": None}, headers=auth).json()
    assert cleared["urn"] is None and cleared["page_count"] == changed["page_count"]
    other = bearer(client, make_user("officer").username)
    assert client.patch(f"/api/statements/{sid}", json={"urn": "X1"}, headers=other).status_code == 403


def test_signatures_are_checked_and_stored_as_svg(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    s = create(client, auth)
    sid = s["record"]["id"]
    url = f"/api/statements/{sid}/signatures"
    refusals = [
        (signature(1, strokes=[]), 400, "strokes"),
        (signature(1, strokes=[[{"x": 10, "y": 10, "t": 0}], []]), 400, "strokes.1"),
        (signature(1, strokes=[[{"x": 650, "y": 10, "t": 0}]]), 400, "strokes.0.0.x"),
        (signature(1, strokes=[[{"x": 1, "y": 1, "t": i} for i in range(2001)]]), 422, "strokes.0"),
        (signature(1, signer="officer"), 400, "signer"),
        (signature(2), 400, "page"),
        (signature(1, signed_at=(utcnow() + timedelta(hours=1)).isoformat()), 400, "signed_at"),
    ]
    for body, status, field in refusals:
        r = client.post(url, json=body, headers=auth)
        assert r.status_code == status, (field, r.text)
        assert r.json()["errors"][0]["field"] == field, r.text
    assert db.execute(select(func.count()).select_from(StatementSignature)).scalar() == 0

    r = client.post(url, json=signature(1), headers=auth)
    assert r.status_code == 201
    stored = r.json()["signatures"]
    assert stored[0]["page"] == 1 and stored[0]["signer"] == "witness" and stored[0]["svg"].startswith("<svg")
    assert stored[0]["signer_name"] == "Amelia Hart" and r.json()["pages"][0]["signed"]
    # The device sending the same signature again changes nothing; a different one for a signed page is refused.
    assert client.post(url, json=signature(1), headers=auth).status_code == 200
    twice = client.post(url, json=signature(1, seed=5), headers=auth)
    assert twice.status_code == 409 and "already signed" in twice.json()["detail"]


def test_changing_text_after_signing_began_needs_discarding_the_signatures(client, make_user):
    auth = bearer(client, make_user("officer").username)
    s = create(client, auth)
    sid = s["record"]["id"]
    client.post(f"/api/statements/{sid}/signatures", json=signature(1), headers=auth)
    r = client.patch(f"/api/statements/{sid}", json={"text": "Changed"}, headers=auth)
    assert r.status_code == 409 and "discard_signatures" in r.json()["hint"]
    r = client.patch(f"/api/statements/{sid}", json={"text": "Changed", "discard_signatures": True}, headers=auth)
    assert r.status_code == 200 and r.json()["signatures"] == [] and r.json()["text"] == "Changed"


def test_submission_needs_every_page_signed(client, make_user):
    auth = bearer(client, make_user("officer").username)
    s = create(client, auth, text=LONG_TEXT)
    sid = s["record"]["id"]
    for page in ("declaration", 1, 3):
        assert client.post(f"/api/statements/{sid}/signatures", json=signature(page), headers=auth).status_code == 201
    r = client.post(f"/api/records/{sid}/submit", headers=auth)
    assert r.status_code == 400 and "page 2 is not signed" in r.json()["detail"]
    assert r.json()["errors"][0] == {"field": "signatures", "message": "page 2 is not signed"}
    r = client.get(f"/api/statements/{sid}", headers={**auth, **PURPOSE})
    assert r.json()["record"]["state"] == "draft" and not r.json()["sealed"]


def test_full_flow_sign_seal_submit_approve(client, db, make_user):
    officer, sergeant = make_user("officer"), make_user("supervisor")
    auth, sarge = bearer(client, officer.username), bearer(client, sergeant.username)
    s = create(client, auth, text=LONG_TEXT)
    sealed = sign_all(client, auth, s)
    assert sealed["sealed"] and sealed["hash_verified"] is True and len(sealed["sealed_hash"]) == 64
    assert len(sealed["signatures"]) == s["page_count"] + 1

    sid = s["record"]["id"]
    assert client.post(f"/api/records/{sid}/submit", headers=auth).json()["state"] == "submitted"
    approved = client.post(f"/api/records/{sid}/approve", json={"comment": "Good statement"}, headers=sarge)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"

    db.expire_all()
    events = db.execute(select(OutboxEvent).where(OutboxEvent.subject.like("onbeat.records.%"))
                        .order_by(OutboxEvent.id)).scalars().all()
    assert [e.subject for e in events] == ["onbeat.records.statement_signed", "onbeat.records.submitted",
                                           "onbeat.records.approved"]
    assert events[0].permission == "records.read" and events[0].payload["sha256"] == sealed["sealed_hash"]
    audit_events = db.execute(select(AuditEntry.event)).scalars().all()
    assert "records.witness_statement.sealed" in audit_events


def test_a_sealed_statement_never_changes(client, db, make_user, superuser_sql):
    auth = bearer(client, make_user("officer").username)
    s = sign_all(client, auth, create(client, auth))
    sid = s["record"]["id"]
    r = client.patch(f"/api/statements/{sid}", json={"urn": "43AB1"}, headers=auth)
    assert r.status_code == 409 and "sealed" in r.json()["detail"] and "correction" in r.json()["hint"]
    r = client.post(f"/api/statements/{sid}/signatures", json=signature(1, seed=3), headers=auth)
    assert r.status_code == 409
    r = client.put(f"/api/statements/{sid}/witness-private", json={"address": "1 High St"}, headers=auth)
    assert r.status_code == 204  # the private part is not part of the sealed statement
    # Even straight in the database, a sealed statement and its signatures cannot be altered.
    for sql in (f"update statements set body = 'x' where record_id = '{sid}'",
                f"delete from statement_signatures where record_id = '{sid}'"):
        try:
            superuser_sql(sql)
        except Exception as exc:  # noqa: BLE001 - the trigger's refusal
            assert "sealed" in str(exc)
        else:
            raise AssertionError(f"not refused: {sql}")
    # Tampering past the trigger (it switched off) shows as a hash that no longer matches.
    superuser_sql("alter table statements disable trigger statements_sealed")
    superuser_sql(f"update statements set occupation = 'Forged' where record_id = '{sid}'")
    superuser_sql("alter table statements enable trigger statements_sealed")
    r = client.get(f"/api/statements/{sid}", headers={**auth, **PURPOSE})
    assert r.json()["hash_verified"] is False


def test_a_correction_is_a_new_linked_version(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    s = create(client, auth, text=LONG_TEXT)
    sid = s["record"]["id"]
    key = str(uuid.uuid4())
    early = client.post(f"/api/statements/{sid}/correction", json={"client_uuid": key}, headers=auth)
    assert early.status_code == 409 and "can still be changed" in early.json()["detail"]
    sealed = sign_all(client, auth, s)

    r = client.post(f"/api/statements/{sid}/correction", json={"client_uuid": key}, headers=auth)
    assert r.status_code == 201, r.text
    new = r.json()
    assert new["record"]["supersedes_id"] == sid and new["record"]["version"] == 2
    assert new["record"]["reference"] != s["record"]["reference"] and new["record"]["state"] == "draft"
    assert new["text"] == sealed["text"] and new["signatures"] == [] and not new["sealed"]
    assert new["witness_id"] == sealed["witness_id"]
    again = client.post(f"/api/statements/{sid}/correction", json={"client_uuid": key}, headers=auth)
    assert again.status_code == 200 and again.json()["record"]["id"] == new["record"]["id"]
    other = client.post(f"/api/statements/{sid}/correction", json={"client_uuid": str(uuid.uuid4())}, headers=auth)
    assert other.status_code == 409 and new["record"]["reference"] in other.json()["detail"]

    edited = client.patch(f"/api/statements/{new['record']['id']}", json={"text": "Corrected text."}, headers=auth)
    assert edited.status_code == 200 and edited.json()["page_count"] == 1
    old = client.get(f"/api/statements/{sid}", headers={**auth, **PURPOSE}).json()
    assert old["text"] == sealed["text"] and old["hash_verified"] and old["corrected_by_id"] == new["record"]["id"]


def test_officer_statement_is_made_and_signed_by_the_officer(client, make_user):
    officer = make_user("officer", given_name="Jane", family_name="Smith", collar_number="4521")
    auth = bearer(client, officer.username)
    r = client.post("/api/statements", json={"kind": "officer_statement", "client_uuid": str(uuid.uuid4()),
                                             "text": "I am PC 4521 Smith. On duty in full uniform."}, headers=auth)
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["record"]["reference"].startswith("OS/") and "Jane Smith" in s["statement_of"]
    assert s["occupation"] == "Police officer" and s["record"]["entities"] == []
    wrong = client.post(f"/api/statements/{s['record']['id']}/signatures", json=signature(1), headers=auth)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "signer"
    assert sign_all(client, auth, s, signer="officer")["sealed"]
    private = client.put(f"/api/statements/{s['record']['id']}/witness-private", json={}, headers=auth)
    assert private.status_code == 400


def test_list_is_paginated_newest_first_with_filters(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    now = utcnow()
    made = [create(client, auth, occurred_at=(now - timedelta(hours=h)).isoformat(), urn=f"43AB{h:07d}")
            for h in (3, 1, 2)]
    r = client.get("/api/statements", params={"size": 2}, headers={**auth, **PURPOSE})
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == 3 and page["pages"] == 2
    assert [i["urn"] for i in page["items"]] == ["43AB0000001", "43AB0000002"]
    by_urn = client.get("/api/statements", params={"urn": "43ab0000003"}, headers={**auth, **PURPOSE}).json()
    assert [i["record"]["id"] for i in by_urn["items"]] == [made[0]["record"]["id"]]
    assert client.get("/api/statements", params={"state": "approved"}, headers={**auth, **PURPOSE}).json()["total"] == 0
    assert client.get("/api/statements", headers=auth).status_code == 400  # no purpose
    assert db.execute(select(func.count()).select_from(AuditEntry)
                      .where(AuditEntry.event == "records.statements.searched")).scalar() == 3


def test_reading_is_audited_with_the_purpose(client, db, make_user):
    officer, analyst = make_user("officer"), make_user("analyst")
    s = create(client, bearer(client, officer.username))
    auth = bearer(client, analyst.username)
    assert client.get(f"/api/statements/{s['record']['id']}", headers=auth).status_code == 400
    r = client.get(f"/api/statements/{s['record']['id']}", headers={**auth, **PURPOSE})
    assert r.status_code == 200 and r.json()["text"].startswith("I am the above named witness")
    entry = db.execute(select(AuditEntry).where(AuditEntry.event == "records.witness_statement.viewed")).scalar_one()
    assert entry.purpose == PURPOSE["X-Purpose"] and entry.actor_id == analyst.id
    assert client.post("/api/statements", json=witness_body(), headers=auth).status_code == 403
