"""`onbeat events relay`: the outbox reaches NATS JetStream in order, at least once, with a
de-duplication id, through outages, with one active relay among several.

Against a real NATS: NATS_URL when set, else a private nats-server (see nats_fixtures). Tests that
stop NATS always use a private server. Other tests may share the stream, so messages are picked
out by their Nats-Msg-Id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from onbeat import db as onbeat_db
from onbeat.core.events import service as events
from onbeat.core.events.relay import DUPLICATE_WINDOW, STREAM, Relay
from tests.conftest import ROOT
from tests.core.nats_fixtures import nats_url, own_nats, run, stream_last_seq, stream_messages  # noqa: F401

pytestmark = [pytest.mark.db, pytest.mark.nats, pytest.mark.timeout(60)]


def emit_many(db, count: int, *, note: str = "relay") -> list:
    """`count` events with alternating subjects, committed together; returns them in id order."""
    out = []
    for i in range(count):
        if i % 2:
            out.append(events.emit(db, "core", "user_created", {"username": f"{note}-{i}"}, permission="users.read"))
        else:
            out.append(events.emit(db, "core", "probe_recorded", {"note": f"{note}-{i}", "n": i},
                                   permission="platform.probe"))
    db.commit()
    return out


def outbox() -> dict[str, dict]:
    """event_id → its outbox row, read afresh."""
    with onbeat_db.engine().connect() as conn:
        rows = conn.execute(text("select id, event_id, published_at, attempts, last_error from event_outbox "
                                 "order by id")).mappings().all()
    return {str(r["event_id"]): dict(r) for r in rows}


async def wait_for(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.05)


def all_published(evs) -> bool:
    rows = outbox()
    return all(rows[str(e.event_id)]["published_at"] is not None for e in evs)


@contextlib.asynccontextmanager
async def relay_running(url: str, **options):
    options = {"poll_seconds": 0.5, "max_backoff": 0.3, "standby_seconds": 0.3, **options}
    relay, stop = Relay(url, **options), asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)  # stops promptly, and raises whatever the relay raised


def ours(messages, evs) -> list:
    """The messages carrying these events (by the event id in the body), each checked for its
    de-duplication header."""
    ids = {str(e.event_id) for e in evs}
    out = []
    for m in messages:
        try:
            event_id = json.loads(m.data)["event_id"]
        except (ValueError, KeyError, TypeError):
            continue  # someone else's message on a shared server
        if event_id in ids:
            assert (m.headers or {}).get("Nats-Msg-Id") == event_id
            out.append(m)
    return out


def test_events_arrive_in_order_with_subjects_ids_and_payloads(db, nats_url):
    async def main():
        before = await stream_last_seq(nats_url)
        evs = emit_many(db, 6)
        async with relay_running(nats_url, poll_seconds=30) as relay:
            await wait_for(lambda: all_published(evs), what="the backlog")
            # Later events wake the relay by NOTIFY: the 30 s poll would be far too slow.
            later = emit_many(db, 2, note="later")
            await wait_for(lambda: all_published(later), timeout=3, what="the NOTIFY-driven publish")
        assert relay.published == 8
        evs += later

        got = ours(await stream_messages(nats_url, before), evs)
        assert [m.headers["Nats-Msg-Id"] for m in got] == [str(e.event_id) for e in evs]
        assert [m.subject for m in got] == [e.subject for e in evs]
        assert got[0].subject == "onbeat.core.probe_recorded" and got[1].subject == "onbeat.core.user_created"
        seqs = [m.seq for m in got]
        assert seqs == sorted(seqs)
        for m, e in zip(got, evs):
            body = json.loads(m.data)
            assert body["event_id"] == str(e.event_id)
            assert body["subject"] == e.subject
            assert body["payload"] == e.payload
            assert body["created_at"].startswith(str(e.created_at.date()))
        rows = outbox()
        for e in evs:
            row = rows[str(e.event_id)]
            assert row["published_at"] is not None and row["attempts"] == 1 and row["last_error"] is None

    run(main())


def test_a_resent_event_is_kept_once(db, nats_url):
    """A crash between publish and mark: the row is still unpublished, the relay sends it again,
    and JetStream's duplicate window recognises the Nats-Msg-Id."""
    async def main():
        before = await stream_last_seq(nats_url)
        evs = emit_many(db, 3, note="twice")
        async with relay_running(nats_url):
            await wait_for(lambda: all_published(evs))
        db.execute(text("update event_outbox set published_at = null"))
        db.commit()
        async with relay_running(nats_url) as again:
            await wait_for(lambda: all_published(evs), what="the re-send")
        assert again.published == 3  # it really did send them again
        got = ours(await stream_messages(nats_url, before), evs)
        assert [m.headers["Nats-Msg-Id"] for m in got] == [str(e.event_id) for e in evs]
        assert all(r["attempts"] == 2 for r in outbox().values())

        info = await _stream_config(nats_url)
        assert info.duplicate_window >= DUPLICATE_WINDOW  # seconds, as nats-py reports it

    run(main())


async def _stream_config(url: str):
    import nats

    nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=1)
    try:
        return (await nc.jetstream().stream_info(STREAM)).config
    finally:
        await nc.close()


def test_relay_rides_out_nats_being_down(db, own_nats):
    url = own_nats.url
    plug = {"after": None, "count": 0, "pulled": False}

    def on_published(_id: int) -> None:
        # Pull the plug in the middle of a batch: the relay is part-way through its rows.
        if plug["after"] is None or plug["pulled"]:
            return
        plug["count"] += 1
        if plug["count"] >= plug["after"]:
            plug["pulled"] = True
            own_nats.stop()

    async def main():
        async with relay_running(url, on_published=on_published) as relay:
            # 1. NATS is down from the start: the relay waits, records its attempts, skips nothing.
            first = emit_many(db, 2, note="down")
            await wait_for(lambda: outbox()[str(first[0].event_id)]["attempts"] >= 2, what="retries")
            rows = outbox()
            head = rows[str(first[0].event_id)]
            assert head["published_at"] is None and "NATS" in head["last_error"]
            assert rows[str(first[1].event_id)]["attempts"] == 0  # it never overtakes the head
            assert relay.active and relay.published == 0

            own_nats.start()
            await wait_for(lambda: all_published(first), what="publish after NATS came up")
            assert outbox()[str(first[0].event_id)]["last_error"] is None

            # 2. NATS stops in the middle of a batch.
            plug["after"] = 5
            second = emit_many(db, 30, note="mid-way")
            await wait_for(lambda: plug["pulled"], what="NATS to be stopped mid-batch")
            await wait_for(lambda: any(r["last_error"] for r in outbox().values()), what="a failed attempt")
            published = sum(1 for e in second if outbox()[str(e.event_id)]["published_at"])
            assert published == 5
            await asyncio.sleep(0.5)
            assert sum(1 for e in second if outbox()[str(e.event_id)]["published_at"]) == published

            own_nats.start()  # same port, same store
            await wait_for(lambda: all_published(second), what="the rest after NATS came back")

        evs = first + second
        got = await stream_messages(url)
        assert len(got) == len(ours(got, evs))
        assert [m.headers["Nats-Msg-Id"] for m in got] == [str(e.event_id) for e in evs]  # once each, in order
        assert [json.loads(m.data)["payload"] for m in got] == [e.payload for e in evs]

    run(main(), timeout=45)


def test_an_existing_stream_keeps_its_settings(db, own_nats):
    import nats
    from nats.js.api import StreamConfig

    own_nats.start()

    async def main():
        nc = await nats.connect(own_nats.url, allow_reconnect=False, max_reconnect_attempts=1)
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name=STREAM, subjects=["onbeat.core.>"], max_msgs=1000, duplicate_window=10))
        evs = emit_many(db, 2, note="settings")
        async with relay_running(own_nats.url):
            await wait_for(lambda: all_published(evs))
        config = (await js.stream_info(STREAM)).config
        await nc.close()
        assert config.max_msgs == 1000
        assert config.subjects == ["onbeat.>"] and config.duplicate_window == DUPLICATE_WINDOW

    run(main())


def test_only_one_relay_is_active(db, nats_url):
    async def main():
        before = await stream_last_seq(nats_url)
        async with relay_running(nats_url) as one:
            await wait_for(lambda: one.active, what="the first relay to lead")
            async with relay_running(nats_url) as two:
                await asyncio.sleep(0.5)
                evs = []
                for i in range(4):
                    evs += emit_many(db, 5, note=f"pair-{i}")
                    await asyncio.sleep(0.05)
                await wait_for(lambda: all_published(evs))
                assert (one.published, two.published) == (20, 0)
                assert one.active and not two.active
        assert all(r["attempts"] == 1 for r in outbox().values())
        got = ours(await stream_messages(nats_url, before), evs)
        assert [m.headers["Nats-Msg-Id"] for m in got] == [str(e.event_id) for e in evs]

    run(main())


def test_a_standby_relay_takes_over(db, nats_url):
    async def main():
        before = await stream_last_seq(nats_url)
        stop_one = asyncio.Event()
        one = Relay(nats_url, poll_seconds=0.5, max_backoff=0.3, standby_seconds=0.3)
        task_one = asyncio.create_task(one.run(stop_one))
        await wait_for(lambda: one.active)
        async with relay_running(nats_url) as two:
            first = emit_many(db, 3, note="leader")
            await wait_for(lambda: all_published(first))
            stop_one.set()
            await asyncio.wait_for(task_one, 10)
            second = emit_many(db, 3, note="standby")
            await wait_for(lambda: all_published(second), what="the standby to take over")
            assert two.active
        assert (one.published, two.published) == (3, 3)
        evs = first + second
        got = ours(await stream_messages(nats_url, before), evs)
        assert [m.headers["Nats-Msg-Id"] for m in got] == [str(e.event_id) for e in evs]
        assert all(r["attempts"] == 1 for r in outbox().values())

    run(main())


def test_relay_rides_out_losing_the_database(db, nats_url, superuser_sql):
    def kill_relay_connections() -> int:
        return len(list(superuser_sql(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = current_database() and application_name = 'onbeat-relay'")))

    async def main():
        before = await stream_last_seq(nats_url)
        async with relay_running(nats_url) as relay:
            first = emit_many(db, 3, note="before")
            await wait_for(lambda: all_published(first))
            assert kill_relay_connections() == 2  # its leader-lock connection and its LISTEN one
            second = emit_many(db, 3, note="after")
            await wait_for(lambda: all_published(second), what="the relay to reconnect")
            assert relay.active
        evs = first + second
        got = ours(await stream_messages(nats_url, before), evs)
        assert [m.headers["Nats-Msg-Id"] for m in got] == [str(e.event_id) for e in evs]

    run(main())


def _onbeat_command() -> list[str]:
    script = Path(sys.executable).parent / "onbeat"
    return [str(script)] if script.exists() else [sys.executable, "-m", "onbeat.cli"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_relay_command_publishes_and_stops_cleanly(db, db_url, nats_url, sig):
    async def main():
        before = await stream_last_seq(nats_url)
        evs = emit_many(db, 3, note=f"cli-{sig.name}")
        env = {**os.environ, "DATABASE_URL": db_url.render_as_string(hide_password=False), "NATS_URL": nats_url,
               "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen([*_onbeat_command(), "events", "relay"], env=env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            await wait_for(lambda: all_published(evs) or proc.poll() is not None, timeout=20, what="the command")
            assert proc.poll() is None, proc.stdout.read()
            evs.extend(emit_many(db, 1, note="while running"))
            await wait_for(lambda: all_published(evs), timeout=5)
            proc.send_signal(sig)
            out, _ = proc.communicate(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
        assert proc.returncode == 0, out
        assert "Relay stopped after publishing 4 events." in out
        assert "Traceback" not in out
        got = ours(await stream_messages(nats_url, before), evs)
        assert [m.headers["Nats-Msg-Id"] for m in got] == [str(e.event_id) for e in evs]

    run(main())


def test_the_relay_command_needs_a_nats_url():
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    r = subprocess.run([*_onbeat_command(), "events", "relay"], env=env, cwd=ROOT, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 2
    assert "NATS_URL" in r.stderr
