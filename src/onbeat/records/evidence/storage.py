"""Where evidence bytes live: a local folder or an S3-compatible bucket.

Bytes arrive through a `Writer`, in blocks, and are never held whole in memory. A writer calls
`on_commit(block)` for each block once it is durable (written to the file; for S3, sent as a part),
so the caller hashes exactly what is kept. An upload is staged until `close(final=True)` makes it
the stored object; `discard()` removes every trace of it.

Local: staged in `incoming/<upload id>` and renamed into place when complete (files are then made
read-only). S3: a multipart upload straight to the object's key, in parts of `part_size`; between
the requests of a resumable upload the multipart id and parts travel in `state` (kept in the
database). A request's last bytes short of a whole part are not kept unless they end the file, so
a resumable upload's offset on S3 moves in whole parts.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from onbeat.records.evidence.settings import EvidenceSettings, get_evidence_settings

READ_BLOCK = 1024 * 1024
_KEY = re.compile(r"^[a-z0-9][a-z0-9/._-]{0,298}$")
OnCommit = Callable[[bytes], None]


class StagedDataLost(Exception):
    """A resumable upload's bytes received so far are gone (removed from the staging folder)."""


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Writer(Protocol):
    state: dict

    def write(self, data: bytes) -> None: ...

    def close(self, final: bool) -> None: ...

    def discard(self) -> None: ...


class Storage(Protocol):
    backend: str
    # A resumable upload's chunks (all but the last) must end on a multiple of this.
    chunk_size: int

    def writer(self, key: str, upload_id: str, offset: int, state: dict, on_commit: OnCommit) -> Writer: ...

    def read(self, key: str) -> Iterator[bytes]: ...

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def discard_staged(self, key: str, upload_id: str, state: dict) -> None: ...


# --- a local folder --------------------------------------------------------------------------

class LocalWriter:
    def __init__(self, storage: LocalStorage, key: str, upload_id: str, offset: int, on_commit: OnCommit):
        self.storage, self.key, self.on_commit, self.state = storage, key, on_commit, {}
        self.staged = storage.staged_path(upload_id)
        self.staged.parent.mkdir(parents=True, exist_ok=True)
        if offset and (not self.staged.exists() or self.staged.stat().st_size < offset):
            raise StagedDataLost(f"the bytes received so far for upload {upload_id} are no longer there")
        self.file = open(self.staged, "r+b" if offset else "w+b")  # noqa: SIM115
        # What the database says was received is what counts: drop anything written after it.
        self.file.truncate(offset)
        self.file.seek(offset)

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.on_commit(data)

    def close(self, final: bool) -> None:
        if self.file.closed:
            return
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        if final:
            target = self.storage.path(self.key)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staged, target)
            target.chmod(0o440)

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()
        self.staged.unlink(missing_ok=True)
        self.storage.delete(self.key)


class LocalStorage:
    backend = "local"
    chunk_size = 256 * 1024

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / _checked(key)

    def staged_path(self, upload_id: str) -> Path:
        return self.root / "incoming" / _checked(upload_id)

    def writer(self, key: str, upload_id: str, offset: int, state: dict, on_commit: OnCommit) -> LocalWriter:
        return LocalWriter(self, key, upload_id, offset, on_commit)

    def read(self, key: str) -> Iterator[bytes]:
        with open(self.path(key), "rb") as f:
            while block := f.read(READ_BLOCK):
                yield block

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
        target.chmod(0o440)

    def get(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def discard_staged(self, key: str, upload_id: str, state: dict) -> None:
        self.staged_path(upload_id).unlink(missing_ok=True)


# --- an S3-compatible bucket -----------------------------------------------------------------

class S3Writer:
    def __init__(self, storage: S3Storage, key: str, state: dict, on_commit: OnCommit):
        self.storage, self.key, self.on_commit = storage, key, on_commit
        self.state = {"upload_id": state.get("upload_id"), "parts": list(state.get("parts", []))}
        self.buffer = bytearray()

    @property
    def _client(self):
        return self.storage.client

    def write(self, data: bytes) -> None:
        self.buffer += data
        size = self.storage.chunk_size
        while len(self.buffer) >= size:
            part = bytes(self.buffer[:size])
            del self.buffer[:size]
            self._send_part(part)

    def _send_part(self, part: bytes) -> None:
        if not self.state["upload_id"]:
            made = self._client.create_multipart_upload(Bucket=self.storage.bucket, Key=self.key)
            self.state["upload_id"] = made["UploadId"]
        number = len(self.state["parts"]) + 1
        sent = self._client.upload_part(Bucket=self.storage.bucket, Key=self.key, UploadId=self.state["upload_id"],
                                        PartNumber=number, Body=part)
        self.state["parts"].append({"PartNumber": number, "ETag": sent["ETag"], "Size": len(part)})
        self.on_commit(part)

    def close(self, final: bool) -> None:
        if not final:
            self.buffer.clear()  # short of a whole part: the client sends these bytes again
            return
        if not self.state["upload_id"]:
            body = bytes(self.buffer)
            self.buffer.clear()
            self._client.put_object(Bucket=self.storage.bucket, Key=self.key, Body=body)
            self.on_commit(body)
            return
        if self.buffer:
            last = bytes(self.buffer)
            self.buffer.clear()
            self._send_part(last)
        parts = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in self.state["parts"]]
        self._client.complete_multipart_upload(Bucket=self.storage.bucket, Key=self.key,
                                               UploadId=self.state["upload_id"], MultipartUpload={"Parts": parts})
        self.state = {}

    def discard(self) -> None:
        self.buffer.clear()
        self.storage.discard_staged(self.key, "", self.state)
        self.storage.delete(self.key)


class S3Storage:
    backend = "s3"

    def __init__(self, settings: EvidenceSettings):
        import boto3
        from botocore.config import Config

        self.bucket = settings.s3_bucket
        self.chunk_size = int(settings.s3_part_size)
        secret = settings.s3_secret_key.get_secret_value() if settings.s3_secret_key else None
        self.client = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key, aws_secret_access_key=secret,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 5, "mode": "standard"}))

    def writer(self, key: str, upload_id: str, offset: int, state: dict, on_commit: OnCommit) -> S3Writer:
        return S3Writer(self, _checked(key), state, on_commit)

    def read(self, key: str) -> Iterator[bytes]:
        body = self.client.get_object(Bucket=self.bucket, Key=_checked(key))["Body"]
        try:
            yield from body.iter_chunks(READ_BLOCK)
        finally:
            body.close()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=_checked(key))["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_checked(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=_checked(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def discard_staged(self, key: str, upload_id: str, state: dict) -> None:
        if state.get("upload_id"):
            from botocore.exceptions import ClientError

            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=_checked(key), UploadId=state["upload_id"])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
                    raise


# --- which one ---------------------------------------------------------------------------------

_made: dict[str, tuple[EvidenceSettings, Storage]] = {}
_lock = threading.Lock()


def storage_for(backend: str | None = None) -> Storage:
    """The storage for `backend` (default: the configured one). Items keep the backend they were
    stored in, so they stay readable after the setting changes (while that backend stays configured)."""
    settings = get_evidence_settings()
    backend = backend or settings.storage
    with _lock:
        made = _made.get(backend)
        if made is None or made[0] is not settings:
            made = (settings, LocalStorage(settings.folder) if backend == "local" else S3Storage(settings))
            _made[backend] = made
        return made[1]
