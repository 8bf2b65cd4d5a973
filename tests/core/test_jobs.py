"""Periodic jobs run in one process at a time, survive a failing job, and stop when asked."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text

from onbeat import db as onbeat_db
from onbeat.asgi import jobs
from onbeat.core.jobs import LOCK_SPACE, Job, run_forever, run_job
from tests.conftest import run_async


def _counting(name: str, every: float = 0.05):
    runs = []

    def run(db):
        runs.append(db.execute(select(func.now())).scalar_one())
        return {"runs": len(runs)}

    return Job(name, every, run), runs


def test_a_job_runs_and_commits(db):
    db.execute(text("create table job_probe (n int)"))
    db.commit()
    job = Job("probe", 60, lambda s: {"rows": s.execute(text("insert into job_probe values (1)")).rowcount})
    assert run_job(job) == {"rows": 1}
    assert db.execute(text("select count(*) from job_probe")).scalar_one() == 1


def test_a_job_held_by_another_process_is_skipped(db):
    job, runs = _counting("held elsewhere")
    with onbeat_db.session() as other:
        other.execute(select(func.pg_advisory_xact_lock(LOCK_SPACE, job.lock_key)))
        assert run_job(job) is None
        assert runs == []
    assert run_job(job) == {"runs": 1}


def test_the_loop_runs_each_job_again_survives_failures_and_stops(db, caplog):
    job, runs = _counting("counting")

    def broken(_db):
        raise RuntimeError("the disk is on fire")

    async def scenario():
        stop = asyncio.Event()
        task = asyncio.create_task(run_forever([job, Job("broken", 0.05, broken)], stop))
        while len(runs) < 3:
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 5)

    run_async(scenario(), timeout=30)
    assert len(runs) >= 3
    assert "job broken failed" in caplog.text


def test_the_apps_jobs_run_on_an_empty_force(db):
    done = {job.name: run_job(job) for job in jobs()}
    assert done == {"command.units_moved": {"units_moved": 0}, "command.attendance_targets": {"targets_breached": 0},
                    "fleet.sweep": {"commands_expired": 0, "not_seen_raised": 0}}
