"""The witness-private part: written by the author of a draft, read only with records.witness_private,
and every read, allowed or refused, in the audit log with its purpose."""

from __future__ import annotations

from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from tests.conftest import bearer
from tests.records.statements.helpers import PURPOSE, create, sign_all, witness_body

PRIVATE = {
    "address": "12 Castle Hill, Reading", "postcode": "rg1 7ta", "mobile_phone": "07700 900123",
    "email": "amelia.hart@example.org", "preferred_contact": "Weekday evenings after 6pm",
    "dates_to_avoid": [{"start": "2027-03-01", "end": "2027-03-14", "reason": "Holiday abroad"}],
    "special_measures": ["screens", "live_link"],
    "consent_witness_care": True, "consent_other_proceedings": False, "vps_offered": True,
}


def _audit(db, event):
    db.expire_all()
    return db.execute(select(AuditEntry).where(AuditEntry.event == event)).scalars().all()


def test_only_holders_of_the_permission_read_it_and_refusals_are_audited(client, db, make_user):
    officer, detective = make_user("officer"), make_user("detective")
    auth = bearer(client, officer.username)
    s = create(client, auth, witness_private=PRIVATE)
    assert s["has_witness_private"]
    url = f"/api/statements/{s['record']['id']}/witness-private"

    # The author may write it but not read it back: refused, and the refusal is on record.
    refused = client.get(url, headers={**auth, **PURPOSE})
    assert refused.status_code == 403 and "recorded" in refused.json()["detail"]
    (entry,) = _audit(db, "records.witness_statement.witness_private_refused")
    assert entry.action == "consult" and entry.detail["refused"] is True
    assert entry.purpose == PURPOSE["X-Purpose"] and entry.actor_id == officer.id

    # The statement itself never carries the private part.
    body = client.get(f"/api/statements/{s['record']['id']}", headers={**auth, **PURPOSE}).json()
    assert "07700" not in str(body) and "Castle Hill" not in str(body)

    seen = client.get(url, headers={**bearer(client, detective.username), **PURPOSE})
    assert seen.status_code == 200, seen.text
    got = seen.json()
    assert got["postcode"] == "RG1 7TA" and got["mobile_phone"] == "07700900123"
    assert got["special_measures"] == ["screens", "live_link"]
    assert got["dates_to_avoid"] == [{"start": "2027-03-01", "end": "2027-03-14", "reason": "Holiday abroad"}]
    assert got["consent_witness_care"] is True and got["consent_other_proceedings"] is False
    assert got["consent_medical_records"] is None
    (viewed,) = _audit(db, "records.witness_statement.witness_private_viewed")
    assert viewed.actor_id == detective.id and viewed.purpose == PURPOSE["X-Purpose"]

    no_reason = client.get(url, headers=bearer(client, detective.username))
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "purpose"


def test_the_author_writes_it_while_a_draft_and_nobody_else(client, db, make_user):
    officer, other = make_user("officer"), make_user("officer")
    auth = bearer(client, officer.username)
    s = create(client, auth)
    url = f"/api/statements/{s['record']['id']}/witness-private"
    assert client.put(url, json=PRIVATE, headers=auth).status_code == 204
    assert client.put(url, json=PRIVATE, headers=bearer(client, other.username)).status_code == 403
    bad = client.put(url, json={**PRIVATE, "special_measures": ["screens", "smoke_machine"]}, headers=auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "special_measures.1"
    bad = client.put(url, json={**PRIVATE, "mobile_phone": "call me"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "mobile_phone"
    saved = _audit(db, "records.witness_statement.witness_private_saved")
    assert [e.action for e in saved] == ["collect"] and "mobile_phone" in saved[0].detail["fields"]
    assert "07700" not in str(saved[0].detail)  # the audit names the fields, never the values

    sign_all(client, auth, s)
    client.post(f"/api/records/{s['record']['id']}/submit", headers=auth)
    late = client.put(url, json=PRIVATE, headers=auth)
    assert late.status_code == 409


def test_a_refused_create_stores_no_private_part(client, db, make_user):
    auth = bearer(client, make_user("officer").username)
    r = client.post("/api/statements", json=witness_body(witness_private={**PRIVATE, "postcode": "NOT A CODE"}),
                    headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "witness_private.postcode"
    assert _audit(db, "records.witness_statement.witness_private_saved") == []
