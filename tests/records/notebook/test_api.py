"""The notebook API: writing (idempotent), refusing changes with 409, reading with a purpose, and
the court export checked by the public verify endpoint."""

from __future__ import annotations

import copy

from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from tests.conftest import bearer
from tests.records.notebook.samples import entry_json


def _write(client, auth, n: int = 3) -> list[dict]:
    out = []
    for i in range(n):
        r = client.post("/api/notebook/entries", json=entry_json(f"Entry text {i + 1}\nsecond line"), headers=auth)
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


def test_write_is_201_then_200_for_the_same_client_uuid(client, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    body = entry_json(place="Market Square", latitude=52.62883, longitude=1.29279, incident_number="0042-21112026",
                      record_references=["cri/000123/26", "CRI/000123/26"])
    first = client.post("/api/notebook/entries", json=body, headers=auth)
    assert first.status_code == 201, first.text
    again = client.post("/api/notebook/entries", json=body, headers=auth)
    assert again.status_code == 200 and again.json() == first.json()
    e = first.json()
    assert e["number"] == 1 and e["collar_number"] == officer.collar_number
    assert e["record_references"] == ["CRI/000123/26"]
    assert len(e["hash"]) == 64 and e["prev_hash"] == "0" * 64
    listed = client.get("/api/notebook/entries", headers=auth).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == e["id"]


def test_bad_entries_name_the_field_and_write_nothing(client, make_user):
    auth = bearer(client, make_user("officer").username)
    cases = [({"text": "   "}, "text"), ({"incident_number": "42"}, "incident_number"),
             ({"record_references": ["not a ref"]}, "record_references"), ({"latitude": 51.5}, "body"),
             ({"occurred_at": "2026-11-21T10:00:00"}, "occurred_at"), ({"corrects": 7}, "corrects")]
    for extra, field in cases:
        r = client.post("/api/notebook/entries", json=entry_json(**extra), headers=auth)
        assert r.status_code in (400, 422), (extra, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert any(e["field"] == field for e in r.json()["errors"]), (extra, r.json())
    assert client.get("/api/notebook/entries", headers=auth).json()["total"] == 0


def test_changing_or_deleting_an_entry_is_409_with_the_way_to_correct_it(client, make_user):
    auth = bearer(client, make_user("officer").username)
    _write(client, auth, 1)
    for method in ("PUT", "PATCH", "DELETE"):
        r = client.request(method, "/api/notebook/entries/1", json={"text": "changed"}, headers=auth)
        assert r.status_code == 409, (method, r.text)
        assert "correction" in r.json()["hint"] and "corrects" in r.json()["hint"]
    assert client.request("PATCH", "/api/notebook/entries/2", headers=auth).status_code == 404
    assert client.get("/api/notebook/entries/1", headers=auth).json()["text"] == "Entry text 1\nsecond line"

    fix = client.post("/api/notebook/entries", json=entry_json("Correction: it was 22:40, not 22:14.", corrects=1),
                      headers=auth).json()
    assert fix["corrects"] == 1
    assert client.get("/api/notebook/entries/1", headers=auth).json()["corrected_by"] == [2]
    assert client.get("/api/notebook/verify", headers=auth).json() == {
        "valid": True, "entries_checked": 2, "head_hash": fix["hash"], "first_bad_entry": None, "reason": None}


def test_reading_another_officers_notebook_needs_notebook_read_and_a_purpose(client, db, make_user):
    officer = make_user("officer")
    _write(client, bearer(client, officer.username), 2)
    colleague = bearer(client, make_user("officer").username)
    assert client.get(f"/api/notebooks/{officer.collar_number}", headers={**colleague, "X-Purpose": "curious"}
                      ).status_code == 403
    sergeant = make_user("supervisor")
    auth = bearer(client, sergeant.username)
    r = client.get(f"/api/notebooks/{officer.collar_number}", headers=auth)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose"
    r = client.get(f"/api/notebooks/{officer.collar_number}", headers={**auth, "X-Purpose": "complaint CMP/001"})
    assert r.status_code == 200 and [e["number"] for e in r.json()["items"]] == [2, 1]
    assert client.get("/api/notebooks/NOSUCH", headers={**auth, "X-Purpose": "x" * 5}).status_code == 404
    seen = db.execute(select(AuditEntry).where(AuditEntry.event == "notebook.viewed",
                                               AuditEntry.actor_id == sergeant.id)).scalar_one()
    assert seen.action == "consult" and seen.purpose == "complaint CMP/001" and seen.subject_id == str(officer.id)


def _export(client, make_user, n: int = 3):
    officer = make_user("officer")
    entries = _write(client, bearer(client, officer.username), n)
    auth = bearer(client, make_user("detective").username)
    r = client.get(f"/api/notebooks/{officer.collar_number}/export", params={"purpose": "R v Smith, disclosure"},
                   headers=auth)
    assert r.status_code == 200, r.text
    assert "attachment" in r.headers["content-disposition"]
    return officer, entries, r.json()


def test_the_export_holds_every_entry_and_a_worked_example_that_checks_out(client, db, make_user):
    import hashlib

    officer, entries, doc = _export(client, make_user)
    assert doc["entry_count"] == 3 and doc["head_hash"] == entries[-1]["hash"]
    assert doc["officer"]["collar_number"] == officer.collar_number
    assert [e["hash"] for e in doc["entries"]] == [e["hash"] for e in entries]
    note = "\n".join(doc["verification_note"])
    assert "RFC 8785" in note and "sha256sum" in note
    # The worked example: the bytes between the markers hash to entry 1's recorded hash.
    body = next(line for line in doc["verification_note"] if line.startswith(">>>"))[3:-3]
    assert hashlib.sha256(body.encode()).hexdigest() == doc["entries"][0]["hash"]
    assert doc["entries"][0]["hash"] in note
    disclosed = db.execute(select(AuditEntry).where(AuditEntry.event == "notebook.exported")).scalar_one()
    assert disclosed.action == "disclose" and disclosed.purpose == "R v Smith, disclosure"


def test_an_untouched_export_is_valid_without_signing_in(client, make_user):
    _, entries, doc = _export(client, make_user)
    r = client.post("/api/notebooks/verify", json=doc)
    assert r.status_code == 200
    assert r.json() == {"valid": True, "entries_checked": 3, "head_hash": entries[-1]["hash"],
                        "first_bad_entry": None, "reason": None}


def test_a_tampered_export_is_invalid_and_names_the_entry(client, make_user):
    _, _, doc = _export(client, make_user, 4)

    def check(changed: dict) -> dict:
        r = client.post("/api/notebooks/verify", json=changed)
        assert r.status_code == 200, r.text
        return r.json()

    altered = copy.deepcopy(doc)
    altered["entries"][2]["text"] = "Nothing to report."
    result = check(altered)
    assert (result["valid"], result["entries_checked"], result["first_bad_entry"]) == (False, 2, 3)
    assert "altered" in result["reason"] and result["head_hash"] == doc["entries"][1]["hash"]

    removed = copy.deepcopy(doc)
    del removed["entries"][1]
    assert check(removed)["first_bad_entry"] == 3 and "entry 2 is missing" in check(removed)["reason"]

    cut = copy.deepcopy(doc)
    del cut["entries"][-1]
    assert not check(cut)["valid"] and "4 entries" in check(cut)["reason"]

    added_field = copy.deepcopy(doc)
    added_field["entries"][0]["amended_text"] = "something else"
    assert check(added_field)["first_bad_entry"] == 1 and "amended_text" in check(added_field)["reason"]

    times = copy.deepcopy(doc)
    times["entries"][3]["occurred_at"] = "2020-01-01T00:00:00.000000Z"
    assert check(times)["first_bad_entry"] == 4

    # Only the entries are needed: a court may send just them.
    assert check({"entries": doc["entries"]})["valid"]


def test_verify_refuses_a_document_it_cannot_read_naming_the_field(client):
    r = client.post("/api/notebooks/verify", json={"entries": [{"number": "1"}]})
    assert r.status_code == 422
    assert any(e["field"].startswith("entries.0") for e in r.json()["errors"])


def test_an_empty_notebook_exports_with_a_sample_worked_example_that_checks_out(client, make_user):
    import hashlib

    officer = make_user("officer")
    auth = bearer(client, make_user("supervisor").username)
    doc = client.get(f"/api/notebooks/{officer.collar_number}/export", headers={**auth, "X-Purpose": "audit check"}
                     ).json()
    assert doc["entries"] == [] and doc["entry_count"] == 0 and doc["head_hash"] == "0" * 64
    body = next(line for line in doc["verification_note"] if line.startswith(">>>"))[3:-3]
    digest = next(line for line in doc["verification_note"] if line.startswith("Its SHA-256 is "))
    assert hashlib.sha256(body.encode()).hexdigest() in digest
    assert "sample entry" in " ".join(doc["verification_note"])
    assert client.post("/api/notebooks/verify", json=doc).json()["valid"] is True
