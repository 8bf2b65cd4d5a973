"""Periodic jobs: the checks that time alone makes due (an attendance target passing, a device
command expiring, a device falling silent).

Every app process runs the loop; each run of a job takes a transaction-scoped PostgreSQL advisory
lock first, so with several processes behind a load balancer a job runs in one of them at a time
and the others skip that turn. A job is a function of a session that commits nothing itself and
returns what it did (counts, for the log); the runner commits. `onbeat jobs run` runs them once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onbeat import db as onbeat_db

log = logging.getLogger("onbeat.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[Session], dict[str, int]]

    @property
    def lock_key(self) -> int:
        # A stable 31-bit key per job name, in its own advisory-lock space (first argument).
        return zlib.crc32(self.name.encode()) & 0x7FFFFFFF


LOCK_SPACE = 7301  # first key of the two-key advisory locks: "periodic jobs"


def run_job(job: Job) -> dict[str, int] | None:
    """Run one job now, unless another process holds it. Returns what it did, or None if skipped."""
    with onbeat_db.session() as db:
        if not db.execute(select(func.pg_try_advisory_xact_lock(LOCK_SPACE, job.lock_key))).scalar_one():
            return None
        result = job.run(db)
        db.commit()
    if any(result.values()):
        log.info("job %s: %s", job.name, ", ".join(f"{k} {v}" for k, v in result.items()))
    return result


async def run_forever(jobs: list[Job], stop: asyncio.Event) -> None:
    """Run each job every `every_seconds` until `stop` is set; a failing run is logged and retried
    at its next turn, never taking the loop (or the app) down."""
    due = {job.name: 0.0 for job in jobs}
    while not stop.is_set():
        now = time.monotonic()
        for job in jobs:
            if now >= due[job.name]:
                due[job.name] = now + job.every_seconds
                try:
                    await asyncio.to_thread(run_job, job)
                except Exception:  # noqa: BLE001 - a job's failure must not stop the others
                    log.exception("job %s failed; it runs again in %.0f s", job.name, job.every_seconds)
        wait = max(0.5, min(due.values()) - time.monotonic())
        try:
            await asyncio.wait_for(stop.wait(), timeout=wait)
        except TimeoutError:
            pass
