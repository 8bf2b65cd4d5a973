"""Domain events: the outbox is part of the writer's transaction, and live pages hear of each
event through PostgreSQL LISTEN/NOTIFY as server-sent events, only if the user may see it.

Live streams are read with httpx from app processes started by `live_server` (several on one
database for the cross-process cases); `once=true` streams through the in-process TestClient.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import psycopg
import pytest
from sqlalchemy import func, select, text

from onbeat import db as onbeat_db
from onbeat.core.events import service as events
from onbeat.core.events.models import OutboxEvent
from onbeat.core.events.stream import LISTENER_NAME
from tests.conftest import PASSWORD, bearer, run_async

pytestmark = [pytest.mark.db, pytest.mark.timeout(60)]


def _conninfo(db_url) -> str:
    return db_url.set(drivername="postgresql").render_as_string(hide_password=False)


def _emit(db, name: str = "probe_recorded", permission: str = "platform.probe", **payload) -> OutboxEvent:
    event = events.emit(db, "core", name, payload or {"note": name}, permission=permission)
    db.commit()
    return event


def _run(coro, timeout: float = 40):
    return run_async(coro, timeout)


@pytest.fixture
def no_totp(settings):
    """Admins sign in with a password alone here (TOTP has its own tests)."""
    settings(totp_required_roles="")


# --- the outbox -----------------------------------------------------------------------------------

def test_rollback_leaves_no_outbox_row_and_sends_no_notify(db, db_url):
    with psycopg.connect(_conninfo(db_url), autocommit=True) as listener:
        listener.execute(f"LISTEN {events.CHANNEL}")

        events.emit(db, "core", "probe_recorded", {"note": "rolled back"}, permission="platform.probe")
        db.rollback()
        assert list(listener.notifies(timeout=0.5)) == []
        assert db.scalar(select(func.count()).select_from(OutboxEvent)) == 0

        event = events.emit(db, "core", "probe_recorded", {"note": "kept"}, permission="platform.probe")
        assert list(listener.notifies(timeout=0.3)) == [], "NOTIFY must wait for the commit"
        db.commit()
        heard = list(listener.notifies(timeout=5, stop_after=1))
    assert [n.payload for n in heard] == [str(event.id)]
    assert heard[0].channel == events.CHANNEL
    rows = db.execute(select(OutboxEvent)).scalars().all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.subject, row.permission, row.payload) == ("onbeat.core.probe_recorded", "platform.probe",
                                                          {"note": "kept"})
    assert row.published_at is None and row.attempts == 0 and row.last_error is None


def test_emit_refuses_unknown_permissions_and_bad_names(db):
    with pytest.raises(ValueError, match="unknown permission"):
        events.emit(db, "core", "probe_recorded", {}, permission="no.such.thing")
    for module, name in (("Core", "probe"), ("core", "probe.recorded"), ("core", ""), ("core", "1st")):
        with pytest.raises(ValueError, match="lower_snake_case"):
            events.emit(db, module, name, {}, permission="platform.probe")
    assert events.subject_for("records", "stop_search_recorded") == "onbeat.records.stop_search_recorded"


def test_outbox_ids_follow_commit_order(db):
    """A writer that takes an id waits for an earlier writer's commit, so `id > last seen` never
    skips an event that committed late."""
    first = events.emit(db, "core", "probe_recorded", {"n": 1}, permission="platform.probe")
    second: dict = {}

    def other_writer():
        with onbeat_db.session() as s:
            second["event"] = events.emit(s, "core", "probe_recorded", {"n": 2}, permission="platform.probe")
            s.commit()

    thread = threading.Thread(target=other_writer)
    thread.start()
    time.sleep(0.4)
    assert thread.is_alive(), "the second writer should wait for the first to commit"
    db.commit()
    thread.join(10)
    assert not thread.is_alive()
    assert second["event"].id > first.id


def test_a_restarted_broadcaster_starts_from_the_database_not_from_before(db):
    """A second app in one process (tests, reloads) may use another database: nothing carries over."""
    from onbeat.core.events.stream import Broadcaster, Subscriber

    async def main():
        b = Broadcaster()
        b.last_id = 10**9  # as if the previous app's database had gone far ahead
        b.ready.set()
        await b.start()
        try:
            await asyncio.wait_for(b.ready.wait(), 10)
            assert b.last_id == 0
            sub = Subscriber(frozenset({"platform.probe"}))
            b.subscribers.add(sub)
            event = _emit(db)
            got = await asyncio.wait_for(sub.queue.get(), 5)
            assert got.startswith(f"id: {event.id}\nevent: onbeat.core.probe_recorded\n")
        finally:
            await b.stop()

    _run(main(), timeout=20)


# --- streams that close (TestClient) ---------------------------------------------------------------

def parse_sse(body: str) -> list[dict]:
    """The events (with data) in a server-sent-events body: [{"id", "event", "data"}]."""
    out = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            fields[key] = value[1:] if value.startswith(" ") else value
        if "data" in fields:
            out.append({"id": int(fields["id"]), "event": fields.get("event"), "data": json.loads(fields["data"])})
    return out


def test_once_returns_the_backlog_the_user_may_see_and_closes(client, make_user, no_totp):
    admin, officer = make_user("admin"), make_user("officer")
    as_admin, as_officer = bearer(client, admin.username), bearer(client, officer.username)
    probes = [client.post("/api/audit-probe", json={"note": f"probe {i}"}, headers=as_admin) for i in (1, 2)]
    assert [r.status_code for r in probes] == [201, 201]
    assert client.post("/api/audit-probe", json={}, headers=as_officer).status_code == 403

    r = client.get("/api/events/stream", params={"once": "true", "after": 0}, headers=as_admin)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.headers["cache-control"] == "no-store"
    seen = parse_sse(r.text)
    probe_events = [e for e in seen if e["event"] == "onbeat.core.probe_recorded"]
    assert [e["data"]["event_id"] for e in probe_events] == [p.json()["event_id"] for p in probes]
    assert [e["data"]["payload"]["note"] for e in probe_events] == ["probe 1", "probe 2"]
    assert probe_events[0]["data"]["payload"]["seq"] == probes[0].json()["seq"]
    # The admin also holds users.read, so sees the accounts being created; in id order throughout.
    assert {e["event"] for e in seen} == {"onbeat.core.probe_recorded", "onbeat.core.user_created"}
    assert [e["id"] for e in seen] == sorted(e["id"] for e in seen)
    assert all(e["id"] == e["data"]["id"] for e in seen)

    # The officer holds neither platform.probe nor users.read: nothing.
    r = client.get("/api/events/stream", params={"once": "true", "after": 0}, headers=as_officer)
    assert r.status_code == 200 and parse_sse(r.text) == []
    # Without `after` (or Last-Event-ID) there is no backlog to send.
    r = client.get("/api/events/stream", params={"once": "true"}, headers=as_admin)
    assert parse_sse(r.text) == []
    assert client.get("/api/events/stream", params={"once": "true"}).status_code == 401


def test_last_event_id_replays_only_missed_events_the_user_may_see(client, db, make_user, no_totp):
    admin, officer = make_user("admin"), make_user("officer")  # the officer: units.read, no platform.probe
    as_admin, as_officer = bearer(client, admin.username), bearer(client, officer.username)
    everything = parse_sse(client.get("/api/events/stream", params={"once": "true", "after": 0}, headers=as_admin).text)
    last_seen = everything[-1]["id"]

    client.post("/api/audit-probe", json={"note": "not for officers"}, headers=as_admin)
    unit = _emit(db, "unit_status_changed", permission="units.read", callsign="AB12")
    client.post("/api/audit-probe", json={"note": "nor this"}, headers=as_admin)

    r = client.get("/api/events/stream", params={"once": "true"}, headers={**as_officer, "Last-Event-ID": str(last_seen)})
    missed = parse_sse(r.text)
    assert [(e["id"], e["event"], e["data"]["payload"]) for e in missed] == [
        (unit.id, "onbeat.core.unit_status_changed", {"callsign": "AB12"})]
    assert missed[0]["id"] > last_seen

    r = client.get("/api/events/stream", params={"once": "true"}, headers={**as_admin, "Last-Event-ID": str(last_seen)})
    assert [e["event"] for e in parse_sse(r.text)] == ["onbeat.core.probe_recorded", "onbeat.core.unit_status_changed",
                                                     "onbeat.core.probe_recorded"]
    # Last-Event-ID wins over `after`; nonsense is refused.
    r = client.get("/api/events/stream", params={"once": "true", "after": 0},
                   headers={**as_officer, "Last-Event-ID": str(unit.id)})
    assert parse_sse(r.text) == []
    r = client.get("/api/events/stream", params={"once": "true"}, headers={**as_officer, "Last-Event-ID": "yesterday"})
    assert r.status_code in (400, 422)


def test_a_long_backlog_comes_in_parts_and_invisible_events_are_skipped_for_good(client, db, make_user, no_totp,
                                                                                monkeypatch):
    from onbeat.core.events import stream

    monkeypatch.setattr(stream, "REPLAY_LIMIT", 600)
    admin, officer = make_user("admin"), make_user("officer")
    as_admin, as_officer = bearer(client, admin.username), bearer(client, officer.username)
    db.execute(text("insert into event_outbox (event_id, subject, permission, payload, attempts) "
                    "select gen_random_uuid(), 'onbeat.core.probe_recorded', 'platform.probe', "
                    "jsonb_build_object('n', n), 0 from generate_series(1, 1200) n"))
    db.commit()
    newest = db.scalar(select(func.max(OutboxEvent.id)))

    first = client.get("/api/events/stream", params={"once": "true", "after": 0}, headers=as_admin)
    part = parse_sse(first.text)
    assert 600 <= len(part) < 1200 + 2
    rest = parse_sse(client.get("/api/events/stream", params={"once": "true"},
                                headers={**as_admin, "Last-Event-ID": str(part[-1]["id"])}).text)
    got = [e["id"] for e in part + rest]
    assert got == sorted(set(got)) and got[-1] == newest
    assert [e["data"]["payload"]["n"] for e in part + rest if e["event"] == "onbeat.core.probe_recorded"] == list(
        range(1, 1201))

    # The officer may see none of it: the stream says how far it looked, so the next reconnect
    # starts there rather than reading all of it again.
    r = client.get("/api/events/stream", params={"once": "true", "after": 0}, headers=as_officer)
    assert parse_sse(r.text) == []
    assert f"id: {newest}\n\n" in r.text


# --- live streams against app processes -------------------------------------------------------------

class Stream:
    """An open event stream read in the background; `next()` waits for the next event."""

    def __init__(self, http: httpx.AsyncClient, url: str, headers: dict):
        self.http, self.url, self.headers = http, url, headers
        self.events: asyncio.Queue = asyncio.Queue()
        self.last_id: int | None = None
        self.opened = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> Stream:
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self.opened.wait(), 10)
        return self

    async def __aexit__(self, *exc) -> None:
        self._task.cancel()
        try:
            await self._task
        except (asyncio.CancelledError, Exception):
            pass

    async def _read(self) -> None:
        async with self.http.stream("GET", self.url, headers=self.headers) as r:
            assert r.status_code == 200, await r.aread()
            fields: dict[str, str] = {}
            async for line in r.aiter_lines():
                if line.startswith("retry:"):
                    self.opened.set()
                if line == "":
                    if "id" in fields:
                        self.last_id = int(fields["id"])
                    if "data" in fields:
                        await self.events.put({"id": int(fields["id"]), "event": fields.get("event"),
                                               "data": json.loads(fields["data"])})
                    fields = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(":")
                    fields[key] = value[1:] if value.startswith(" ") else value

    async def next(self, timeout: float = 5.0) -> dict:
        return await asyncio.wait_for(self.events.get(), timeout)

    def pending(self) -> list[dict]:
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out


def _token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(base + "/api/auth/token", json={"username": username, "password": PASSWORD}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _http() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(10, read=30))


def test_live_stream_gets_events_from_another_process_only_if_permitted(live_server, db, make_user, no_totp):
    admin, officer = make_user("admin"), make_user("officer")
    server = live_server()
    url = server.base + "/api/events/stream"
    as_admin, as_officer = _token(server.base, admin.username), _token(server.base, officer.username)

    async def main():
        async with _http() as http, Stream(http, url, as_admin) as admin_stream, \
                Stream(http, url, as_officer) as officer_stream:
            # Written by this process, not the server's: it hears of it through PostgreSQL.
            started = time.monotonic()
            probe = _emit(db, note="from another process")
            got = await admin_stream.next()
            assert time.monotonic() - started < 3
            assert (got["id"], got["event"], got["data"]["event_id"], got["data"]["payload"]) == (
                probe.id, "onbeat.core.probe_recorded", str(probe.event_id), {"note": "from another process"})

            # Then one everybody may see: the officer's stream gets it, and nothing before it.
            notice = _emit(db, "notice_posted", permission="events.stream", text="for everyone")
            got = await officer_stream.next()
            assert (got["id"], got["event"]) == (notice.id, "onbeat.core.notice_posted")
            assert (await admin_stream.next())["id"] == notice.id
            assert officer_stream.pending() == [] and admin_stream.pending() == []

    _run(main())


def test_event_posted_to_one_process_reaches_a_stream_on_another(live_server, make_user, no_totp):
    admin = make_user("admin")
    a, b = live_server(), live_server()
    as_admin_a, as_admin_b = _token(a.base, admin.username), _token(b.base, admin.username)

    async def main():
        async with _http() as http, Stream(http, b.base + "/api/events/stream", as_admin_b) as on_b:
            for note in ("first", "second"):
                started = time.monotonic()
                r = await http.post(a.base + "/api/audit-probe", json={"note": note}, headers=as_admin_a)
                assert r.status_code == 201, r.text
                got = await on_b.next(timeout=3)
                assert time.monotonic() - started < 2.5
                assert (got["event"], got["data"]["event_id"], got["data"]["payload"]["note"]) == (
                    "onbeat.core.probe_recorded", r.json()["event_id"], note)

    _run(main())


def test_reconnect_with_last_event_id_replays_what_was_missed(live_server, db, make_user, no_totp):
    officer = make_user("officer")  # units.read; not platform.probe, not users.manage
    server = live_server()
    url = server.base + "/api/events/stream"
    as_officer = _token(server.base, officer.username)

    def unit_event(callsign: str) -> OutboxEvent:
        return _emit(db, "unit_status_changed", permission="units.read", callsign=callsign)

    async def main():
        async with _http() as http:
            async with Stream(http, url, as_officer) as first:
                seen = unit_event("seen")
                assert (await first.next())["id"] == seen.id
            assert first.last_id == seen.id
            # While disconnected: one the officer may see, two it may not.
            _emit(db, note="probe while away")
            missed = unit_event("missed")
            _emit(db, "user_locked", permission="users.manage", username="someone")

            async with Stream(http, url, {**as_officer, "Last-Event-ID": str(first.last_id)}) as again:
                got = await again.next()
                assert (got["id"], got["data"]["payload"]) == (missed.id, {"callsign": "missed"})
                live = unit_event("live")
                assert (await again.next())["id"] == live.id
                assert again.pending() == []

            # A new stream says where it starts (an id with no data) before any event arrives, so
            # a browser that reconnects at once still replays what came in between.
            async with Stream(http, url, as_officer) as fresh:
                await asyncio.sleep(0.2)
                assert fresh.last_id == live.id
            between = unit_event("between")
            async with Stream(http, url, {**as_officer, "Last-Event-ID": str(fresh.last_id)}) as back:
                assert (await back.next())["id"] == between.id

    _run(main())


def test_listener_recovers_when_its_database_connection_is_killed(live_server, db, db_url, make_user,
                                                                  superuser_sql, no_totp):
    admin = make_user("admin")
    server = live_server()
    as_admin = _token(server.base, admin.username)
    database = db_url.database

    def listeners() -> list[int]:
        return [r[0] for r in superuser_sql(
            "select pid from pg_stat_activity where datname = :d and application_name = :a",
            d=database, a=LISTENER_NAME)]

    async def main():
        async with _http() as http, Stream(http, server.base + "/api/events/stream", as_admin) as stream:
            before = _emit(db, note="before")
            assert (await stream.next())["id"] == before.id
            killed = listeners()
            assert len(killed) == 2  # the LISTEN connection and the one that reads the outbox
            superuser_sql("select pg_terminate_backend(pid) from pg_stat_activity "
                          "where datname = :d and application_name = :a", d=database, a=LISTENER_NAME)
            during = _emit(db, note="while the listener is away")
            got = await stream.next(timeout=10)
            assert got["id"] == during.id
            after = _emit(db, note="after")
            assert (await stream.next(timeout=5))["id"] == after.id
            fresh = listeners()
            assert len(fresh) == 2 and not set(fresh) & set(killed)

    _run(main())
