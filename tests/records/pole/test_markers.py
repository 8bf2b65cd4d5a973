"""Warning markers through the API: added, reviewed and expired by holders of markers.manage,
audited, shown wherever the person appears while active, kept once expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from onbeat.core.time import uk_today
from onbeat.records.pole.models import Marker
from tests.conftest import bearer

WHY = {"X-Purpose": "INC 0042-21112026"}


@pytest.fixture
def people(client, make_user):
    sergeant = bearer(client, make_user("supervisor").username)
    officer = bearer(client, make_user("officer").username)
    pid = client.post("/api/persons", json={"given_name": "Dean", "family_name": "Walsh"},
                      headers=officer).json()["id"]
    return sergeant, officer, pid


def add(client, auth, pid, **body):
    body = {"kind": "violence", "detail": "Headbutted an officer on arrest", "source": "CRI/000042/26", **body}
    return client.post(f"/api/persons/{pid}/markers", json=body, headers=auth)


def test_marker_added_shown_in_search_and_audited(client, db, people):
    sergeant, officer, pid = people
    r = add(client, sergeant, pid)
    assert r.status_code == 201
    m = r.json()
    assert (m["kind"], m["label"], m["active"], m["marked_on"]) == ("violence", "Violent", True, str(uk_today()))
    assert m["review_on"] == str(uk_today() + timedelta(days=365))
    found = client.get("/api/persons", params={"name": "walsh"}, headers={**officer, **WHY}).json()
    assert found["items"][0]["markers"] == [{"kind": "violence", "label": "Violent", "review_on": m["review_on"]}]
    [entry] = db.execute(select(AuditEntry).where(AuditEntry.event == "pole.marker.added")).scalars().all()
    assert (entry.action, entry.subject_type, entry.subject_id) == ("collect", "person", pid)


def test_expired_marker_is_hidden_from_everyday_views_but_kept(client, db, people):
    sergeant, officer, pid = people
    mid = add(client, sergeant, pid).json()["id"]
    add(client, sergeant, pid, kind="weapons", detail="Known to carry a blade")
    r = client.post(f"/api/persons/{pid}/markers/{mid}/expire", json={"reason": "Reviewed: no longer violent"},
                    headers=sergeant)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["expired_at"]
    seen = client.get(f"/api/persons/{pid}", headers={**officer, **WHY}).json()
    assert [m["kind"] for m in seen["markers"]] == ["weapons"]
    assert [m["kind"] for m in seen["warning_markers"]] == ["weapons"]
    everything = client.get(f"/api/persons/{pid}", params={"include_expired": "true"},
                            headers={**sergeant, **WHY}).json()
    assert {m["kind"]: m["active"] for m in everything["warning_markers"]} == {"violence": False, "weapons": True}
    assert [m["kind"] for m in everything["markers"]] == ["weapons"]
    kept = db.execute(select(Marker).where(Marker.id == mid)).scalar_one()
    assert kept.expiry_reason == "Reviewed: no longer violent"
    # expiring again changes nothing; reviewing an expired marker is refused
    again = client.post(f"/api/persons/{pid}/markers/{mid}/expire", json={"reason": "again"}, headers=sergeant)
    assert again.json()["expired_at"] == r.json()["expired_at"]
    review = client.post(f"/api/persons/{pid}/markers/{mid}/review",
                         json={"note": "Still relevant", "next_review_on": str(uk_today() + timedelta(days=90))},
                         headers=sergeant)
    assert review.status_code == 409


def test_review_sets_the_next_review_date(client, db, people):
    sergeant, _, pid = people
    mid = add(client, sergeant, pid).json()["id"]
    later = uk_today() + timedelta(days=180)
    r = client.post(f"/api/persons/{pid}/markers/{mid}/review",
                    json={"note": "Checked PNC: still current", "next_review_on": str(later)}, headers=sergeant)
    assert r.status_code == 200 and r.json()["review_on"] == str(later) and r.json()["review_note"]
    past = client.post(f"/api/persons/{pid}/markers/{mid}/review",
                       json={"note": "Checked", "next_review_on": str(uk_today())}, headers=sergeant)
    assert past.status_code == 400 and past.json()["errors"][0]["field"] == "next_review_on"
    events = db.execute(select(AuditEntry.event).where(AuditEntry.subject_id == pid)).scalars().all()
    assert "pole.marker.reviewed" in events


@pytest.mark.parametrize("body,status,field", [
    ({"kind": "unicorn"}, 422, "kind"),
    ({"detail": ""}, 422, "detail"),
    ({"review_on": "2000-01-01"}, 400, "review_on"),
    ({"expires_on": "2000-01-01"}, 400, "expires_on"),
    ({"marked_on": "2999-01-01"}, 422, "marked_on"),
])
def test_bad_markers_are_refused_and_nothing_is_stored(client, db, people, body, status, field):
    sergeant, _, pid = people
    r = add(client, sergeant, pid, **body)
    assert r.status_code == status and r.json()["errors"][0]["field"] == field
    assert db.execute(select(Marker)).first() is None


def test_markers_are_refused_to_roles_without_markers_manage(client, make_user, people):
    sergeant, officer, pid = people
    mid = add(client, sergeant, pid).json()["id"]
    handler = bearer(client, make_user("call_handler").username)
    for auth in (officer, handler):
        assert add(client, auth, pid).status_code == 403
        assert client.post(f"/api/persons/{pid}/markers/{mid}/expire", json={"reason": "because"},
                           headers=auth).status_code == 403
        assert client.post(f"/api/persons/{pid}/markers/{mid}/review", json={}, headers=auth).status_code == 403


def test_marker_of_another_person_is_not_found(client, people):
    sergeant, officer, pid = people
    mid = add(client, sergeant, pid).json()["id"]
    other = client.post("/api/persons", json={"family_name": "Other"}, headers=officer).json()["id"]
    r = client.post(f"/api/persons/{other}/markers/{mid}/expire", json={"reason": "wrong person"}, headers=sergeant)
    assert r.status_code == 404
