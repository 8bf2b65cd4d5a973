"""Dispatch benchmark: recommendation latency, live location updates and incident creation, together.

    .venv/bin/python bench/dispatch.py                       # 5,000 units, 500 open incidents, 3 runs of 20 s
    .venv/bin/python bench/dispatch.py --runs 1 --duration 5 --units 1000   # a quick look

It starts its own embedded PostgreSQL in a temporary directory, migrates it, loads the demo
force's stations, 5,000 units spread over 15 km of Reading (70% available, skills mixed) and 500
open incidents, and gives `--devices` of the units a crew officer with a bearer token. Then, all
at the same time for `--duration` seconds:

- devices post batches of `--batch` location fixes for their own unit to `POST /api/device/locations`
  on uvicorn (`--workers` processes), from load-generator processes over raw keep-alive sockets;
  each fix is newer than the last, so every one is applied: the response's `applied` count is
  checked, and afterwards the location history must hold every fix;
- this process asks for recommendations for random open incidents (the service call a request
  makes, timed in-process: the HTTP layer's own cost is measured by http_baseline.py), up to
  `--rec-rate` per second (default 60: one for every new incident at the 200,000/hour goal);
  `--rec-rate 0` asks back to back instead, as fast as one connection can, which leaves the
  other two workloads less of the cores;
- another process opens incidents through the service from `--openers` threads (call handlers
  working at once, each on its own connection), every one fully: log number, log entries, audit
  entry, event; afterwards every one is checked to have them, and the audit chain is verified.

The figures are medians over `--runs` runs (each run's figures are printed too), with the CPU each
part used, since all of them share the machine's cores. Last line: `p99_ms=<x> updates_per_s=<y>
incidents_per_h=<z>`. Everything started is stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import signal
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from http_baseline import Server, cpu_seconds, migrated_embedded_database, percentile, used  # noqa: E402

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


async def _read_applied(reader: asyncio.StreamReader) -> tuple[int, int]:
    """(status, fixes applied) of one response to POST /api/device/locations."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    end = lower.index(b"\r\n", at + 2)
    body = await reader.readexactly(int(head[at + 17:end]))
    return status, (json.loads(body).get("applied", 0) if status == 200 else 0)


async def _devices(port: int, tokens: list[str], batch: int, duration: float, start_at: float, seed: int,
                   run: int):
    rng = random.Random(seed * 1000 + run)
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in tokens]
    await asyncio.sleep(max(0.0, start_at - time.time()))
    deadline = time.perf_counter() + duration
    # Fixes run ahead of the clock (10 ms apart, faster than real time): each run starts a day later.
    base = datetime.now(timezone.utc) + timedelta(days=run)
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
            status, applied = await _read_applied(reader)
            fixes_sent += applied
            if status != 200 or applied != batch:
                errors += 1

    await asyncio.gather(*(device(i, r, w) for i, (r, w) in enumerate(conns)))
    elapsed = time.perf_counter() - begin
    for _, w in conns:
        w.close()
    return fixes_sent, errors, elapsed


def _device_process(conn, port, tokens, batch, duration, start_at, seed, run) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn.send(asyncio.run(_devices(port, tokens, batch, duration, start_at, seed, run)))


def _open_incidents(conn, database_url: str, duration: float, start_at: float, openers: int, run: int) -> None:
    """Open incidents for `duration` seconds from `openers` threads, each on its own connection and
    each incident its own transaction, as call handlers' requests would: log number, log entries,
    audit and event. Sends (opened, seconds, sorted latencies, CPU seconds of this process)."""
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.path.insert(0, str(ROOT / "src"))
    from onbeat import db
    from onbeat.command.incidents import service as incident_service
    from onbeat.core.audit.service import Actor

    db.configure(db.normalise_url(database_url))
    latencies: list[float] = []
    time.sleep(max(0.0, start_at - time.time()))
    begin, cpu0 = time.perf_counter(), time.process_time()

    def handler(k: int) -> None:
        rng = random.Random(7 + 100 * run + k)
        mine = []
        with db.session() as s:
            while time.perf_counter() - begin < duration:
                lat, lon = _near(rng, 14)
                t = time.perf_counter()
                incident_service.open_incident(s, Actor.system("benchmark opener"), incident_type=rng.choice(TYPES),
                                               grade=2, suggested_grade=2, grade_reason=None,
                                               summary=f"bench run {run}", latitude=lat, longitude=lon)
                s.commit()
                mine.append(time.perf_counter() - t)
        latencies.extend(mine)

    threads = [threading.Thread(target=handler, args=(k,)) for k in range(openers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    conn.send((len(latencies), time.perf_counter() - begin, sorted(latencies), time.process_time() - cpu0))


def _check_run(database_url: str, run: int, fixes_before: int) -> dict:
    """What the run stored: every incident with its two log entries, audit entry and event; the
    location history; and the audit chain verified from its start."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from onbeat.core.audit.service import verify

    engine = create_engine(database_url)
    with engine.connect() as c:
        row = c.execute(text(
            "with i as (select id, log_number from incidents where summary = :s) select "
            "(select count(*) from i), "
            "(select count(*) from incident_log l join i on i.id = l.incident_id "
            " where l.kind in ('created', 'graded')), "
            "(select count(*) from audit_log a join i on a.subject_id = i.id::text "
            " where a.event = 'command.incident.opened'), "
            "(select count(*) from event_outbox e join i on e.payload->>'id' = i.id::text "
            " where e.subject = 'onbeat.command.incident_opened'), "
            "(select count(distinct log_number) from i), (select count(*) from unit_locations)"),
            {"s": f"bench run {run}"}).one()
    with Session(engine) as s:
        chain = verify(s)
    engine.dispose()
    return {"incidents": row[0], "log_entries": row[1], "audit": row[2], "events": row[3], "numbers": row[4],
            "history": row[5] - fixes_before, "history_total": row[5], "chain_ok": chain.ok, "chain": chain.checked}


def _recommendations(incident_ids: list[str], duration: float, rate: float = 0.0) -> list[float]:
    """Recommendations for random open incidents for `duration` seconds; sorted latencies (s).
    With a `rate`, one starts every 1/rate s (later if the one before is late: no backlog builds
    up, and how many ran is printed); with 0 they run back to back. Each is timed from its start."""
    import uuid

    from onbeat import db
    from onbeat.command.dispatch.recommend import recommend
    from onbeat.command.incidents import service as incident_service

    rng = random.Random(1)
    latencies = []
    with db.session() as s:
        incidents = {i: incident_service.get(s, uuid.UUID(i)) for i in incident_ids}
        begin = time.perf_counter()
        n = 0
        while time.perf_counter() - begin < duration:
            incident = incidents[rng.choice(incident_ids)]
            due = begin + n / rate if rate else 0.0
            n += 1
            if due > time.perf_counter():
                time.sleep(due - time.perf_counter())
            t = time.perf_counter()
            rec = recommend(s, incident)
            latencies.append(time.perf_counter() - t)
            assert rec.units, f"no unit recommended for {incident.log_number}"
            s.rollback()
    return sorted(latencies)


class CpuMeter:
    """CPU seconds used by each part of the benchmark between start() and stop()."""

    def __init__(self, server, pg_pid: int | None):
        self.server, self.pg_pid = server, pg_pid

    def _groups(self) -> dict[str, list]:
        import psutil

        me = psutil.Process()
        app = self.server.workers()
        skip = {p.pid for p in app}
        groups = {"app (uvicorn workers)": app, "recommender (this process)": [me],
                  "load generator + incident opener": [p for p in me.children(recursive=True) if p.pid not in skip]}
        try:
            pg = psutil.Process(self.pg_pid)
            groups["postgresql"] = [pg] + pg.children(recursive=True)
        except (psutil.Error, TypeError, ValueError):
            groups["postgresql"] = []
        return groups

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.before = {k: cpu_seconds(v) for k, v in self._groups().items()}

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.t0
        after = {k: cpu_seconds(v) for k, v in self._groups().items()}
        return {k: used(self.before.get(k, {}), v) / wall for k, v in after.items()}


def _measure(args, run: int, server, database_url: str, tokens: list[str], incident_ids: list[str],
             meter: CpuMeter, fixes_before: int) -> dict:
    ctx = mp.get_context("spawn")
    start_at = time.time() + 1.5
    pipes, procs = [], []
    per = -(-len(tokens) // args.loadgen_processes)
    for k in range(args.loadgen_processes):
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_device_process, daemon=True,
                        args=(child, server.port, tokens[k * per:(k + 1) * per], args.batch, args.duration,
                              start_at, k, run))
        p.start()
        pipes.append(parent)
        procs.append(p)
    opener_parent, opener_child = ctx.Pipe()
    opener = ctx.Process(target=_open_incidents, daemon=True,
                         args=(opener_child, database_url, args.duration, start_at, args.openers, run))
    opener.start()
    time.sleep(max(0.0, start_at - time.time()))
    meter.start()
    latencies = _recommendations(incident_ids, args.duration, args.rec_rate)
    opened, opened_window, open_latencies, opener_cpu = opener_parent.recv()
    fixes, errors, elapsed = 0, 0, 0.0
    for pipe in pipes:
        f, e, el = pipe.recv()
        fixes, errors, elapsed = fixes + f, errors + e, max(elapsed, el)
    cpu = meter.stop()
    opener.join(10)
    for p in procs:
        p.join(10)
    check = _check_run(database_url, run, fixes_before)
    out = {"p50": percentile(latencies, 0.5) * 1000, "p99": percentile(latencies, 0.99) * 1000,
           "recs": len(latencies), "updates": fixes / elapsed, "fixes": fixes, "errors": errors,
           "per_hour": opened / opened_window * 3600, "opened": opened,
           "open_p50": percentile(open_latencies, 0.5) * 1000, "open_p99": percentile(open_latencies, 0.99) * 1000,
           "cpu": cpu, "check": check}
    rate = f"at up to {args.rec_rate:g}/s" if args.rec_rate else "back to back"
    print(f"\nrun {run}: recommendations {rate}: {len(latencies)} in {args.duration:g} s, "
          f"p50 {out['p50']:.2f} ms, p99 {out['p99']:.2f} ms")
    print(f"run {run}: location fixes applied through HTTP: {fixes} in {elapsed:.1f} s by {len(tokens)} devices, "
          f"batches of {args.batch}: {out['updates']:,.0f}/s; failed or short requests {errors}; "
          f"fixes added to the history {check['history']}")
    print(f"run {run}: incidents opened by {args.openers} handlers: {opened} in {opened_window:.1f} s = "
          f"{out['per_hour']:,.0f}/hour (each p50 {out['open_p50']:.1f} ms, p99 {out['open_p99']:.1f} ms); stored: "
          f"{check['log_entries']} log entries, {check['audit']} audit entries, {check['events']} events, "
          f"{check['numbers']} distinct log numbers; audit chain verified: {check['chain_ok']} "
          f"({check['chain']} entries)")
    print(f"run {run}: CPU used (cores busy, of {os.cpu_count()}): "
          + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()) + f"; total {sum(cpu.values()):.2f}")
    complete = (check["incidents"] == opened and check["log_entries"] == 2 * opened and check["audit"] == opened
                and check["events"] == opened and check["numbers"] == opened and check["chain_ok"]
                and check["history"] == fixes)
    if not complete:
        print(f"run {run}: INCOMPLETE: {check}")
    out["complete"] = complete
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--devices", type=int, default=32, help="devices posting fixes at once")
    parser.add_argument("--batch", type=int, default=50, help="fixes per request")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--loadgen-processes", type=int, default=1)
    parser.add_argument("--openers", type=int, default=4, help="call handlers opening incidents at once")
    parser.add_argument("--rec-rate", type=float, default=60.0,
                        help="recommendations per second (0: back to back, as fast as they come)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3, help="runs; the figures are their medians")
    args = parser.parse_args()

    pg_server = server = None
    try:
        tmp, pg_server, url = migrated_embedded_database("onbeat-bench-dispatch-")
        t0 = time.perf_counter()
        tokens, incident_ids = load(args.units, args.incidents, args.devices)
        print(f"Loaded {args.units} units, {args.incidents} open incidents, {args.devices} devices "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)
        database_url = url.render_as_string(hide_password=False)
        alone = _recommendations(incident_ids, min(5.0, args.duration))
        print(f"recommendations alone (no other load, back to back): {len(alone)}, "
              f"p50 {percentile(alone, 0.5) * 1000:.2f} ms, p99 {percentile(alone, 0.99) * 1000:.2f} ms", flush=True)
        server = Server(database_url, args.workers, tmp / "uvicorn.log")
        meter = CpuMeter(server, pg_server.get_pid())
        import statistics

        results, fixes_before = [], 0
        for run in range(1, args.runs + 1):
            results.append(_measure(args, run, server, database_url, tokens, incident_ids, meter, fixes_before))
            fixes_before = results[-1]["check"]["history_total"]

        def med(key):
            return statistics.median(r[key] for r in results)

        p50, p99, updates, per_hour = med("p50"), med("p99"), med("updates"), med("per_hour")
        errors = sum(r["errors"] for r in results)
        complete = all(r["complete"] for r in results)
        print(f"\nmedians of {len(results)} run(s) of {args.duration:g} s: recommendations p50 {p50:.2f} ms, "
              f"p99 {p99:.2f} ms; location fixes {updates:,.0f}/s; incidents {per_hour:,.0f}/hour "
              f"(opening p50 {med('open_p50'):.1f} ms, p99 {med('open_p99'):.1f} ms); "
              f"everything stored and verified: {complete}")
        print("goals: p99 <= 20 ms, >= 3,000 fixes/s, >= 200,000 incidents/hour "
              f"(anchor: the national system was tested at 20,000/hour)")
        print(f"p99_ms={p99:.2f} updates_per_s={updates:.0f} incidents_per_h={per_hour:.0f}")
        if errors:
            print("server log (last lines):\n" + (tmp / "uvicorn.log").read_text(errors="replace")[-3000:])
        return 1 if errors or not complete else 0
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
