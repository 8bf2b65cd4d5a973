"""The staff pages: upload through a plain form, the list for a record, an item's page (asked why
first; thumbnail, hashes, custody in UK time), integrity, attach and export."""

from __future__ import annotations

import io
import re
import uuid
import zipfile

from sqlalchemy import func, select

from onbeat.records.evidence.models import EvidenceItem
from tests.conftest import browser_login, csrf_from
from tests.records.evidence.conftest import ELF, camera_jpeg, png, sha


def _upload(client, token: str, data: bytes, filename: str = "IMG_0042.JPG", **fields):
    form = {"csrf_token": token, "client_uuid": str(uuid.uuid4()), "record": "", "captured_at": "",
            "capture_device": "", "sha256": "", **fields}
    return client.post("/evidence/upload", data=form, files={"file": (filename, data, "image/jpeg")},
                       headers={"Accept": "text/html"}, follow_redirects=False)


def test_upload_form_to_item_page(client, db, make_user, make_record):
    user = make_user("officer")
    record = make_record(user)
    browser_login(client, user.username)
    form = client.get(f"/evidence/upload?record={record.id}")
    assert form.status_code == 200 and f'value="{record.reference}"' in form.text
    assert 'enctype="multipart/form-data"' in form.text and '<label for="file">' in form.text

    data = camera_jpeg()
    r = _upload(client, csrf_from(form.text), data, record=record.reference, captured_at="2026-07-14T09:30",
                capture_device="BWV 4471")
    assert r.status_code == 303, r.text
    item = db.execute(select(EvidenceItem)).scalar_one()
    assert r.headers["location"] == f"/evidence/{item.id}?uploaded=1"
    assert item.sha256 == sha(data) and item.captured_at.isoformat() == "2026-07-14T08:30:00+00:00"

    asked = client.get(r.headers["location"])
    assert "has been uploaded" in asked.text and "Why are you viewing this evidence?" in asked.text
    assert "data:image/jpeg" not in asked.text  # no content before a purpose

    shown = client.get(f"/evidence/{item.id}", params={"purpose": "CRI/000001/26"})
    assert shown.status_code == 200
    assert 'src="data:image/jpeg;base64,' in shown.text and item.sha256 in shown.text
    assert "14/07/2026 09:30:00 BST" in shown.text  # the device's time, in UK time
    assert "Captured on BWV 4471" in shown.text and "Uploaded" in shown.text and "Viewed (page)" in shown.text
    assert f"/evidence/{item.id}/download?purpose=CRI%2F000001%2F26" in shown.text
    assert "Export for disclosure" not in shown.text  # an officer cannot export

    listed = client.get(f"/evidence?record={record.id}")
    assert f"Evidence for {record.reference}" in listed.text and item.reference in listed.text
    assert client.get(f"/evidence?record={record.reference}").text.count(item.reference) == 1


def test_the_same_form_sent_twice_is_one_item(client, db, make_user):
    user = make_user("officer")
    token = browser_login(client, user.username)
    client_uuid = str(uuid.uuid4())
    first = _upload(client, token, png(), client_uuid=client_uuid)
    second = _upload(client, token, png(), client_uuid=client_uuid)
    assert first.headers["location"].split("?")[0] == second.headers["location"].split("?")[0]
    assert db.execute(select(func.count()).select_from(EvidenceItem)).scalar_one() == 1


def test_upload_form_says_what_is_wrong(client, db, make_user):
    user = make_user("officer")
    token = browser_login(client, user.username)
    refused = _upload(client, token, ELF, filename="photo.jpg")
    assert refused.status_code == 415
    assert "not accepted as evidence" in refused.text and 'aria-describedby="file-error"' in refused.text
    wrong_hash = _upload(client, token, png(), sha256="0" * 64)
    assert wrong_hash.status_code == 400 and 'id="sha256-error"' in wrong_hash.text
    no_record = _upload(client, token, png(), record="CRI/999999/26")
    assert no_record.status_code == 400 and "There is no record CRI/999999/26" in no_record.text
    future = _upload(client, token, png(), captured_at="2999-01-01T10:00")
    assert future.status_code == 400 and "future" in future.text
    missing = client.post("/evidence/upload", data={"csrf_token": token}, files={"file": ("", b"", "text/plain")},
                          headers={"Accept": "text/html"})
    assert missing.status_code == 400 and "Choose the file" in missing.text
    assert db.execute(select(func.count()).select_from(EvidenceItem)).scalar_one() == 0


def test_form_without_its_security_token_is_refused(client, db, make_user):
    user = make_user("officer")
    browser_login(client, user.username)
    r = _upload(client, "not-the-token", png())
    assert r.status_code == 403
    assert db.execute(select(func.count()).select_from(EvidenceItem)).scalar_one() == 0


def test_attach_integrity_and_export_from_the_item_page(client, db, make_user, make_record):
    sergeant = make_user("supervisor")
    record = make_record(sergeant)
    token = browser_login(client, sergeant.username)
    data = png(40, 30)
    location = _upload(client, token, data, filename="note.png").headers["location"]
    item_id = re.search(r"/evidence/([0-9a-f-]+)", location).group(1)

    attached = client.post(f"/evidence/{item_id}/attach", data={"csrf_token": token, "record": record.reference,
                                                                "purpose": "CRI/000001/26"}, follow_redirects=False)
    assert attached.status_code == 303 and attached.headers["location"].endswith("purpose=CRI%2F000001%2F26")
    shown = client.get(attached.headers["location"]).text
    assert f"Attached to {record.reference}" in shown and "Export for disclosure" in shown

    checked = client.get(f"/evidence/{item_id}/integrity", params={"purpose": "Routine check"})
    assert "matches the SHA-256 recorded" in checked.text

    exported = client.post(f"/evidence/{item_id}/export", data={"csrf_token": token, "purpose": "Case file",
                                                                "recipient": "CPS Thames Valley"})
    assert exported.status_code == 200
    assert 'filename="EV-' in exported.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(exported.content)).namelist()
    assert any(n.endswith("/note.png") for n in names) and any(n.endswith("/custody.txt") for n in names)
    later = client.get(f"/evidence/{item_id}", params={"purpose": "Check the disclosure"}).text
    assert "Exported for disclosure to CPS Thames Valley" in later

    downloaded = client.get(f"/evidence/{item_id}/download", params={"purpose": "Court copy"})
    assert downloaded.content == data and "attachment" in downloaded.headers["content-disposition"]
    no_reason = client.get(f"/evidence/{item_id}/download", headers={"Accept": "text/html"})
    assert no_reason.status_code == 400 and "reason" in no_reason.text


def test_item_page_asks_again_for_too_short_a_reason(client, make_user):
    user = make_user("officer")
    token = browser_login(client, user.username)
    location = _upload(client, token, png()).headers["location"]
    r = client.get(location.split("?")[0], params={"purpose": "x"})
    assert r.status_code == 400 and 'aria-invalid="true"' in r.text and "data:image" not in r.text


def test_list_pages_and_unknown_record(client, make_user):
    user = make_user("officer")
    token = browser_login(client, user.username)
    for _ in range(3):
        _upload(client, token, png(10 + _, 10))
    page = client.get("/evidence")
    assert page.status_code == 200 and "Showing 1–3 of 3" in page.text
    unknown = client.get("/evidence", params={"record": "CRI/999999/26"})
    assert unknown.status_code == 404 and "There is no record CRI/999999/26" in unknown.text
