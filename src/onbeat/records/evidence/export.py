"""The disclosure package: a ZIP streamed to the recipient holding the file exactly as received,
a manifest (JSON) and the chain of custody in words (UK time). Nothing is held whole in memory:
the original is checked against its SHA-256 as it is copied in, and the package breaks off if it
does not match."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime

from onbeat.core.time import format_uk
from onbeat.records.evidence.custody import CustodyEvent
from onbeat.records.evidence.models import EvidenceItem
from onbeat.records.evidence.service import read_verified


class _Out(io.RawIOBase):
    """A write-only stream whose bytes are taken out as they come."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


def folder(item: EvidenceItem) -> str:
    return item.reference.replace("/", "-")


def custody_text(item: EvidenceItem, events: list[CustodyEvent], records: list[str]) -> str:
    lines = [f"Chain of custody: {item.reference}", "",
             f"File: {item.original_filename}", f"Type: {item.content_type}", f"Size: {item.size} bytes",
             f"SHA-256: {item.sha256}", f"Records: {', '.join(records) or 'none'}", "", "Times are UK time.", ""]
    for e in events:
        line = f"{format_uk(e.at, with_seconds=True)}  {e.summary}  by {e.by}"
        if e.purpose:
            line += f"  (purpose: {e.purpose})"
        lines.append(line)
        if e.event == "evidence.captured":
            lines.append(f"    recorded {format_uk(e.recorded_at, with_seconds=True)}")
    return "\n".join(lines) + "\n"


def manifest(item: EvidenceItem, events: list[CustodyEvent], records: list[str], exported_by: str,
             exported_at: datetime, purpose: str, recipient: str) -> dict:
    return {
        "reference": item.reference, "id": str(item.id), "file": item.original_filename,
        "content_type": item.content_type, "size": item.size, "sha256": item.sha256,
        "captured_at": item.captured_at.isoformat() if item.captured_at else None,
        "capture_device": item.capture_device, "uploaded_at": item.uploaded_at.isoformat(), "records": records,
        "exported": {"by": exported_by, "at": exported_at.isoformat(), "purpose": purpose, "recipient": recipient},
        "custody": [{"seq": e.seq, "event": e.event, "at": e.at.isoformat(), "recorded_at": e.recorded_at.isoformat(),
                     "by": e.by, "purpose": e.purpose, "detail": e.detail, "audit_hash": e.hash} for e in events],
    }


def package(item: EvidenceItem, events: list[CustodyEvent], records: list[str], exported_by: str,
            exported_at: datetime, purpose: str, recipient: str) -> Iterator[bytes]:
    out = _Out()
    base = folder(item)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        with archive.open(f"{base}/{item.original_filename}", "w", force_zip64=True) as member:
            for block in read_verified(item):
                member.write(block)
                yield out.take()
        archive.writestr(f"{base}/manifest.json", json.dumps(
            manifest(item, events, records, exported_by, exported_at, purpose, recipient), indent=2, default=str),
            compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(f"{base}/custody.txt", custody_text(item, events, records),
                         compress_type=zipfile.ZIP_DEFLATED)
    yield out.take()
