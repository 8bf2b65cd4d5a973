"""Emit a domain event in the caller's transaction.

The outbox row and a NOTIFY are part of the same transaction as the change: if it rolls back,
the event never existed; if it commits, the relay publishes it and live pages hear of it.

Outbox ids are handed out in commit order. Readers (live pages, `Last-Event-ID`) go forward from
the last id they saw, so an id taken by a transaction that commits after a later id has been read
would be skipped for ever. To rule that out, `emit` takes a transaction-scoped advisory lock
before taking an id, held until commit or rollback. It is the audit chain's lock: nearly every
emitting transaction holds it already, so it adds no waiting, and being one lock rather than
two it cannot deadlock against the audit log whichever of the two a transaction writes first.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from onbeat.core.audit.service import take_chain_lock
from onbeat.core.events.models import OutboxEvent
from onbeat.core.permissions import PERMISSIONS

CHANNEL = "onbeat_events"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def subject_for(module: str, name: str) -> str:
    if not (_NAME.match(module) and _NAME.match(name)):
        raise ValueError(f"event module and name must be lower_snake_case: {module!r}, {name!r}")
    return f"onbeat.{module}.{name}"


def emit(db: Session, module: str, name: str, payload: dict, *, permission: str) -> OutboxEvent:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r} for event {module}.{name}")
    event = OutboxEvent(subject=subject_for(module, name), permission=permission,
                        payload=json.loads(json.dumps(payload, default=str)))
    take_chain_lock(db)
    db.add(event)
    db.flush()
    # NOTIFY payloads are limited to 8000 bytes: send the id, listeners read the row.
    db.execute(text("select pg_notify(:c, :p)"), {"c": CHANNEL, "p": str(event.id)})
    return event

