"""The chain of custody: captured, uploaded, attached, each view (with its purpose), each export
(with its recipient), read back from the audit log; integrity checks; who may do what."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from onbeat.core.audit.service import verify
from onbeat.records.evidence.models import EvidenceItem
from onbeat.records.evidence.service import IntegrityFailure
from tests.conftest import bearer
from tests.records.evidence.conftest import png, send_whole, sha


def _custody(client, headers, item_id) -> list[dict]:
    r = client.get(f"/api/evidence/{item_id}/custody", headers=headers, params={"size": 200})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_custody_timeline_from_capture_to_disclosure(client, db, officer, make_user, make_record):
    user, headers = officer
    record = make_record(user)
    data = png(300, 200)
    item = send_whole(client, headers, data, record_id=str(record.id), captured_at="2026-07-14T09:30:00+01:00",
                      capture_device="BWV 4471").json()

    viewing = {**headers, "X-Purpose": "Reviewing footage for CRI/000001/26"}
    assert client.get(f"/api/evidence/{item['id']}", headers=viewing).status_code == 200
    assert client.get(f"/api/evidence/{item['id']}/download", headers=viewing).content == data

    detective = make_user("detective")
    exporting = bearer(client, detective.username)
    r = client.post(f"/api/evidence/{item['id']}/export", headers=exporting,
                    json={"purpose": "Full file for charge, CRI/000001/26", "recipient": "CPS Direct"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    package = zipfile.ZipFile(io.BytesIO(r.content))
    folder = item["reference"].replace("/", "-")
    assert package.read(f"{folder}/IMG_0042.png") == data
    manifest = json.loads(package.read(f"{folder}/manifest.json"))
    assert manifest["sha256"] == sha(data) and manifest["exported"]["recipient"] == "CPS Direct"
    assert [e["event"] for e in manifest["custody"]][-1] == "evidence.exported"
    assert "BST" in package.read(f"{folder}/custody.txt").decode()

    events = _custody(client, headers, item["id"])
    assert [(e["event"], e["detail"].get("how")) for e in events] == [
        ("evidence.captured", None), ("evidence.uploaded", None), ("evidence.attached", None),
        ("evidence.viewed", "details"), ("evidence.viewed", "download"), ("evidence.exported", None),
        ("evidence.viewed", "custody")]
    captured, uploaded = events[0], events[1]
    assert captured["at"] == "2026-07-14T08:30:00Z" and "BWV 4471" in captured["summary"]
    assert uploaded["detail"]["sha256"] == sha(data) and uploaded["by"] == user.display_name
    assert events[3]["purpose"] == "Reviewing footage for CRI/000001/26"
    assert events[5]["purpose"] == "Full file for charge, CRI/000001/26" and "CPS Direct" in events[5]["summary"]
    assert events[2]["detail"]["record_reference"] == record.reference
    assert verify(db).ok


def test_reading_content_needs_a_purpose(client, officer):
    _, headers = officer
    item = send_whole(client, headers, png()).json()
    no_purpose = {k: v for k, v in headers.items() if k != "X-Purpose"}
    for path in ("", "/download", "/thumbnail", "/custody", "/integrity"):
        r = client.get(f"/api/evidence/{item['id']}{path}", headers=no_purpose)
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == "purpose", path
    # The list shows what exists (no content) without one.
    assert client.get("/api/evidence", headers=no_purpose).json()["total"] == 1


def test_export_needs_its_permission_a_purpose_and_a_recipient(client, officer, make_user):
    _, headers = officer
    item = send_whole(client, headers, png()).json()
    body = {"purpose": "Disclosure to defence", "recipient": "Smith & Co Solicitors"}
    assert client.post(f"/api/evidence/{item['id']}/export", headers=headers, json=body).status_code == 403
    supervisor = bearer(client, make_user("supervisor").username)
    r = client.post(f"/api/evidence/{item['id']}/export", headers=supervisor, json={**body, "recipient": ""})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "recipient"


def test_integrity_check_recomputes_the_hash(client, db, officer, local_storage):
    _, headers = officer
    data = png(50, 50)
    item = send_whole(client, headers, data).json()
    r = client.get(f"/api/evidence/{item['id']}/integrity", headers=headers)
    assert r.status_code == 200 and r.json()["matches"] and r.json()["sha256_now"] == sha(data)

    # Someone with access to the disk changes the file.
    stored = local_storage.root / db.get(EvidenceItem, uuid.UUID(item["id"])).storage_key
    stored.chmod(0o640)
    stored.write_bytes(data[:-1] + b"\x00")
    r = client.get(f"/api/evidence/{item['id']}/integrity", headers=headers)
    assert r.status_code == 200 and r.json()["matches"] is False and r.json()["sha256_now"] != sha(data)
    with pytest.raises(IntegrityFailure):  # the download breaks off rather than deliver the changed file
        client.get(f"/api/evidence/{item['id']}/download", headers=headers)
    stored.unlink()
    r = client.get(f"/api/evidence/{item['id']}/integrity", headers=headers)
    assert r.json()["matches"] is False and r.json()["sha256_now"] is None
    gone = client.get(f"/api/evidence/{item['id']}/download", headers=headers)
    assert gone.status_code == 500 and item["reference"] in gone.json()["detail"]
    checks = [e for e in _custody(client, headers, item["id"]) if e["event"] == "evidence.integrity_checked"]
    assert [e["detail"]["matches"] for e in checks] == [True, False, False]


def test_an_item_never_changes(client, db, officer):
    _, headers = officer
    item = send_whole(client, headers, png()).json()
    for sql in ("update evidence_items set sha256 = repeat('0', 64) where id = :id",
                "delete from evidence_items where id = :id"):
        with pytest.raises(DBAPIError, match="evidence items never change"):
            db.execute(text(sql), {"id": item["id"]})
        db.rollback()


def test_an_unknown_item_is_404(client, officer):
    _, headers = officer
    r = client.get(f"/api/evidence/{uuid.uuid4()}", headers=headers)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
