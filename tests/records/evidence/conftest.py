"""Evidence fixtures: storage settings (a temporary folder, or a real S3-compatible server: moto's
standalone server on a free port), officers with tokens, records to attach to, test files."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from datetime import datetime, timezone

import pytest
from PIL import ExifTags, Image

from onbeat.records.evidence.settings import get_evidence_settings
from tests.conftest import bearer, free_port


@pytest.fixture(autouse=True)
def evidence_settings(tmp_path, monkeypatch):
    """Local storage in a temporary folder; `evidence_settings(max_image_size=...)` changes a setting."""
    monkeypatch.setenv("ONBEAT_EVIDENCE_LOCAL_DIR", str(tmp_path / "evidence"))
    get_evidence_settings.cache_clear()

    def apply(**values):
        for key, value in values.items():
            monkeypatch.setenv(f"ONBEAT_EVIDENCE_{key.upper()}", str(value))
        get_evidence_settings.cache_clear()
        return get_evidence_settings()

    yield apply
    get_evidence_settings.cache_clear()


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, evidence_settings):
    """Point evidence storage at a new, empty bucket on the S3 server; yields (client, bucket)."""
    import boto3

    bucket = f"evidence-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2", aws_access_key_id="test",
                          aws_secret_access_key="test")
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    evidence_settings(storage="s3", s3_endpoint_url=s3_endpoint, s3_bucket=bucket, s3_region="eu-west-2",
                      s3_access_key="test", s3_secret_key="test")
    return client, bucket


class Stored:
    """What a storage holds, whichever it is."""

    def __init__(self, kind: str, root, s3=None):
        self.kind, self.root, self.s3 = kind, root, s3

    def keys(self) -> list[str]:
        if self.kind == "local":
            return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file()) \
                if self.root.exists() else []
        client, bucket = self.s3
        return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))

    def unfinished_multipart(self) -> int:
        if self.kind == "local":
            return 0
        client, bucket = self.s3
        return len(client.list_multipart_uploads(Bucket=bucket).get("Uploads", []))

    def read(self, key: str) -> bytes:
        if self.kind == "local":
            return (self.root / key).read_bytes()
        client, bucket = self.s3
        return client.get_object(Bucket=bucket, Key=key)["Body"].read()


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path) -> Stored:
    """Each test using this runs once with the local folder and once with S3."""
    if request.param == "s3":
        return Stored("s3", None, request.getfixturevalue("s3_bucket"))
    return Stored("local", tmp_path / "evidence")


@pytest.fixture
def local_storage(tmp_path) -> Stored:
    return Stored("local", tmp_path / "evidence")


@pytest.fixture
def officer(client, make_user):
    user = make_user("officer")
    return user, {**bearer(client, user.username), "X-Purpose": "CRI/000001/26 investigation"}


@pytest.fixture
def make_record(db):
    """make_record(user) → a crime record authored by the user (any kind would do)."""
    from onbeat.core.permissions import permissions_for
    from onbeat.core.security import Principal
    from onbeat.records.core import service

    def make(user, kind: str = "crime"):
        me = Principal(user, permissions_for(user.role_names), roles=user.role_names)
        record, _ = service.create(db, me, kind, uuid.uuid4(), occurred_at=datetime.now(timezone.utc),
                                   summary="Theft from a car")
        db.commit()
        return record

    return make


# --- files ---------------------------------------------------------------------------------------

def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def png(width: int = 64, height: int = 48, noise: bool = False) -> bytes:
    """A real PNG; with noise it barely compresses, so its size is about width × height × 3."""
    if noise:
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        image = Image.new("RGB", (width, height), (200, 30, 30))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def png_of_at_least(size: int) -> bytes:
    side = int((size / 3) ** 0.5) + 8
    data = png(side, side, noise=True)
    assert len(data) >= size
    return data


GPS = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}


def camera_jpeg() -> bytes:
    """A landscape photo, left half red and right half blue, that the camera says must be turned
    90° clockwise to view (EXIF orientation 6), with the GPS position where it was taken."""
    image = Image.new("RGB", (400, 200), (220, 0, 0))
    image.paste((0, 0, 220), (200, 0, 400, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + os.urandom(2000)
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>\n" * 20


def declaration(data: bytes, filename: str = "IMG_0042.png", **extra) -> dict:
    return {"filename": filename, "sha256": sha(data), "client_uuid": str(uuid.uuid4()), **extra}


# --- uploading -----------------------------------------------------------------------------------

def send_whole(client, headers: dict, data: bytes, **declared):
    """POST /api/evidence with the file as the body; `declared` overrides the declaration."""
    params = {**declaration(data), **declared}
    return client.post("/api/evidence", params={k: v for k, v in params.items() if v is not None}, content=data,
                       headers={**headers, "Content-Type": "application/octet-stream"})


def start_upload(client, headers: dict, data: bytes, **declared):
    body = {**declaration(data), "size": len(data), **declared}
    return client.post("/api/evidence/uploads", json=body, headers=headers)


def put_chunk(client, headers: dict, upload_id: str, data: bytes, first: int, last: int):
    return client.put(f"/api/evidence/uploads/{upload_id}", content=data[first:last + 1],
                      headers={**headers, "Content-Range": f"bytes {first}-{last}/{len(data)}",
                               "Content-Type": "application/octet-stream"})


def send_resumable(client, headers: dict, data: bytes, **declared):
    """Start an upload and send every chunk in order; returns the last answer."""
    started = start_upload(client, headers, data, **declared)
    assert started.status_code == 201, started.text
    upload = started.json()
    step = upload["chunk_size"]
    answer = None
    for first in range(0, len(data), step):
        answer = put_chunk(client, headers, upload["id"], data, first, min(first + step, len(data)) - 1)
        assert answer.status_code in (200, 201), answer.text
    return answer


def chunk_size(client, headers: dict) -> int:
    """The server's chunk size (it depends on the storage): start a tiny upload and cancel it."""
    probe = start_upload(client, headers, png(8, 8)).json()
    assert client.delete(f"/api/evidence/uploads/{probe['id']}", headers=headers).status_code == 204
    return probe["chunk_size"]
