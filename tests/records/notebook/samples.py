"""Sample entries for the notebook tests, and a Principal to write them as."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from onbeat.core.permissions import permissions_for
from onbeat.core.security import Principal
from onbeat.records.notebook.schemas import EntryIn


def principal(user) -> Principal:
    return Principal(user, permissions_for(user.role_names), roles=user.role_names)


def entry(text: str = "Attended the Royal Oak; the landlord said the fight started at 22:40.", **extra) -> EntryIn:
    values = {"client_uuid": uuid.uuid4(), "occurred_at": datetime.now(timezone.utc) - timedelta(minutes=10),
              "text": text}
    values.update(extra)
    return EntryIn(**values)


def entry_json(text: str = "Spoke to the driver of a red Ford Fiesta.", **extra) -> dict:
    return {"client_uuid": str(uuid.uuid4()),
            "occurred_at": (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat(), "text": text, **extra}
