"""The record header every form shares: idempotent creation, review states, search, pages."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onbeat import db as onbeat_db
from onbeat.core.audit.models import AuditEntry
from onbeat.core.events.models import OutboxEvent
from onbeat.core.permissions import permissions_for
from onbeat.core.security import Principal
from onbeat.core.time import utcnow
from onbeat.records.core import service
from onbeat.records.core.models import Record
from tests.conftest import bearer, browser_login

PURPOSE = {"X-Purpose": "Incident 0001-21112026"}


@pytest.fixture(autouse=True)
def _header_only(monkeypatch):
    """These records are headers alone: the forms' own checks before submission are theirs to test."""
    import onbeat.records.routes  # noqa: F401 - the forms register their checks on import

    monkeypatch.setattr(service, "SUBMIT_CHECKS", {})


def principal(user) -> Principal:
    roles = set(user.role_names)
    return Principal(user=user, permissions=permissions_for(roles), roles=roles)


def new_record(db, user, kind="stop_search", **extra):
    values = dict(occurred_at=utcnow() - timedelta(hours=1), summary="Searched for drugs",
                  place="Broad Street, Reading", latitude=51.4551, longitude=-0.9740)
    values.update(extra)
    record, created = service.create(db, principal(user), kind, uuid.uuid4(), **values)
    db.commit()
    return record


def test_same_client_uuid_returns_the_first_record(db, make_user):
    officer = make_user("officer")
    me, key = principal(officer), uuid.uuid4()
    first, created = service.create(db, me, "crime", key, occurred_at=utcnow(), summary="Burglary")
    db.commit()
    again, created_again = service.create(db, me, "crime", key, occurred_at=utcnow(), summary="Changed")
    assert created and not created_again and again.id == first.id and again.summary == "Burglary"
    assert first.reference.startswith("CRI/") and first.state == "draft"


def test_client_uuid_of_another_officers_record_is_refused(db, make_user):
    me, other = principal(make_user("officer")), principal(make_user("officer"))
    key = uuid.uuid4()
    service.create(db, me, "crime", key, occurred_at=utcnow(), summary="x")
    db.commit()
    with pytest.raises(service.Conflict) as refused:
        service.create(db, other, "crime", key, occurred_at=utcnow(), summary="x")
    assert refused.value.field == "client_uuid"


def test_twenty_parallel_creations_of_one_uuid_make_one_record(db, make_user):
    me, key = principal(make_user("officer")), uuid.uuid4()
    start, ids, errors = threading.Barrier(20), [], []

    def submit():
        try:
            with onbeat_db.session() as s:
                start.wait()
                record, _ = service.create(s, me, "stop_search", key, occurred_at=utcnow(), summary="parallel")
                s.commit()
                ids.append(record.id)
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(ids) == 20 and len(set(ids)) == 1
    assert db.execute(select(func.count()).select_from(Record).where(Record.client_uuid == key)).scalar() == 1


def test_submit_approve_and_return_through_the_api(client, db, make_user):
    officer, sergeant = make_user("officer"), make_user("supervisor")
    record = new_record(db, officer)
    as_officer, as_sergeant = bearer(client, officer.username), bearer(client, sergeant.username)

    early = client.post(f"/api/records/{record.id}/approve", json={}, headers=as_sergeant)
    assert early.status_code == 409 and "only a submitted record" in early.json()["detail"]

    r = client.post(f"/api/records/{record.id}/submit", headers=as_officer)
    assert r.status_code == 200 and r.json()["state"] == "submitted", r.text
    assert client.post(f"/api/records/{record.id}/submit", headers=as_officer).json()["state"] == "submitted"

    no_comment = client.post(f"/api/records/{record.id}/return", json={"comment": ""}, headers=as_sergeant)
    assert no_comment.status_code == 400 and no_comment.json()["errors"][0]["field"] == "comment"
    returned = client.post(f"/api/records/{record.id}/return", json={"comment": "Add the grounds"},
                           headers=as_sergeant).json()
    assert returned["state"] == "returned" and returned["reviews"][-1]["comment"] == "Add the grounds"

    client.post(f"/api/records/{record.id}/submit", headers=as_officer)
    approved = client.post(f"/api/records/{record.id}/approve", json={}, headers=as_sergeant).json()
    assert approved["state"] == "approved"
    assert [r["decision"] for r in approved["reviews"]] == ["submitted", "returned", "submitted", "approved"]

    db.expire_all()
    subjects = db.execute(select(OutboxEvent.subject).where(OutboxEvent.subject.like("onbeat.records.%"))
                          .order_by(OutboxEvent.id)).scalars().all()
    assert subjects == ["onbeat.records.submitted", "onbeat.records.returned", "onbeat.records.submitted",
                        "onbeat.records.approved"]
    assert client.post(f"/api/records/{record.id}/submit", headers=as_officer).status_code == 409


def test_nobody_reviews_their_own_record(client, db, make_user):
    sergeant = make_user("supervisor")
    record = new_record(db, sergeant)
    auth = bearer(client, sergeant.username)
    client.post(f"/api/records/{record.id}/submit", headers=auth)
    r = client.post(f"/api/records/{record.id}/approve", json={}, headers=auth)
    assert r.status_code == 403 and "your own record" in r.json()["detail"]


def test_only_the_author_submits(client, db, make_user):
    record = new_record(db, make_user("officer"))
    other = make_user("officer")
    r = client.post(f"/api/records/{record.id}/submit", headers=bearer(client, other.username))
    assert r.status_code == 403 and record.reference in r.json()["detail"]


def test_search_filters_and_audits_the_purpose(client, db, make_user):
    officer = make_user("officer")
    near = new_record(db, officer, place="Broad Street, Reading")
    far = new_record(db, officer, kind="crime", place="Market Place, Wokingham", latitude=51.411, longitude=-0.835)
    old = new_record(db, officer, occurred_at=utcnow() - timedelta(days=30), place="Oxford Road")
    auth = bearer(client, officer.username)

    assert client.get("/api/records", headers=auth).status_code == 400  # no purpose

    def refs(**params):
        r = client.get("/api/records", params=params, headers=auth | PURPOSE)
        assert r.status_code == 200, r.text
        return {i["reference"] for i in r.json()["items"]}

    assert refs(kind="crime") == {far.reference}
    assert refs(reference=near.reference) == {near.reference}
    assert refs(place="broad") == {near.reference}
    assert refs(latitude=51.4551, longitude=-0.9740, radius_m=1000) == {near.reference, old.reference}
    assert refs(date_from=(utcnow() - timedelta(days=2)).isoformat()) == {near.reference, far.reference}
    assert refs(author_id=str(officer.id)) == {near.reference, far.reference, old.reference}
    assert client.get("/api/records", params={"kind": "parking"}, headers=auth | PURPOSE).status_code == 422

    db.expire_all()
    entry = db.execute(select(AuditEntry).where(AuditEntry.event == "records.searched")
                       .order_by(AuditEntry.seq.desc())).scalars().first()
    assert entry.purpose == PURPOSE["X-Purpose"] and entry.action == "consult"


def test_reading_a_record_needs_a_purpose_and_is_audited(client, db, make_user):
    officer = make_user("officer")
    record = new_record(db, officer)
    auth = bearer(client, officer.username)
    assert client.get(f"/api/records/{record.id}", headers=auth).status_code == 400
    r = client.get(f"/api/records/{record.id}", headers=auth | PURPOSE)
    assert r.status_code == 200 and r.json()["reference"] == record.reference
    assert client.get(f"/api/records/{uuid.uuid4()}", headers=auth | PURPOSE).status_code == 404


def test_search_and_review_pages(client, db, make_user):
    officer, sergeant = make_user("officer"), make_user("supervisor")
    record = new_record(db, officer)
    service.submit(db, principal(officer), record)
    db.commit()

    browser_login(client, sergeant.username)
    queue = client.get("/records/review")
    assert queue.status_code == 200 and record.reference in queue.text

    asked = client.get("/records", params={"reference": record.reference})
    assert "Say why you are searching" in asked.text and 'id="records-caption"' not in asked.text
    found = client.get("/records", params={"reference": record.reference, "purpose": "Review of stop-searches"})
    assert found.status_code == 200 and f"/records/stop-search/{record.id}" in found.text

    r = client.get(f"/records/{record.id}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/records/stop-search/{record.id}"
