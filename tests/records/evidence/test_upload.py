"""Uploading evidence: whole in one request and resumable in chunks, against the local folder and
a real S3-compatible server; offsets, a dropped connection, idempotency by client UUID."""

from __future__ import annotations

import re
import uuid

import anyio
import pytest
from sqlalchemy import func, select

from onbeat.core.events.models import OutboxEvent
from onbeat.records.evidence.models import EvidenceAttachment, EvidenceItem, EvidenceUpload
from tests.records.evidence.conftest import (
    chunk_size, png, png_of_at_least, put_chunk, send_whole, sha, start_upload)


def _check_stored(client, headers, db, storage, item: dict, data: bytes) -> None:
    assert re.fullmatch(r"EV/\d{6}/\d{2}", item["reference"])
    assert item["sha256"] == sha(data) and item["size"] == len(data) and item["content_type"] == "image/png"
    row = db.get(EvidenceItem, uuid.UUID(item["id"]))
    assert row.storage_backend == storage.kind
    assert storage.read(row.storage_key) == data
    assert row.thumbnail_key in storage.keys() and item["has_thumbnail"]
    assert storage.unfinished_multipart() == 0
    got = client.get(f"/api/evidence/{item['id']}/download", headers=headers)
    assert got.status_code == 200 and got.content == data
    assert got.headers["x-evidence-sha256"] == sha(data) and got.headers["repr-digest"].startswith("sha-256=:")
    event = db.execute(select(OutboxEvent).where(OutboxEvent.subject == "onbeat.records.evidence_added")).scalar_one()
    assert event.permission == "evidence.read" and event.payload["reference"] == item["reference"]


def test_whole_upload_is_streamed_to_storage(client, db, officer, storage):
    _, headers = officer
    data = png_of_at_least(9 * 1024 * 1024)  # several blocks on the way in; on S3, more than one part
    r = send_whole(client, headers, data, filename="scene.png")
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/api/evidence/{r.json()['id']}"
    _check_stored(client, headers, db, storage, r.json(), data)


def test_resumable_upload_in_chunks_with_a_wrong_offset_refused(client, db, officer, storage):
    _, headers = officer
    step = chunk_size(client, headers)
    data = png_of_at_least(2 * step + step // 2)
    upload = start_upload(client, headers, data).json()
    assert upload["offset"] == 0 and upload["complete"] is False

    r = put_chunk(client, headers, upload["id"], data, 0, step - 1)
    assert r.status_code == 200 and r.json()["offset"] == step and r.headers["upload-offset"] == str(step)

    again = put_chunk(client, headers, upload["id"], data, 0, step - 1)  # the same chunk twice
    assert again.status_code == 409
    assert again.headers["upload-offset"] == str(step) and again.json()["errors"][0]["field"] == "Content-Range"
    skipped = put_chunk(client, headers, upload["id"], data, 2 * step, len(data) - 1)
    assert skipped.status_code == 409 and skipped.headers["upload-offset"] == str(step)
    ragged = put_chunk(client, headers, upload["id"], data, step, step + 1000)  # not the last, not on a boundary
    assert ragged.status_code == 400 and "multiple" in ragged.json()["detail"]

    r = put_chunk(client, headers, upload["id"], data, step, 2 * step - 1)
    assert r.status_code == 200 and r.json()["offset"] == 2 * step
    assert client.head(f"/api/evidence/uploads/{upload['id']}", headers=headers).headers["upload-offset"] == str(2 * step)
    done = put_chunk(client, headers, upload["id"], data, 2 * step, len(data) - 1)
    assert done.status_code == 201, done.text
    item = done.json()["evidence"]
    assert done.json()["complete"] and item["id"] == upload["id"]
    _check_stored(client, headers, db, storage, item, data)
    assert db.execute(select(func.count()).select_from(EvidenceUpload)
                      .where(EvidenceUpload.id == uuid.UUID(upload["id"]))).scalar_one() == 0
    # The upload's address now says it is complete and where the item is.
    head = client.head(f"/api/evidence/uploads/{upload['id']}", headers=headers)
    assert head.headers["upload-offset"] == str(len(data)) and head.headers["location"] == f"/api/evidence/{item['id']}"


def _put_then_drop(client, path: str, headers: dict, first_bytes: bytes) -> None:
    """A PUT whose connection drops after `first_bytes` of the body (the client goes out of signal)."""
    messages = [{"type": "http.request", "body": first_bytes, "more_body": True}, {"type": "http.disconnect"}]

    async def receive():
        if messages:
            return messages.pop(0)
        await anyio.sleep_forever()

    async def send(message):
        pass

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "PUT", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "state": {}}
    client.portal.call(client.app, scope, receive, send)  # on the test client's event loop


def test_resume_after_a_dropped_connection(client, officer, storage):
    _, headers = officer
    step = chunk_size(client, headers)
    data = png_of_at_least(step * 2 + 10)
    upload = start_upload(client, headers, data).json()
    path = f"/api/evidence/uploads/{upload['id']}"
    assert put_chunk(client, headers, upload["id"], data, 0, step - 1).json()["offset"] == step

    arrived = step // 2 + 123
    _put_then_drop(client, path, {**headers, "Content-Range": f"bytes {step}-{2 * step - 1}/{len(data)}"},
                   data[step:step + arrived])

    offset = int(client.head(path, headers=headers).headers["upload-offset"])
    status = client.get(path, headers=headers).json()
    assert status["offset"] == offset and status["complete"] is False
    # A folder keeps every byte that arrived; S3 keeps whole parts, so the half part is sent again.
    assert offset == (step + arrived if storage.kind == "local" else step)
    r = put_chunk(client, headers, upload["id"], data, offset, 2 * step - 1)
    assert r.status_code == 200 and r.json()["offset"] == 2 * step
    done = put_chunk(client, headers, upload["id"], data, 2 * step, len(data) - 1)
    assert done.status_code == 201, done.text
    assert done.json()["evidence"]["sha256"] == sha(data)
    assert client.get(f"/api/evidence/{upload['id']}/download", headers=headers).content == data


def test_the_same_file_sent_twice_is_one_item(client, db, officer):
    _, headers = officer
    data = png(120, 90)
    client_uuid = str(uuid.uuid4())
    first = send_whole(client, headers, data, client_uuid=client_uuid)
    again = send_whole(client, headers, data, client_uuid=client_uuid)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["reference"] == first.json()["reference"]
    # Starting a resumable upload of it answers with the stored item.
    resumed = start_upload(client, headers, data, client_uuid=client_uuid)
    assert resumed.status_code == 200 and resumed.json()["complete"] and resumed.json()["evidence"]["id"] == first.json()["id"]
    # Different bytes under the same client UUID are refused: they would be a different item.
    other = send_whole(client, headers, png(121, 90), client_uuid=client_uuid)
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "client_uuid"
    assert db.execute(select(func.count()).select_from(EvidenceItem)).scalar_one() == 1
    # Re-uploading different bytes with a new UUID is a new item, not a change to the old one.
    new = send_whole(client, headers, png(121, 90))
    assert new.status_code == 201 and new.json()["reference"] != first.json()["reference"]


def test_an_upload_in_progress_is_resumed_not_restarted(client, officer):
    _, headers = officer
    step = chunk_size(client, headers)
    data = png_of_at_least(step + 10)
    client_uuid = str(uuid.uuid4())
    upload = start_upload(client, headers, data, client_uuid=client_uuid).json()
    put_chunk(client, headers, upload["id"], data, 0, step - 1)
    again = start_upload(client, headers, data, client_uuid=client_uuid)
    assert again.status_code == 200 and again.json()["id"] == upload["id"] and again.json()["offset"] == step
    done = put_chunk(client, headers, upload["id"], data, step, len(data) - 1)
    assert done.status_code == 201
    # A client that missed the last answer and sends the last chunk again gets the item.
    repeat = put_chunk(client, headers, upload["id"], data, step, len(data) - 1)
    assert repeat.status_code == 201 and repeat.json()["evidence"]["id"] == upload["id"]


def test_attached_to_a_record_that_exists(client, db, officer, make_record):
    user, headers = officer
    record = make_record(user)
    data = png()
    r = send_whole(client, headers, data, record_id=str(record.id))
    assert r.status_code == 201 and r.json()["record_ids"] == [str(record.id)]
    listed = client.get("/api/evidence", params={"record_id": str(record.id)}, headers=headers).json()
    assert [i["id"] for i in listed["items"]] == [r.json()["id"]] and listed["total"] == 1

    missing = send_whole(client, headers, png(10, 10), record_id=str(uuid.uuid4()))
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "record_id"
    resumable = start_upload(client, headers, png(10, 10), record_id=str(uuid.uuid4()))
    assert resumable.status_code == 400 and resumable.json()["errors"][0]["field"] == "record_id"

    # Attached later to another record; attaching twice changes nothing.
    other = make_record(user, "collision")
    assert client.post(f"/api/evidence/{r.json()['id']}/attachments", json={"record_id": str(other.id)},
                       headers=headers).status_code == 201
    twice = client.post(f"/api/evidence/{r.json()['id']}/attachments", json={"record_id": str(other.id)},
                        headers=headers)
    assert twice.status_code == 200 and set(twice.json()["record_ids"]) == {str(record.id), str(other.id)}
    assert db.execute(select(func.count()).select_from(EvidenceAttachment)).scalar_one() == 2


def test_declaration_is_validated_before_any_byte(client, officer):
    _, headers = officer
    data = png()
    bad = start_upload(client, headers, data, sha256="not-a-hash", captured_at="2999-01-01T00:00:00Z")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"sha256", "captured_at"}
    naive = send_whole(client, headers, data, captured_at="2026-01-01T10:00:00")
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "captured_at"


def test_only_the_officer_who_started_an_upload_sends_its_chunks(client, make_user, officer):
    _, headers = officer
    data = png()
    upload = start_upload(client, headers, data).json()
    from tests.conftest import bearer

    other = make_user("officer")
    r = put_chunk(client, bearer(client, other.username), upload["id"], data, 0, len(data) - 1)
    assert r.status_code == 403
    cancelled = client.delete(f"/api/evidence/uploads/{upload['id']}", headers=headers)
    assert cancelled.status_code == 204
    assert client.head(f"/api/evidence/uploads/{upload['id']}", headers=headers).status_code == 404


@pytest.mark.parametrize("size", [0])
def test_an_empty_file_is_refused(client, officer, size):
    _, headers = officer
    r = send_whole(client, headers, b"")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "file"
    assert start_upload(client, headers, b"").status_code == 422
