"""What every upload must pass: the declared SHA-256, an accepted type sniffed from the bytes, the
size limit for that type. A file that fails leaves nothing behind: no row, no bytes in storage."""

from __future__ import annotations

from sqlalchemy import func, select

from onbeat.records.evidence.models import EvidenceItem, EvidenceUpload
from tests.records.evidence.conftest import (
    ELF, HTML, chunk_size, declaration, png, png_of_at_least, put_chunk, send_whole, sha, start_upload)


def _nothing_kept(db, storage) -> None:
    db.rollback()
    assert db.execute(select(func.count()).select_from(EvidenceItem)).scalar_one() == 0
    assert db.execute(select(func.count()).select_from(EvidenceUpload)).scalar_one() == 0
    assert storage.keys() == []
    assert storage.unfinished_multipart() == 0


def test_a_whole_file_whose_hash_differs_is_refused_and_not_kept(client, db, officer, storage):
    _, headers = officer
    data = png(200, 100)
    r = send_whole(client, headers, data, sha256=sha(data + b"!"))
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "sha256" and sha(data) in r.json()["detail"]
    _nothing_kept(db, storage)


def test_a_resumable_file_whose_hash_differs_is_refused_and_not_kept(client, db, officer, storage):
    _, headers = officer
    step = chunk_size(client, headers)
    data = png_of_at_least(step + 100)
    upload = start_upload(client, headers, data, sha256=sha(b"something else")).json()
    assert put_chunk(client, headers, upload["id"], data, 0, step - 1).status_code == 200
    r = put_chunk(client, headers, upload["id"], data, step, len(data) - 1)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "sha256"
    assert client.head(f"/api/evidence/uploads/{upload['id']}", headers=headers).status_code == 404
    _nothing_kept(db, storage)


def test_an_executable_named_as_a_photo_is_refused(client, db, officer, local_storage):
    _, headers = officer
    r = send_whole(client, headers, ELF, filename="holiday.jpg")
    assert r.status_code == 415
    error = r.json()["errors"][0]
    assert error["field"] == "file" and error["type"] == "allowed_types"
    assert "application/x-executable" in r.json()["detail"] and "allowed_types" in r.json()["detail"]
    _nothing_kept(db, local_storage)


def test_a_web_page_named_as_a_photo_is_refused(client, db, officer, local_storage):
    _, headers = officer
    r = send_whole(client, headers, HTML, filename="photo.jpg")
    assert r.status_code == 415 and "could not be recognised" in r.json()["detail"]
    _nothing_kept(db, local_storage)


def test_a_refused_type_stops_a_resumable_upload_at_its_first_chunk(client, db, officer, local_storage):
    _, headers = officer
    step = chunk_size(client, headers)
    data = ELF + bytes(3 * step)
    upload = start_upload(client, headers, data, filename="clip.mp4").json()
    r = put_chunk(client, headers, upload["id"], data, 0, step - 1)
    assert r.status_code == 415 and r.json()["errors"][0]["type"] == "allowed_types"
    _nothing_kept(db, local_storage)


def test_the_type_comes_from_the_bytes_not_the_name(client, officer):
    _, headers = officer
    r = send_whole(client, headers, png(), filename="statement.pdf")
    assert r.status_code == 201
    assert r.json()["content_type"] == "image/png" and r.json()["original_filename"] == "statement.pdf"


def test_folders_and_control_characters_are_taken_out_of_the_name(client, officer):
    _, headers = officer
    r = send_whole(client, headers, png(), filename="C:\\Users\\pc\\DCIM\\IMG\x07_1.png")
    assert r.status_code == 201 and r.json()["original_filename"] == "IMG_1.png"


def test_each_type_has_its_size_limit(client, db, officer, local_storage, evidence_settings):
    _, headers = officer
    evidence_settings(max_image_size="20kB")
    data = png_of_at_least(30_000)
    r = send_whole(client, headers, data)
    assert r.status_code == 413
    assert r.json()["errors"][0] == {"field": "size", "message": r.json()["detail"], "type": "max_image_size"}
    _nothing_kept(db, local_storage)
    # Below the limit, the same kind of file is accepted.
    assert send_whole(client, headers, png(20, 20)).status_code == 201


def test_a_resumable_upload_over_its_type_limit_is_refused_when_the_type_is_known(client, db, officer,
                                                                                   local_storage, evidence_settings):
    _, headers = officer
    evidence_settings(max_image_size="300kB")
    data = png_of_at_least(600_000)
    upload = start_upload(client, headers, data).json()  # allowed: a video of this size would be
    r = put_chunk(client, headers, upload["id"], data, 0, upload["chunk_size"] - 1)
    assert r.status_code == 413 and r.json()["errors"][0]["type"] == "max_image_size"
    _nothing_kept(db, local_storage)


def test_a_declared_size_larger_than_anything_accepted_is_refused_before_any_byte(client, officer,
                                                                                  evidence_settings):
    _, headers = officer
    evidence_settings(max_video_size="1MB", max_image_size="1MB", max_audio_size="1MB", max_document_size="1MB")
    r = start_upload(client, headers, b"x" * 10, size=5_000_000)
    assert r.status_code == 413 and r.json()["errors"][0]["field"] == "size"


def test_one_request_is_limited_and_points_to_the_resumable_upload(client, officer, evidence_settings):
    _, headers = officer
    evidence_settings(max_single_request="100kB")
    data = png_of_at_least(150_000)
    r = send_whole(client, headers, data)  # refused on its Content-Length, before any byte is read
    assert r.status_code == 413 and "resumable" in r.json()["hint"]
    assert r.json()["errors"][0]["type"] == "max_single_request"

    def without_length():  # a streamed body has no Content-Length: refused as the bytes pass the limit
        for start in range(0, len(data), 16_384):
            yield data[start:start + 16_384]

    r = client.post("/api/evidence", params=declaration(data), content=without_length(), headers=headers)
    assert r.status_code == 413 and r.json()["errors"][0]["type"] == "max_single_request"


def test_allowed_types_come_from_settings(client, officer, evidence_settings):
    _, headers = officer
    evidence_settings(allowed_types="application/pdf,image/jpeg")
    r = send_whole(client, headers, png())
    assert r.status_code == 415 and "image/png" in r.json()["detail"]
