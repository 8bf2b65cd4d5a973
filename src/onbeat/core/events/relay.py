"""`onbeat events relay`: publish the outbox to NATS JetStream, at least once, in order.

One relay is active at a time (a PostgreSQL advisory lock elects it; start several for
fail-over). Each event is published with `Nats-Msg-Id` = its event id, so a re-send after a crash
between publish and mark is dropped by JetStream's duplicate window rather than delivered twice.
If NATS is down the relay waits and retries the same event: nothing is skipped or lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import nats
import psycopg
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from onbeat import db
from onbeat.core.events.service import CHANNEL

log = logging.getLogger(__name__)
STREAM = "ONBEAT"
SUBJECTS = ["onbeat.>"]
_LEADER_KEY = 0x0B_EA_7E_1A
BATCH = 200


def conninfo() -> str:
    return db.engine().url.set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_stream(js) -> None:
    config = StreamConfig(name=STREAM, subjects=SUBJECTS, duplicate_window=120.0)
    try:
        await js.stream_info(STREAM)
        await js.update_stream(config)
    except NotFoundError:
        await js.add_stream(config)


class Relay:
    def __init__(self, nats_url: str, *, poll_seconds: float = 1.0, max_backoff: float = 10.0,
                 on_published: Callable[[int], None] | None = None):
        self.nats_url = nats_url
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self.on_published = on_published
        self.published = 0
        self._nc = None
        self._js = None

    async def _connect_nats(self) -> None:
        if self._nc is not None and self._nc.is_connected:
            return
        self._nc = await nats.connect(self.nats_url, connect_timeout=2, max_reconnect_attempts=0,
                                      allow_reconnect=False, name="onbeat-relay")
        self._js = self._nc.jetstream(timeout=5)
        await ensure_stream(self._js)

    async def _drop_nats(self) -> None:
        if self._nc is not None:
            try:
                await self._nc.close()
            except Exception:
                pass
        self._nc = self._js = None

    async def publish_pending(self, conn: psycopg.AsyncConnection) -> int:
        """Publish unpublished events in id order; stop at the first failure. Returns how many."""
        rows = await (await conn.execute(
            "select id, event_id, subject, payload, created_at from event_outbox "
            "where published_at is null order by id limit %s", (BATCH,))).fetchall()
        done = 0
        for id_, event_id, subject, payload, created_at in rows:
            body = json.dumps({"event_id": str(event_id), "subject": subject, "created_at": created_at.isoformat(),
                               "payload": payload}).encode()
            try:
                await self._connect_nats()
                await self._js.publish(subject, body, headers={"Nats-Msg-Id": str(event_id)})
            except Exception as exc:
                await conn.execute("update event_outbox set attempts = attempts + 1, last_error = %s where id = %s",
                                   (str(exc)[:500] or type(exc).__name__, id_))
                await self._drop_nats()
                raise
            await conn.execute("update event_outbox set published_at = now(), attempts = attempts + 1, "
                               "last_error = null where id = %s", (id_,))
            done += 1
            self.published += 1
            if self.on_published:
                self.on_published(id_)
        return done

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        backoff = 0.5
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(conninfo(), autocommit=True) as conn, \
                        await psycopg.AsyncConnection.connect(conninfo(), autocommit=True) as listen:
                    leader = (await (await conn.execute("select pg_try_advisory_lock(%s)", (_LEADER_KEY,))).fetchone())[0]
                    if not leader:
                        log.info("another relay is active; standing by")
                        await _sleep(stop, 5.0)
                        continue
                    await listen.execute(f"LISTEN {CHANNEL}")
                    log.info("relay active: outbox → %s (stream %s)", self.nats_url, STREAM)
                    while not stop.is_set():
                        try:
                            n = await self.publish_pending(conn)
                            backoff = 0.5
                        except (psycopg.OperationalError, psycopg.InterfaceError):
                            raise
                        except Exception as exc:
                            log.warning("NATS unavailable (%s); retrying in %.1fs", exc, backoff)
                            await _sleep(stop, backoff)
                            backoff = min(backoff * 2, self.max_backoff)
                            continue
                        if n < BATCH:
                            async for _ in listen.notifies(timeout=self.poll_seconds, stop_after=1):
                                pass
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                log.warning("database unavailable (%s); retrying in %.1fs", exc, backoff)
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, self.max_backoff)
        await self._drop_nats()


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        pass
