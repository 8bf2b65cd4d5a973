"""A few async PostgreSQL connections per process for the device endpoints' hot path.

Check-ins are many and alike: they skip the ORM and the thread pool, and run one or two
prepared statements on connections in autocommit mode. These connections commit with
`synchronous_commit = off`: a crash may lose the last fraction of a second of check-in telemetry
(the device sends it again a minute later), never a command queued or an answer (those go
through the ordinary sessions, fully durable, audited).

Connections belong to the event loop that opened them, so there is one small set per loop and
database (a test client runs its own loop on a fresh database)."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg

from onbeat import db
from onbeat.config import get_settings

_sets: dict[tuple[int, str], _Connections] = {}


class _Connections:
    def __init__(self, conninfo: str, size: int):
        self.conninfo = conninfo
        self.idle: list[psycopg.AsyncConnection] = []
        self.slots = asyncio.Semaphore(size)

    async def _connect(self) -> psycopg.AsyncConnection:
        return await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, application_name="onbeat-devices",
            options="-c synchronous_commit=off")

    async def fetch(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        async with self.slots:
            conn = self.idle.pop() if self.idle else await self._connect()
            try:
                cur = await conn.execute(sql, params)
                rows = await cur.fetchall() if cur.description else []
            except psycopg.OperationalError:
                await conn.close()
                raise
            except BaseException:
                if conn.closed or conn.broken:
                    raise
                self.idle.append(conn)
                raise
            self.idle.append(conn)
            return rows


def connections() -> _Connections:
    loop = asyncio.get_running_loop()
    key = (id(loop), str(db.engine().url))
    found = _sets.get(key)
    if found is None:
        # Sets of other loops or databases are done with (a finished test client): let them go.
        for other in [k for k in _sets if k != key]:
            _sets.pop(other)
        found = _sets[key] = _Connections(db.libpq_url(), get_settings().db_pool_size)
    return found


async def fetch(sql: str, params: dict[str, Any]) -> list[tuple]:
    """Run one statement (its own transaction) and return its rows. A connection the server has
    dropped (a restart, a failover) is replaced and the statement tried once more."""
    try:
        return await connections().fetch(sql, params)
    except psycopg.OperationalError:
        return await connections().fetch(sql, params)
