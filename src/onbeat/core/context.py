"""Per-request context (request id, source address) that the audit log and logs read."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str | None = None
    source_address: str | None = None


current: ContextVar[RequestContext] = ContextVar("onbeat_request", default=RequestContext())
