"""Receiving a file: the checks every upload passes and the pump that streams a request body into
storage without holding it in memory.

The type is sniffed from the first bytes with `filetype` (the name and the client's Content-Type
are never trusted); each kind (image, video, audio, document) has its own size limit; the SHA-256
is computed over exactly the bytes storage kept, as they are kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import filetype
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from onbeat.core.errors import Problem
from onbeat.records.evidence.settings import category_of, get_evidence_settings
from onbeat.records.evidence.storage import Writer

HEAD_BYTES = 8192  # what filetype reads
BLOCK = 1024 * 1024  # bytes handed to storage at a time


class UnsupportedType(Problem):
    status, title = 415, "Unsupported media type"


class TooLarge(Problem):
    status, title = 413, "Request too large"


def human(size: int) -> str:
    for unit, scale in (("GB", 1000 ** 3), ("MB", 1000 ** 2), ("kB", 1000)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _allowed_hint() -> str:
    return ("Upload a photo, video, audio recording or document of an accepted type (" +
            ", ".join(get_evidence_settings().allowed_types) + ").")


def sniff(head: bytes) -> str:
    """The MIME type the bytes show, if it is an accepted type; else 415 naming the rule."""
    kind = filetype.guess(bytes(head[:HEAD_BYTES])) if head else None
    if kind is None:
        detail = "The file's type could not be recognised from its contents, so it is not accepted (rule: allowed_types)."
        raise UnsupportedType(detail, hint=_allowed_hint(),
                              errors=[{"field": "file", "message": detail, "type": "allowed_types"}])
    if kind.mime not in get_evidence_settings().allowed_types:
        detail = f"The file's contents are {kind.mime} (.{kind.extension}), which is not accepted as evidence (rule: allowed_types)."
        raise UnsupportedType(detail, hint=_allowed_hint(),
                              errors=[{"field": "file", "message": detail, "type": "allowed_types"}])
    return kind.mime


def check_size(content_type: str, size: int) -> None:
    """413 if a file of this type and size is over its kind's limit."""
    category = category_of(content_type)
    limit = get_evidence_settings().max_size(category)
    if size > limit:
        rule = f"max_{category}_size"
        detail = (f"This {category} is {human(size)}; the largest {category} accepted is {human(limit)} "
                  f"(rule: {rule}).")
        raise TooLarge(detail, hint="Trim or compress the file, or ask the service desk about larger files.",
                       errors=[{"field": "size", "message": detail, "type": rule}])


def declared_size_allowed(size: int) -> None:
    """Before any byte: no allowed type may be this large."""
    settings = get_evidence_settings()
    if size > settings.largest:
        detail = f"The file is {human(size)}; no evidence file may be larger than {human(settings.largest)}."
        raise TooLarge(detail, errors=[{"field": "size", "message": detail, "type": "max_size"}],
                       hint="Trim or compress the file, or ask the service desk about larger files.")


@dataclass
class Tally:
    """What storage has kept so far: the offset in the file, the running hash (None when this
    process did not see every byte; the hash is then recomputed from storage) and the first bytes."""

    offset: int = 0
    hasher: object | None = field(default_factory=hashlib.sha256)
    head: bytearray = field(default_factory=bytearray)

    def commit(self, data: bytes) -> None:
        if self.hasher is not None:
            self.hasher.update(data)
        if len(self.head) < HEAD_BYTES:
            self.head += data[:HEAD_BYTES - len(self.head)]
        self.offset += len(data)


@dataclass
class Limit:
    """How many bytes this request may bring, and what to say when it brings more."""

    size: int
    refuse: Callable[[int], Problem]
    # Called once the first HEAD_BYTES are kept: checks the type, may lower `size`.
    on_head: Callable[[bytes, Limit], None] | None = None


async def pump(stream: AsyncIterator[bytes], writer: Writer, tally: Tally, limit: Limit) -> int:
    """Stream the body into `writer` in blocks; returns the bytes received. Over the limit: the
    problem from `limit.refuse`. A dropped connection raises ClientDisconnect after what arrived
    has been handed to storage."""
    received = 0
    block = bytearray()
    headed = limit.on_head is None

    async def hand_over() -> None:
        nonlocal headed
        data = bytes(block)
        block.clear()
        await run_in_threadpool(writer.write, data)
        if not headed and len(tally.head) >= HEAD_BYTES:
            headed = True
            limit.on_head(bytes(tally.head), limit)
            if received > limit.size:
                raise limit.refuse(received)

    if not headed and len(tally.head) >= HEAD_BYTES:  # kept by an earlier request
        headed = True
        limit.on_head(bytes(tally.head), limit)
    try:
        async for chunk in stream:
            if not chunk:
                continue
            received += len(chunk)
            if received > limit.size:
                raise limit.refuse(received)
            block += chunk
            if len(block) >= BLOCK:
                await hand_over()
    except ClientDisconnect:
        if block:
            await hand_over()
        raise
    if block:
        await hand_over()
    return received
