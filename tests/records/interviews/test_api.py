"""The written interview record through the API: validation, idempotency, signing and sealing,
and the full flow to approval."""

from __future__ import annotations

from sqlalchemy import func, select

from onbeat.core.audit.models import AuditEntry
from onbeat.records.core.models import Record
from onbeat.records.interviews.codes import WHEN_QUESTIONED
from tests.conftest import bearer
from tests.records.interviews.samples import body, signature

API = "/api/records/interviews"
PURPOSE = {"X-Purpose": "Case file for CRI/000123/26"}


def _records(db) -> int:
    return db.execute(select(func.count()).select_from(Record)).scalar_one()


def _create(client, auth, **extra) -> dict:
    r = client.post(API, json=body(**extra), headers=auth)
    assert r.status_code == 201, r.text
    return r.json()


def test_create_is_201_then_200_for_the_same_client_uuid_and_links_the_interviewee(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    sent = body()
    first = client.post(API, json=sent, headers=auth)
    assert first.status_code == 201, first.text
    again = client.post(API, json={**sent, "place": "somewhere else"}, headers=auth)
    assert again.status_code == 200 and again.json() == first.json()
    assert _records(db) == 1
    made = first.json()
    assert made["record"]["reference"].startswith("INT/") and made["record"]["kind"] == "interview"
    assert made["caution"] == {"code": "interview", "label": made["caution"]["label"], "text": WHEN_QUESTIONED,
                               "inferences": True}
    assert "TAYLOR" in made["interviewee"].upper() and "Sam" in made["interviewee"]
    roles = sorted(e["role"] for e in made["record"]["entities"] if e["id"] == made["interviewee_id"])
    assert roles == ["interviewee", "suspect"]
    assert [e["number"] for e in made["exchanges"]] == [1, 2] and made["exchanges"][1]["answer"] == "No comment."
    assert [p["role"] for p in made["present"]] == ["officer", "solicitor"]
    assert made["missing"] == ["the officer's signature", "the interviewee's signature, or their refusal to sign "
                                                          "with the reason"]


def test_bad_input_names_the_field_and_stores_nothing(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    start = body()["started_at"]
    cases = [
        ({"ended_at": start}, 400, "ended_at"),
        ({"caution_code": "polite_request"}, 422, "caution_code"),
        ({"present": [{"role": "friend", "name": "Jo"}]}, 422, "present.0.role"),
        ({"caution_given": False, "caution_understood": True}, 400, "caution_understood"),
        ({"exchanges": [{"asked_at": "2001-01-01T10:00:00Z", "question": "Q?", "answer": "A."}]}, 400,
         "exchanges.0.asked_at"),
        ({"exchanges": [{"asked_at": start, "question": "  ", "answer": "A."}]}, 422, "exchanges.0.question"),
        ({"interviewee": {}}, 422, "interviewee"),
        ({"incident_number": "yesterday"}, 422, "incident_number"),
    ]
    for extra, status, field in cases:
        r = client.post(API, json=body(**extra), headers=auth)
        assert r.status_code == status, (extra, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any(e["field"] == field for e in r.json()["errors"]), (extra, r.json()["errors"])
    assert _records(db) == 0


def test_questions_must_be_in_the_order_asked(client, make_user):
    auth = bearer(client, make_user("officer").username)
    sent = body()
    sent["exchanges"].reverse()
    r = client.post(API, json=sent, headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "exchanges.1.asked_at"
    assert "order" in r.json()["hint"]


def test_submitting_unsigned_is_refused_naming_what_is_missing(client, make_user):
    auth = bearer(client, make_user("officer").username)
    made = _create(client, auth, ended_at=None, exchanges=[])
    r = client.post(f"/api/records/{made['record']['id']}/submit", headers=auth)
    assert r.status_code == 400
    assert [e["field"] for e in r.json()["errors"]] == ["ended_at", "exchanges", "signatures.officer",
                                                        "signatures.interviewee"]
    assert "the officer's signature" in r.json()["detail"]
    # Nothing can be signed until the end time and the questions are there.
    r = client.post(f"{API}/{made['record']['id']}/signatures", json=signature("officer"), headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "ended_at"


def test_signed_by_both_it_is_sealed_and_cannot_change(client, make_user):
    auth = bearer(client, make_user("officer").username)
    made = _create(client, auth)
    rid = made["record"]["id"]
    one = client.post(f"{API}/{rid}/signatures", json=signature("interviewee"), headers=auth)
    assert one.status_code == 201 and not one.json()["sealed"]
    assert one.json()["signatures"][0]["svg"].startswith("<svg")
    both = client.post(f"{API}/{rid}/signatures", json=signature("officer"), headers=auth).json()
    assert both["sealed"] and both["hash_verified"] and len(both["sealed_hash"]) == 64 and both["missing"] == []

    r = client.patch(f"{API}/{rid}", json={"place": "Interview room 2", "discard_signatures": True}, headers=auth)
    assert r.status_code == 409 and "supersedes_id" in r.json()["hint"]
    assert client.post(f"{API}/{rid}/signatures", json=signature("officer"), headers=auth).status_code == 409
    assert client.post(f"{API}/{rid}/refusal", json={"reason": "changed my mind"}, headers=auth).status_code == 409


def test_changing_a_half_signed_record_needs_the_signatures_discarded(client, make_user):
    auth = bearer(client, make_user("officer").username)
    made = _create(client, auth)
    rid = made["record"]["id"]
    client.post(f"{API}/{rid}/signatures", json=signature("officer"), headers=auth)
    r = client.patch(f"{API}/{rid}", json={"interviewee_comments": "Asked to add: he was at his sister's."},
                     headers=auth)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "discard_signatures"
    r = client.patch(f"{API}/{rid}", json={"interviewee_comments": "Asked to add: he was at his sister's.",
                                           "discard_signatures": True}, headers=auth)
    assert r.status_code == 200 and r.json()["signatures"] == []
    assert r.json()["interviewee_comments"] == "Asked to add: he was at his sister's."
    r = client.patch(f"{API}/{rid}", json={"ended_at": made["started_at"]}, headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "ended_at"
    assert client.patch(f"{API}/{rid}", json={"place": None}, headers=auth).status_code == 400


def test_only_the_author_changes_or_signs_it(client, make_user):
    rid = _create(client, bearer(client, make_user("officer").username))["record"]["id"]
    other = bearer(client, make_user("officer").username)
    assert client.patch(f"{API}/{rid}", json={"place": "x"}, headers=other).status_code == 403
    assert client.post(f"{API}/{rid}/signatures", json=signature("officer"), headers=other).status_code == 403


def test_a_signature_outside_its_box_names_the_point(client, make_user):
    auth = bearer(client, make_user("officer").username)
    rid = _create(client, auth)["record"]["id"]
    bad = signature("officer")
    bad["strokes"][1][0]["x"] = 900
    r = client.post(f"{API}/{rid}/signatures", json=bad, headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "strokes.1.0.x"
    r = client.post(f"{API}/{rid}/signatures", json={**signature("officer"), "strokes": []}, headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "strokes"


def test_full_flow_with_a_refusal_to_approval(client, db, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    rid = _create(client, auth)["record"]["id"]
    r = client.post(f"{API}/{rid}/refusal", json={"reason": "Said: 'I'm not signing anything.'"}, headers=auth)
    assert r.status_code == 201 and r.json()["signatures"][0]["refused"] and not r.json()["sealed"]
    assert client.post(f"{API}/{rid}/signatures", json=signature("interviewee"), headers=auth).status_code == 409
    sealed = client.post(f"{API}/{rid}/signatures", json=signature("officer"), headers=auth).json()
    assert sealed["sealed"]
    assert client.post(f"/api/records/{rid}/submit", headers=auth).json()["state"] == "submitted"

    sergeant = bearer(client, make_user("supervisor").username)
    r = client.post(f"/api/records/{rid}/approve", json={"comment": "Good record."}, headers=sergeant)
    assert r.status_code == 200 and r.json()["state"] == "approved"
    read = client.get(f"{API}/{rid}", headers={**sergeant, **PURPOSE})
    assert read.status_code == 200 and read.json()["record"]["state"] == "approved"
    assert read.json()["hash_verified"] is True
    viewed = db.execute(select(AuditEntry).where(AuditEntry.event == "records.interview.viewed")).scalar_one()
    assert viewed.purpose == PURPOSE["X-Purpose"] and viewed.subject_id == rid


def test_reading_needs_a_purpose(client, make_user):
    auth = bearer(client, make_user("officer").username)
    rid = _create(client, auth)["record"]["id"]
    r = client.get(f"{API}/{rid}", headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose"
    listed = client.get(API, params={"mine": True}, headers={**auth, **PURPOSE}).json()
    assert listed["total"] == 1 and listed["items"][0]["record"]["id"] == rid
    assert client.get(f"{API}/codes", headers=auth).json()["cautions"][3]["inferences"] is False


def test_a_sealed_record_is_corrected_by_a_new_version(client, make_user):
    auth = bearer(client, make_user("officer").username)
    rid = _create(client, auth)["record"]["id"]
    early = client.post(API, json=body(supersedes_id=rid), headers=auth)
    assert early.status_code == 400 and early.json()["errors"][0]["field"] == "supersedes_id"
    for who in ("interviewee", "officer"):
        client.post(f"{API}/{rid}/signatures", json=signature(who), headers=auth)
    fix = client.post(API, json=body(supersedes_id=rid), headers=auth)
    assert fix.status_code == 201
    assert fix.json()["record"]["supersedes_id"] == rid and fix.json()["record"]["version"] == 2


def test_the_same_record_sent_from_two_devices_at_once_is_made_once(db, make_user):
    import threading

    from onbeat import db as onbeat_db
    from onbeat.core.permissions import permissions_for
    from onbeat.core.security import Principal
    from onbeat.records.interviews import service
    from onbeat.records.interviews.schemas import InterviewIn

    officer = make_user("officer")
    me = Principal(officer, permissions_for(officer.role_names), roles=officer.role_names)
    data = InterviewIn.model_validate(body())
    barrier, ids, errors = threading.Barrier(4), [], []

    def send() -> None:
        try:
            with onbeat_db.session() as s:
                barrier.wait(10)
                record, _, _ = service.create(s, me, data)
                s.commit()
                ids.append(record.id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(ids) == 4 and len(set(ids)) == 1 and _records(db) == 1
    from onbeat.records.pole.models import Person

    assert db.execute(select(func.count()).select_from(Person)).scalar_one() == 1
