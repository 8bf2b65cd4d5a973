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
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from onbeat import db
from onbeat.core.events.service import CHANNEL
from onbeat.core.security import Requires

log = logging.getLogger(__name__)
router = APIRouter(tags=["events"])
HEARTBEAT_SECONDS = 15.0
QUEUE_LIMIT = 1000
# A stream ends after this long; the browser reconnects (Last-Event-ID) and is authorised afresh,
# so a revoked session or a removed role stops receiving events within this time.
STREAM_SECONDS = 300.0
REPLAY_LIMIT = 5000
LISTENER_NAME = "onbeat-events-listener"

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
    """One per process: LISTEN for new events, read them in id order, fan them out.

    If its database connections drop (restart, failover, a terminated backend) it reconnects
    with backoff and carries on from the last id it handed out, so nothing is missed.
    """

    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.last_id = 0
        self.reconnects = 0
        self._task: asyncio.Task | None = None
        self.ready = asyncio.Event()

    async def start(self) -> None:
        # A fresh start (a new app in this process, perhaps on another database): no state carried over.
        await self.stop()
        self.subscribers = set()
        self.last_id = 0
        self.reconnects = 0
        self.ready = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="onbeat-events-listener")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    async def _connect(self) -> psycopg.AsyncConnection:
        return await psycopg.AsyncConnection.connect(db.libpq_url(), autocommit=True, connect_timeout=5,
                                                     application_name=LISTENER_NAME)

    async def _run(self) -> None:
        delay = 0.5
        while True:
            try:
                async with await self._connect() as listen, await self._connect() as query:
                    await listen.execute(f"LISTEN {CHANNEL}")
                    if not self.ready.is_set():
                        cur = await query.execute("select coalesce(max(id), 0) from event_outbox")
                        self.last_id = (await cur.fetchone())[0]
                    self.ready.set()
                    delay = 0.5
                    await self._catch_up(query)  # whatever came while we were not listening
                    while True:
                        # Wake on a notification, or every few seconds to catch up regardless.
                        woke = False
                        async for _ in listen.notifies(timeout=5.0, stop_after=1):
                            woke = True
                        if woke:  # one pass serves every notification already queued
                            async for _ in listen.notifies(timeout=0.01):
                                pass
                        await self._catch_up(query)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # database restarting, network blip: retry, lose nothing
                self.reconnects += 1
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


def _replay(after: int, permissions: frozenset[str]) -> tuple[list[tuple[int, str]], int, bool]:
    """Events after `after` that these permissions allow, from the outbox (on the app's pool).

    Returns them, the last id looked at, and whether that was the end (at most about
    REPLAY_LIMIT are returned at once: the stream then closes and the reconnect goes on)."""
    out: list[tuple[int, str]] = []
    with db.engine().connect() as conn, conn.connection.driver_connection.cursor() as cur:
        while True:
            rows = cur.execute(_SELECT, (after,)).fetchall()
            for row in rows:
                after, permission, text = _message(row)
                if permission in permissions:
                    out.append((after, text))
            if len(rows) < 500:
                return out, after, True
            if len(out) >= REPLAY_LIMIT:
                return out, after, False


@router.get("/api/events/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}, "description": "A stream of server-sent events"}})
async def stream(request: Request, me: Requires("events.stream"), session: Annotated[Session, Depends(db.get_db)],
                 last_event_id: Annotated[int | None, Header(ge=0, le=2**62)] = None,
                 after: Annotated[int | None, Query(ge=0, le=2**62, description="Replay events after this id")] = None,
                 once: Annotated[bool, Query(description="Send what is pending and close (for tests and polling)")] = False):
    """Server-sent events for the signed-in user: every domain event their permissions allow.

    A reconnect with `Last-Event-ID` (browsers send it themselves) first replays what was missed.
    A stream closes after a few minutes so that the reconnect checks the sign-in and role again.
    """
    permissions = me.permissions
    # The sign-in check's session (the request's one) is done with: hand its connection back now,
    # or each open stream would hold one, idle in a transaction, until it ends.
    await run_in_threadpool(session.close)
    start = last_event_id if last_event_id is not None else after

    async def body():
        sub: Subscriber | None = None
        try:
            yield "retry: 2000\n\n"
            if not once:
                # Subscribe before reading the backlog, so nothing falls between the two; the
                # overlap is dropped below by id. Wait for the listener's first position, or an
                # event committed just after it starts could be counted as already seen.
                try:
                    await asyncio.wait_for(broadcaster.ready.wait(), 5.0)
                except asyncio.TimeoutError:
                    pass
                sub = Subscriber(permissions)
                broadcaster.subscribers.add(sub)
            seen = start or 0
            if start is None and not once and broadcaster.last_id:
                # A new stream starts from now. Say where "now" is (an id line with no data sets
                # the browser's Last-Event-ID without firing an event), so that a reconnect
                # before any event arrives still replays what came in between.
                seen = broadcaster.last_id
                yield f"id: {seen}\n\n"
            if start is not None:
                backlog, scanned, complete = await run_in_threadpool(_replay, start, permissions)
                for id_, text in backlog:
                    seen = id_
                    yield text
                if scanned > seen:
                    # Events up to `scanned` are not for this user: a reconnect need not look again.
                    seen = scanned
                    yield f"id: {seen}\n\n"
                if not complete:
                    return  # the browser reconnects with Last-Event-ID and gets the rest
            if once:
                return
            deadline = asyncio.get_running_loop().time() + STREAM_SECONDS
            while not sub.overflowed:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    return
                try:
                    text = await asyncio.wait_for(sub.queue.get(), min(HEARTBEAT_SECONDS, remaining))
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
            if sub is not None:
                broadcaster.subscribers.discard(sub)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
