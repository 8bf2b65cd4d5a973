"""`onbeat events relay`: publish the outbox to NATS JetStream, at least once, in order.

One relay is active at a time (a PostgreSQL advisory lock elects it; start several for
fail-over: the others stand by and take over within `standby_seconds` of the leader going).
Each event is published with `Nats-Msg-Id` = its event id, so a re-send after a crash between
publish and mark is dropped by JetStream's duplicate window rather than delivered twice.
If NATS is down the relay waits and retries the same event, recording the attempt and the error
on its outbox row: nothing is skipped or lost, and nothing later overtakes it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import nats
import psycopg
from nats.js.api import StreamConfig
from nats.js.errors import NotFoundError

from onbeat import db
from onbeat.core.events.service import CHANNEL

log = logging.getLogger(__name__)
STREAM = "ONBEAT"
SUBJECTS = ["onbeat.>"]
# Seconds (nats-py converts to nanoseconds). A re-send within this window is recognised by its
# Nats-Msg-Id and not stored again; JetStream rebuilds the window from its store after a restart.
DUPLICATE_WINDOW = 120.0
_LEADER_KEY = 0x0B_EA_7E_1A
BATCH = 200


async def ensure_stream(js) -> None:
    """Create the stream, or widen an existing one just enough: an operator's own settings
    (replicas, limits, storage) are left as they are."""
    try:
        info = await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(StreamConfig(name=STREAM, subjects=SUBJECTS, duplicate_window=DUPLICATE_WINDOW))
        return
    config = info.config
    changed = False
    subjects = list(config.subjects or [])
    if not any(s in (">", "*.>", "onbeat.>") for s in subjects):
        # Narrower onbeat subjects would overlap `onbeat.>` (NATS refuses that): it replaces them.
        config.subjects = [s for s in subjects if not s.startswith("onbeat.")] + SUBJECTS
        changed = True
    if (config.duplicate_window or 0) < DUPLICATE_WINDOW:
        config.duplicate_window = DUPLICATE_WINDOW
        changed = True
    if changed:
        await js.update_stream(config)


class NatsUnavailable(ConnectionError):
    pass


def _servers(url: str) -> list[str]:
    """NATS_URL may list several servers of a cluster, separated by commas."""
    return [u.strip() for u in url.split(",") if u.strip()]


def _shown(url: str) -> str:
    """The NATS URL without any user, password or token, for logs and the outbox's last_error."""
    shown = []
    for server in _servers(url):
        parts = urlsplit(server)
        if parts.username is not None or parts.password is not None:
            host = parts.hostname or ""
            parts = parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host)
        shown.append(urlunsplit(parts))
    return ",".join(shown)


class Relay:
    def __init__(self, nats_url: str, *, poll_seconds: float = 1.0, max_backoff: float = 10.0,
                 standby_seconds: float = 5.0, on_published: Callable[[int], None] | None = None):
        self.nats_url = nats_url
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self.standby_seconds = standby_seconds
        self.on_published = on_published
        self.published = 0
        self.active = False  # holds the leader lock now
        self._nc = None
        self._js = None
        self._nats_error: Exception | None = None

    async def _on_nats_error(self, exc: Exception) -> None:
        # nats-py reports each failed attempt here; the relay logs one line per retry itself.
        self._nats_error = exc
        log.debug("nats: %r", exc)

    async def _connect_nats(self) -> None:
        if self._nc is not None and self._nc.is_connected:
            return
        await self._drop_nats()
        self._nats_error = None
        try:
            # nats-py treats max_reconnect_attempts=0 as "for ever", even for the first connect:
            # 1 gives up after two tries, so a down server is reported instead of hanging here.
            self._nc = await nats.connect(_servers(self.nats_url), connect_timeout=2, allow_reconnect=False,
                                          max_reconnect_attempts=1, reconnect_time_wait=0.2,
                                          error_cb=self._on_nats_error, name="onbeat-relay")
        except nats.errors.NoServersError:
            raise NatsUnavailable(f"cannot reach NATS at {_shown(self.nats_url)}: {self._nats_error!r}") from None
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
                await self._js.publish(subject, body, stream=STREAM, headers={"Nats-Msg-Id": str(event_id)})
            except Exception as exc:
                await conn.execute("update event_outbox set attempts = attempts + 1, last_error = %s where id = %s",
                                   ((str(exc) or type(exc).__name__)[:500], id_))
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
        standing_by = False
        while not stop.is_set():
            try:
                async with await _connect(db.libpq_url()) as conn, await _connect(db.libpq_url()) as listen:
                    leader = (await (await conn.execute("select pg_try_advisory_lock(%s)", (_LEADER_KEY,))).fetchone())[0]
                    if not leader:
                        if not standing_by:
                            log.info("another relay is active; standing by")
                            standing_by = True
                        await _sleep(stop, self.standby_seconds)
                        continue
                    standing_by = False
                    self.active = True
                    await listen.execute(f"LISTEN {CHANNEL}")
                    log.info("relay active: outbox → %s (stream %s)", _shown(self.nats_url), STREAM)
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
                            await _wait_notify(listen, self.poll_seconds, stop)
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                log.warning("database unavailable (%s); retrying in %.1fs", exc, backoff)
                await _sleep(stop, backoff)
                backoff = min(backoff * 2, self.max_backoff)
            finally:
                self.active = False
        await self._drop_nats()


async def _connect(info: str) -> psycopg.AsyncConnection:
    return await psycopg.AsyncConnection.connect(info, autocommit=True, connect_timeout=5,
                                                 application_name="onbeat-relay")


async def _wait_notify(listen: psycopg.AsyncConnection, timeout: float, stop: asyncio.Event) -> None:
    """Wait for a NOTIFY, the timeout or `stop`, whichever comes first; then take any other
    notifications already queued: one pass over the outbox serves them all."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not stop.is_set():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        woke = False
        async for _ in listen.notifies(timeout=min(remaining, 0.25), stop_after=1):
            woke = True
        if woke:
            async for _ in listen.notifies(timeout=0.01):
                pass
            return


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        pass
