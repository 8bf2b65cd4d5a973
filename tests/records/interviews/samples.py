"""A written interview record to send, and signatures to sign it with."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone


def body(**extra) -> dict:
    start = (datetime.now(timezone.utc) - timedelta(hours=2)).replace(microsecond=0)
    at = lambda minutes: (start + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    values = {
        "client_uuid": str(uuid.uuid4()),
        "interviewee": {"given_name": "Sam", "family_name": "Taylor", "date_of_birth": "1990-04-01"},
        "place": "Custody suite, Central police station", "incident_number": "0042-21112026",
        "caution_code": "interview", "caution_given": True, "caution_understood": True,
        "started_at": start.isoformat(), "ended_at": at(40),
        "present": [{"role": "officer", "name": "DC Priya Shah", "detail": "collar 4410"},
                    {"role": "solicitor", "name": "Amir Khan", "detail": "Khan & Co"}],
        "exchanges": [{"asked_at": at(5), "question": "Where were you at ten last night?", "answer": "At home."},
                      {"asked_at": at(12), "question": "Who can say so?", "answer": "No comment."}],
        "offered_to_read": True,
    }
    values.update(extra)
    return values


def signature(signer: str) -> dict:
    return {"signer": signer, "width": 400, "height": 120,
            "strokes": [[{"x": 10, "y": 60, "t": 0}, {"x": 80, "y": 30, "t": 90}, {"x": 160, "y": 70, "t": 200}],
                        [{"x": 200, "y": 50, "t": 400}]]}
