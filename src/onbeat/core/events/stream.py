"""Live updates: PostgreSQL LISTEN/NOTIFY → server-sent events, filtered by permission.

Each app process runs one `Broadcaster`: it LISTENs on the events channel, reads new outbox rows
in id order and hands each to the streams whose user holds the event's permission. Because the
source is the database, an event written through any process reaches streams on every process.
A stream that reconnects with `Last-Event-ID` gets what it missed, from the outbox.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Annotated

import psycopg
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from onbeat import db
from onbeat.core.events.service import CHANNEL
from onbeat.core.security import Requires

log = logging.getLogger(__name__)
router = APIRouter(tags=["events"])
HEARTBEAT_SECONDS = 15.0
QUEUE_LIMIT = 1000

_SELECT = ("select id, event_id, subject, permission, payload, created_at from event_outbox "
           "where id > %s order by id limit 500")


def _message(row) -> tuple[int, str, str]:
    id_, event_id, subject, permission, payload, created_at = row
    data = {"id": id_, "event_id": str(event_id), "subject": subject, "created_at": created_at.isoformat(),
            "payload": payload}
    return id_, permission, f"id: {id_}\nevent: {subject}\ndata: {json.dumps(data)}\n\n"


@dataclass(eq=False)
class Subscriber:
    permissions: frozenset[str]
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    overflowed: bool = False


class Broadcaster:
    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.last_id = 0
        self._task: asyncio.Task | None = None
        self.ready = asyncio.Event()

    def conninfo(self) -> str:
        return db.engine().url.set(drivername="postgresql").render_as_string(hide_password=False)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="onbeat-events-listener")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.conninfo(), autocommit=True) as listen, \
                        await psycopg.AsyncConnection.connect(self.conninfo(), autocommit=True) as query:
                    await listen.execute(f"LISTEN {CHANNEL}")
                    if not self.ready.is_set():
                        cur = await query.execute("select coalesce(max(id), 0) from event_outbox")
                        self.last_id = (await cur.fetchone())[0]
                    self.ready.set()
                    delay = 0.5
                    await self._catch_up(query)  # whatever came while we were not listening
                    while True:
                        # Wake on a notification, or every few seconds to catch up regardless.
                        async for _ in listen.notifies(timeout=5.0, stop_after=1):
                            pass
                        await self._catch_up(query)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database restarting, network blip: retry, lose nothing
                log.warning("event listener lost the database (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _catch_up(self, conn: psycopg.AsyncConnection) -> None:
        while True:
            cur = await conn.execute(_SELECT, (self.last_id,))
            rows = await cur.fetchall()
            for row in rows:
                id_, permission, text = _message(row)
                self.last_id = id_
                self._publish(permission, text)
            if len(rows) < 500:
                return

    def _publish(self, permission: str, text: str) -> None:
        for sub in list(self.subscribers):
            if permission in sub.permissions:
                try:
                    sub.queue.put_nowait(text)
                except asyncio.QueueFull:
                    # A stream that cannot keep up is closed; the browser reconnects with Last-Event-ID.
                    sub.overflowed = True


broadcaster = Broadcaster()


async def _replay(after: int, permissions: frozenset[str]) -> list[str]:
    out: list[str] = []
    async with await psycopg.AsyncConnection.connect(broadcaster.conninfo(), autocommit=True) as conn:
        while True:
            rows = await (await conn.execute(_SELECT, (after,))).fetchall()
            for row in rows:
                after, permission, text = _message(row)
                if permission in permissions:
                    out.append(text)
            if len(rows) < 500 or len(out) > 5000:
                return out


@router.get("/api/events/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "A stream of server-sent events"}})
async def stream(request: Request, me: Requires("events.stream"),
                 last_event_id: Annotated[int | None, Header(ge=0, le=2**62)] = None,
                 after: Annotated[int | None, Query(ge=0, le=2**62, description="Replay events after this id")] = None,
                 once: Annotated[bool, Query(description="Send what is pending and close (for tests and polling)")] = False):
    """Server-sent events for the signed-in user: every domain event their permissions allow."""
    sub = Subscriber(me.permissions)
    broadcaster.subscribers.add(sub)
    start = last_event_id if last_event_id is not None else after
    backlog = await _replay(start, me.permissions) if start is not None else []

    async def body():
        try:
            yield "retry: 2000\n\n"
            seen = start or 0
            for text in backlog:
                seen = int(text.split("\n", 1)[0][4:])
                yield text
            if once:
                return
            while not sub.overflowed:
                try:
                    text = await asyncio.wait_for(sub.queue.get(), HEARTBEAT_SECONDS)
                except asyncio.TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": heartbeat\n\n"
                    continue
                id_ = int(text.split("\n", 1)[0][4:])
                if id_ > seen:
                    seen = id_
                    yield text
        finally:
            broadcaster.subscribers.discard(sub)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
