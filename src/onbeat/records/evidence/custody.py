"""The chain of custody of an evidence item, read from the audit log.

Every step (captured, uploaded, attached, viewed, integrity checked, exported) is written to the
audit log with subject type `evidence` by the service, in the same transaction as the step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.orm import Session

from onbeat.core.audit.models import AuditEntry
from onbeat.core.audit.service import for_subject

SUBJECT = "evidence"

LABELS = {
    "evidence.captured": "Captured",
    "evidence.uploaded": "Uploaded",
    "evidence.attached": "Attached to a record",
    "evidence.viewed": "Viewed",
    "evidence.integrity_checked": "Integrity checked",
    "evidence.exported": "Exported for disclosure",
}


@dataclass(frozen=True)
class CustodyEvent:
    seq: int
    event: str
    label: str
    # When it happened: the device's declared time for "captured", else when it was recorded.
    at: datetime
    recorded_at: datetime
    by: str
    purpose: str | None
    detail: dict
    hash: str

    @property
    def summary(self) -> str:
        """The event in words, with what matters for each kind of step."""
        d = self.detail
        if self.event == "evidence.captured":
            return f"Captured on {d['capture_device']}" if d.get("capture_device") else "Captured"
        if self.event == "evidence.uploaded":
            return f"Uploaded ({d.get('size', '?')} bytes, SHA-256 {d.get('sha256', '')[:12]}…)"
        if self.event == "evidence.attached":
            return f"Attached to {d.get('record_reference') or d.get('record_id')}"
        if self.event == "evidence.viewed":
            return f"Viewed ({d['how']})" if d.get("how") else "Viewed"
        if self.event == "evidence.integrity_checked":
            return "Integrity checked: the file matches its SHA-256" if d.get("matches") else \
                "Integrity checked: the file does NOT match its SHA-256"
        if self.event == "evidence.exported":
            return f"Exported for disclosure to {d.get('recipient', '?')}"
        return self.label


def _of(entry: AuditEntry) -> CustodyEvent:
    at = entry.occurred_at
    declared = (entry.detail or {}).get("captured_at")
    if entry.event == "evidence.captured" and declared:
        at = datetime.fromisoformat(declared)
    return CustodyEvent(seq=entry.seq, event=entry.event, label=LABELS.get(entry.event, entry.event), at=at,
                        recorded_at=entry.occurred_at, by=entry.actor_label, purpose=entry.purpose,
                        detail=dict(entry.detail or {}), hash=entry.hash)


def query(evidence_id: uuid.UUID) -> Select:
    """The item's audit entries, oldest first."""
    return for_subject(SUBJECT, evidence_id)


def events(entries) -> list[CustodyEvent]:
    return [_of(e) for e in entries]


def timeline(db: Session, evidence_id: uuid.UUID) -> list[CustodyEvent]:
    """Every step, oldest first (for an export package: a custody record is complete or useless)."""
    return events(db.execute(query(evidence_id).execution_options(yield_per=500)).scalars())
