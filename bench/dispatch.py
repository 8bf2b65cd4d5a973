"""Dispatch benchmark: recommendation latency, live location updates and incident creation, together.

    .venv/bin/python bench/dispatch.py                       # 5,000 units, 500 open incidents, 20 s
    .venv/bin/python bench/dispatch.py --duration 5 --units 1000   # a quick look

It starts its own embedded PostgreSQL in a temporary directory, migrates it, loads the demo
force's stations, 5,000 units spread over 15 km of Reading (70% available, skills mixed) and 500
open incidents, and gives `--devices` of the units a crew officer with a bearer token. Then, all
at the same time for `--duration` seconds:

- devices post batches of `--batch` location fixes for their own unit to `POST /api/device/locations`
  on uvicorn (`--workers` processes), from load-generator processes over raw keep-alive sockets;
  each fix is newer than the last, so every one is applied (the response is checked);
- this process asks for recommendations for random open incidents (the service call a request
  makes, timed in-process: the HTTP layer's own cost is measured by http_baseline.py);
- another process opens incidents through the service (log number, log entries, audit, event).

Last line: `p99_ms=<x> updates_per_s=<y> incidents_per_h=<z>`. Everything started is stopped at
the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from http_baseline import Server, _read_response, percentile  # noqa: E402

CENTRE = (51.4545, -0.9781)
TYPES = ["violence", "theft", "burglary_dwelling", "asb_nuisance", "concern_for_safety", "rtc_damage",
         "firearms_incident", "weapons", "collapse_injury"]


def _near(rng: random.Random, km: float) -> tuple[float, float]:
    import math

    r, t = km * math.sqrt(rng.random()), rng.random() * 2 * math.pi
    return CENTRE[0] + r * math.cos(t) / 111.195, CENTRE[1] + r * math.sin(t) / (111.195 * math.cos(math.radians(CENTRE[0])))


def load(units: int, incidents: int, devices: int) -> tuple[list[str], list[str]]:
    """Stations, units, incidents and device users; returns (device tokens, open incident ids)."""
    import uuid

    from sqlalchemy import insert, select, text

    from onbeat import db
    from onbeat.command.incidents import service as incident_service
    from onbeat.command.models import UNIT_TYPES, Unit, UnitCrew
    from onbeat.core.audit.service import Actor
    from onbeat.core.identity import service as identity
    from onbeat.core.identity.models import Station
    from onbeat.core.identity.passwords import hash_password
    from onbeat.demo.force import STATIONS

    rng = random.Random(20261121)
    actor = Actor.system("benchmark")
    with db.session() as s:
        for spec in STATIONS:
            s.add(Station(**spec.__dict__))
        s.flush()
        station_ids = list(s.execute(select(Station.id)).scalars())
        skill_sets = [["first_aid"], ["first_aid", "taser"], ["first_aid", "advanced_driver"], ["dog"],
                      ["firearms", "taser", "advanced_driver", "first_aid"], ["public_order", "first_aid"], []]
        rows = []
        for n in range(units):
            lat, lon = _near(rng, 15)
            rows.append({"id": uuid.uuid4(), "call_sign": f"U{n:05d}", "unit_type": rng.choice(list(UNIT_TYPES)),
                         "station_id": rng.choice(station_ids), "skills": rng.choice(skill_sets), "equipment": [],
                         "status": "available" if rng.random() < 0.7 else rng.choice(["busy", "off_duty", "refreshment"]),
                         "latitude": lat, "longitude": lon})
        s.execute(insert(Unit), rows)
        shared = hash_password("bench password for devices")
        tokens = []
        for n in range(devices):
            user = identity.create_user(s, actor, username=f"dev{n:04d}", password="bench password for devices",
                                        password_hash=shared, given_name="Device", family_name=f"Officer{n}",
                                        rank="PC", roles=["officer"], collar_number=f"D{n:04d}")
            s.flush()
            s.add(UnitCrew(unit_id=rows[n]["id"], user_id=user.id))
            tokens.append(identity.issue_token(s, user, "benchmark device")[0])
        s.commit()
        open_ids = []
        for n in range(incidents):
            lat, lon = _near(rng, 14)
            t = rng.choice(TYPES)
            i = incident_service.open_incident(s, actor, incident_type=t, grade=rng.choice([1, 2, 3]),
                                               suggested_grade=1, grade_reason="benchmark", summary="benchmark",
                                               latitude=lat, longitude=lon)
            open_ids.append(i.id)
        s.commit()
        # What autovacuum would do soon after a bulk load: planner statistics for the new rows.
        s.execute(text("analyze units")); s.execute(text("analyze incidents"))
        s.commit()
    db.engine().dispose()
    return tokens, [str(i) for i in open_ids]


# --- device load (own processes) --------------------------------------------------------------

def _request(port: int, token: str, body: bytes) -> bytes:
    head = (f"POST /api/device/locations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _devices(port: int, tokens: list[str], batch: int, duration: float, start_at: float, seed: int):
    rng = random.Random(seed)
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in tokens]
    await asyncio.sleep(max(0.0, start_at - time.time()))
    deadline = time.perf_counter() + duration
    base = datetime.now(timezone.utc)
    fixes_sent, errors, begin = 0, 0, time.perf_counter()

    async def device(i: int, reader, writer) -> None:
        nonlocal fixes_sent, errors
        lat, lon = _near(rng, 12)
        tick = 0
        while time.perf_counter() < deadline:
            fixes = []
            for _ in range(batch):
                tick += 1
                lat, lon = lat + rng.uniform(-2e-4, 2e-4), lon + rng.uniform(-3e-4, 3e-4)
                fixes.append({"latitude": round(lat, 6), "longitude": round(lon, 6), "accuracy": 8.0,
                              "heading": rng.randrange(360), "speed": 11.0,
                              "at": (base + timedelta(milliseconds=tick * 10)).isoformat()})
            writer.write(_request(port, tokens[i], json.dumps({"fixes": fixes}).encode()))
            status = await _read_response(reader)
            if status == 200:
                fixes_sent += batch
            else:
                errors += 1

    await asyncio.gather(*(device(i, r, w) for i, (r, w) in enumerate(conns)))
    elapsed = time.perf_counter() - begin
    for _, w in conns:
        w.close()
    return fixes_sent, errors, elapsed


def _device_process(conn, port, tokens, batch, duration, start_at, seed) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(asyncio.run(_devices(port, tokens, batch, duration, start_at, seed)))


def _open_incidents(conn, database_url: str, duration: float, start_at: float) -> None:
    """Open incidents one after another (each its own transaction) for `duration` seconds, as a
    call handler's app process would: log number, log entries, audit and event."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.path.insert(0, str(ROOT / "src"))
    from onbeat import db
    from onbeat.command.incidents import service as incident_service
    from onbeat.core.audit.service import Actor

    db.configure(db.normalise_url(database_url))
    rng = random.Random(7)
    opened = 0
    time.sleep(max(0.0, start_at - time.time()))
    begin = time.perf_counter()
    with db.session() as s:
        while time.perf_counter() - begin < duration:
            lat, lon = _near(rng, 14)
            incident_service.open_incident(s, Actor.system("benchmark"), incident_type=rng.choice(TYPES), grade=2,
                                           suggested_grade=2, grade_reason=None, summary="bench",
                                           latitude=lat, longitude=lon)
            s.commit()
            opened += 1
    conn.send((opened, time.perf_counter() - begin))


def _check_applied(database_url: str, tokens: int) -> int:
    """How many units with devices have a location from the run (proves the fixes were stored)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as c:
        n = c.execute(text("select count(*) from units where location_at is not null")).scalar_one()
    engine.dispose()
    return n


def _recommendations(incident_ids: list[str], duration: float) -> list[float]:
    """Recommendations for random open incidents for `duration` seconds; sorted latencies (s)."""
    import uuid

    from onbeat import db
    from onbeat.command.dispatch.recommend import recommend
    from onbeat.command.incidents import service as incident_service

    rng = random.Random(1)
    latencies = []
    with db.session() as s:
        incidents = {i: incident_service.get(s, uuid.UUID(i)) for i in incident_ids}
        begin = time.perf_counter()
        while time.perf_counter() - begin < duration:
            incident = incidents[rng.choice(incident_ids)]
            t = time.perf_counter()
            rec = recommend(s, incident)
            latencies.append(time.perf_counter() - t)
            assert rec.units, f"no unit recommended for {incident.log_number}"
            s.rollback()
    return sorted(latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--devices", type=int, default=32, help="devices posting fixes at once")
    parser.add_argument("--batch", type=int, default=50, help="fixes per request")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--loadgen-processes", type=int, default=1)
    parser.add_argument("--duration", type=float, default=20.0)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="onbeat-bench-dispatch-"))
    atexit.register(shutil.rmtree, tmp, True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    pg_server = server = None
    try:
        os.environ.pop("DATABASE_URL", None)
        from onbeat import db

        print(f"Embedded PostgreSQL in {tmp} ...", flush=True)
        pg_server = db.embedded_server(tmp)
        url = db.embedded_url(tmp, "onbeat_bench")
        db.configure(url)
        from onbeat.migrate import upgrade

        upgrade()
        t0 = time.perf_counter()
        tokens, incident_ids = load(args.units, args.incidents, args.devices)
        print(f"Loaded {args.units} units, {args.incidents} open incidents, {args.devices} devices "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
        database_url = url.render_as_string(hide_password=False)
        alone = _recommendations(incident_ids, min(5.0, args.duration))
        print(f"recommendations alone (no other load): {len(alone)}, p50 {percentile(alone, 0.5) * 1000:.2f} ms, "
              f"p99 {percentile(alone, 0.99) * 1000:.2f} ms", flush=True)
        server = Server(database_url, args.workers, tmp / "uvicorn.log")

        ctx = mp.get_context("spawn")
        start_at = time.time() + 1.0
        pipes, procs = [], []
        per = -(-len(tokens) // args.loadgen_processes)
        for k in range(args.loadgen_processes):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_device_process, daemon=True,
                            args=(child, server.port, tokens[k * per:(k + 1) * per], args.batch, args.duration,
                                  start_at, k))
            p.start()
            pipes.append(parent)
            procs.append(p)

        opener_parent, opener_child = ctx.Pipe()
        opener = ctx.Process(target=_open_incidents, daemon=True,
                             args=(opener_child, database_url, args.duration, start_at))
        opener.start()
        time.sleep(max(0.0, start_at - time.time()))
        latencies = _recommendations(incident_ids, args.duration)
        opened, opened_window = opener_parent.recv()
        opener.join(10)
        fixes, errors, elapsed = 0, 0, 0.0
        for pipe in pipes:
            f, e, el = pipe.recv()
            fixes, errors, elapsed = fixes + f, errors + e, max(elapsed, el)
        for p in procs:
            p.join(10)
        located = _check_applied(database_url, len(tokens))

        lat = latencies
        p50, p99 = percentile(lat, 0.5) * 1000, percentile(lat, 0.99) * 1000
        updates = fixes / elapsed
        per_hour = opened / opened_window * 3600
        print(f"\nrecommendations: {len(lat)} in {args.duration:g} s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
              "while the devices and the incident opener run")
        print(f"location fixes: {fixes} applied through HTTP in {elapsed:.1f} s by {len(tokens)} devices, "
              f"batches of {args.batch}: {updates:,.0f}/s; failed requests {errors}; units located {located}")
        print(f"incidents opened meanwhile: {opened} in {opened_window:.1f} s = {per_hour:,.0f}/hour")
        print(f"p99_ms={p99:.2f} updates_per_s={updates:.0f} incidents_per_h={per_hour:.0f}")
        if errors:
            print("server log (last lines):\n" + (tmp / "uvicorn.log").read_text(errors="replace")[-3000:])
        return 1 if errors else 0
    except KeyboardInterrupt:
        print("\nInterrupted; stopping everything.", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            server.stop()
        if pg_server is not None:
            pg_server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
