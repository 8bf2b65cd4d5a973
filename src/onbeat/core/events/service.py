"""Emit a domain event in the caller's transaction.

The outbox row and a NOTIFY are part of the same transaction as the change: if it rolls back,
the event never existed; if it commits, the relay publishes it and live pages hear of it.

Outbox ids are handed out in commit order. Readers (live pages, `Last-Event-ID`) go forward from
the last id they saw, so an id taken by a transaction that commits after a later id has been read
would be skipped for ever. To rule that out, `emit` takes a transaction-scoped advisory lock
before taking an id, held until commit or rollback. It is the audit chain's lock: nearly every
emitting transaction holds it already, so it adds no waiting, and being one lock rather than
two it cannot deadlock against the audit log whichever of the two a transaction writes first.

Every emitting transaction queues for that one lock, so `emit` holds it as briefly as it can: the
caller's pending changes are flushed first, then lock, insert and NOTIFY go in one statement (one
round trip), and a caller that writes its audit entry after the event finds the lock already held.
"""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from onbeat.core.audit.service import CHAIN_LOCK_KEY, chain_lock_taken
from onbeat.core.events.models import OutboxEvent
from onbeat.core.permissions import PERMISSIONS

CHANNEL = "onbeat_events"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def subject_for(module: str, name: str) -> str:
    if not (_NAME.match(module) and _NAME.match(name)):
        raise ValueError(f"event module and name must be lower_snake_case: {module!r}, {name!r}")
    return f"onbeat.{module}.{name}"


# One statement, so the chain lock is held for as little as possible: the lock is taken first (the
# insert reads its one row from it), then the outbox id (after the lock, so ids follow commit order),
# then the NOTIFY, which PostgreSQL delivers at commit.
_EMIT = text(
    "with chain as (select pg_advisory_xact_lock(:k)), "
    "ev as (insert into event_outbox (event_id, subject, permission, payload, attempts) "
    "select :event_id, :subject, :permission, cast(:payload as jsonb), 0 from chain returning id, created_at) "
    "select id, created_at, pg_notify(:c, id::text) from ev")


def emit(db: Session, module: str, name: str, payload: dict, *, permission: str) -> OutboxEvent:
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r} for event {module}.{name}")
    subject = subject_for(module, name)
    body = json.dumps(payload, default=str)
    event = OutboxEvent(event_id=uuid.uuid4(), subject=subject, permission=permission, payload=json.loads(body),
                        attempts=0, published_at=None, last_error=None)
    # Pending changes go first, before the lock is taken: the lock is then held only to the commit.
    db.flush()
    event.id, event.created_at, _ = db.execute(_EMIT, {"k": CHAIN_LOCK_KEY, "event_id": event.event_id,
                                                       "subject": subject, "permission": permission,
                                                       "payload": body, "c": CHANNEL}).one()
    # NOTIFY payloads are limited to 8000 bytes: the id is sent, listeners read the row.
    chain_lock_taken(db)
    return event
