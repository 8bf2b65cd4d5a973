"""Device check-in benchmark: 20,000 enrolled devices check in over HTTP, a tenth with a command waiting.

    .venv/bin/python bench/fleet_checkin.py                    # 20,000 devices, 3 runs, 2 workers
    .venv/bin/python bench/fleet_checkin.py --devices 2000 --runs 1   # a quick look

It starts its own embedded PostgreSQL in a temporary directory, migrates it, makes one device
model and one role profile (through the supply package), and loads `--devices` enrolled devices
with their credentials in bulk (as if each had enrolled and checked in before: enrolling them one
by one through the API would take minutes and measure enrolment, not check-in). The app runs on
uvicorn (`--workers` processes, as `onbeat serve` does); load-generator processes speak HTTP/1.1
over raw keep-alive sockets (`--connections` in all), so the server is what gets measured.

Each run queues a command for every tenth device through the command service (audited, as an
engineer's would be), then every device checks in (`POST /api/fleet/device/checkin`); a device
that is given a command carries it out and answers it (`POST .../commands/{id}/answer`, audited)
before its next check-in; then every device checks in a second time, and that answer must carry
no command at all (nothing left behind, nothing delivered twice). Check-ins per second count both
rounds over the whole run, answers included in the load. `undelivered` counts the commands of the
run not delivered and acknowledged at the end, read from the database.

Medians of `--runs` runs; last line: `checkins_per_s=<x> p99_ms=<y> undelivered=<z>`.
Everything started is stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import secrets
import signal
import statistics
import sys
import time
import uuid
from array import array
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from http_baseline import (Server, busy_seconds, cpu_seconds, migrated_embedded_database, percentile,  # noqa: E402
                           postgres_cpu, used)

KINDS = ["lock", "restart_app", "collect_diagnostics", "show_message", "install_software", "push_configuration"]
BODY = json.dumps({
    "os": {"name": "Windows 11 Enterprise", "version": "10.0.26100"}, "agent_version": "1.0.0",
    "battery": {"percent": 77.5, "health_percent": 93.0, "charging": False},
    "storage": {"total_gb": 256.0, "free_gb": 131.4}, "encrypted": True, "wrong_unlocks": 0,
    "network": {"name": "POLICE-WIFI", "vpn_connected": True, "vpn_failures": 0},
    "apps": [{"name": "OnBeat", "version": "3.4.1"}, {"name": "Pocket notebook", "version": "2.1.0"},
             {"name": "Microsoft Edge", "version": "131.0"}],
    "errors": [], "applied": {"profile_version": 1, "wrong_pin_limit": 10, "auto_lock_minutes": 5},
}).encode()


# --- the server -----------------------------------------------------------------------------------

class BenchServer(Server):
    """http_baseline's uvicorn server, with the application factory of our choice."""

    def __init__(self, database_url: str, workers: int, log: Path, factory: str):
        import subprocess

        from http_baseline import free_port

        self.port = free_port()
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONBEAT_")}
        env.update({"DATABASE_URL": database_url, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "bench")])})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True)
        self._wait(workers)


# --- loading --------------------------------------------------------------------------------------

def load(n: int) -> tuple[list[str], list[str], str]:
    """A model, a profile and n enrolled devices with credentials: (tokens, device ids, profile id)."""
    from sqlalchemy import insert, text

    from onbeat import db
    from onbeat.core.audit.service import Actor
    from onbeat.fleet.devices.models import Credential, Device
    from onbeat.fleet.supply import catalogue

    actor = Actor.system("benchmark")
    tokens, ids = [], []
    with db.session() as s:
        model = catalogue.create_model(s, actor, code="BENCH14", name="Rugged 14-inch laptop", kind="laptop",
                                       manufacturer="Panasonic", operating_system="Windows 11")
        prof = catalogue.create_profile(s, actor, "BENCHRESP", catalogue.ProfileFields(
            name="Response officer", role="officer", device_model_id=model.id, min_os_version="10.0.22631",
            allowed_networks=["POLICE-WIFI"], vpn_profile="force-vpn"))
        s.flush()
        now = s.execute(text("select now()")).scalar_one()
        devices, creds = [], []
        for i in range(n):
            device_id = uuid.uuid4()
            token = "obd_" + secrets.token_urlsafe(32)
            tokens.append(token)
            ids.append(str(device_id))
            devices.append({"id": device_id, "reference": f"DEV/{i + 1:06d}/26", "serial": f"BENCH{i:07d}",
                            "model_id": model.id, "profile_id": prof.id, "status": "enrolled",
                            "enrolled_at": now - timedelta(days=3), "last_checkin_at": now - timedelta(minutes=5),
                            "checkin_count": 1, "last_state": {}, "finding_codes": [], "compliance": "compliant",
                            "compliance_issues": [], "sign_in_blocked": False})
            creds.append({"id": uuid.uuid4(), "device_id": device_id, "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                          "issued_at": now - timedelta(days=1), "expires_at": now + timedelta(days=13),
                          "first_used_at": now - timedelta(days=1)})
        for k in range(0, n, 5000):
            s.execute(insert(Device), devices[k:k + 5000])
            s.execute(insert(Credential), creds[k:k + 5000])
        s.commit()
        s.execute(text("analyze fleet_devices")); s.execute(text("analyze fleet_device_credentials"))
        s.commit()
        profile_id = str(prof.id)
    db.engine().dispose()
    return tokens, ids, profile_id


def queue_commands(device_ids: list[str], every: int, run: int) -> list[str]:
    """A command for every `every`-th device, through the command service (audited)."""
    from onbeat import db
    from onbeat.core.audit.service import Actor
    from onbeat.fleet.devices import commands, service

    actor = Actor.system("benchmark engineer")
    payloads = {"lock": {}, "restart_app": {"app": "OnBeat"}, "collect_diagnostics": {},
                "show_message": {"message": "Please dock this laptop tonight."},
                "install_software": {"name": "Pocket notebook", "version": "2.2.0"},
                "push_configuration": {"wallpaper": "force-blue"}}
    out = []
    with db.session() as s:
        for n, i in enumerate(range(run % every, len(device_ids), every)):
            kind = KINDS[n % len(KINDS)]
            device = service.get(s, uuid.UUID(device_ids[i]))
            out.append(str(commands.queue(s, actor, device, kind, payloads[kind], reason="benchmark").id))
        s.commit()
    db.engine().dispose()
    return out


def outcome(command_ids: list[str]) -> dict[str, int]:
    from sqlalchemy import func, select

    from onbeat import db
    from onbeat.fleet.devices.models import Command

    with db.session() as s:
        rows = s.execute(select(Command.status, func.count()).where(Command.id.in_([uuid.UUID(i) for i in command_ids]))
                         .group_by(Command.status)).all()
    db.engine().dispose()
    return dict(rows)


# --- load generation (own processes) -------------------------------------------------------------

async def _read(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    end = lower.index(b"\r\n", at + 2)
    return status, await reader.readexactly(int(head[at + 17:end]))


def _post(port: int, path: str, token: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body


async def _drive(port: int, tokens: list[str], connections: int, start_at: float):
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(connections)]
    await asyncio.sleep(max(0.0, start_at - time.time()))
    latencies = array("d")
    stats = {"checkins": 0, "answers": 0, "errors": 0, "commands": 0, "second_round_commands": 0}
    begin = time.perf_counter()
    answer = json.dumps({"outcome": "acknowledged", "detail": "done"}).encode()

    async def client(k: int, reader, writer) -> None:
        for rnd in (1, 2):
            for token in tokens[k::connections]:
                t = time.perf_counter()
                writer.write(_post(port, "/api/fleet/device/checkin", token, BODY))
                status, body = await _read(reader)
                latencies.append(time.perf_counter() - t)
                if status != 200:
                    stats["errors"] += 1
                    continue
                stats["checkins"] += 1
                cmds = json.loads(body)["commands"]
                if rnd == 2:
                    stats["second_round_commands"] += len(cmds)
                for c in cmds:
                    stats["commands"] += 1
                    writer.write(_post(port, f"/api/fleet/device/commands/{c['id']}/answer", token, answer))
                    status, _ = await _read(reader)
                    stats["answers" if status == 200 else "errors"] += 1

    await asyncio.gather(*(client(k, r, w) for k, (r, w) in enumerate(conns)))
    elapsed = time.perf_counter() - begin
    for _, w in conns:
        w.close()
    return latencies.tobytes(), stats, elapsed


def _loadgen(conn, port, tokens, connections, start_at) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    conn.send(asyncio.run(_drive(port, tokens, connections, start_at)))


def one_run(port: int, tokens: list[str], processes: int, connections: int):
    ctx = mp.get_context("spawn")
    start_at = time.time() + 1.5
    pipes, procs = [], []
    for k in range(processes):
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_loadgen, daemon=True,
                        args=(child, port, tokens[k::processes], connections // processes, start_at))
        p.start()
        pipes.append(parent)
        procs.append(p)
    latencies, total, elapsed = array("d"), {}, 0.0
    for pipe in pipes:
        raw, stats, el = pipe.recv()
        latencies.frombytes(raw)
        for key, v in stats.items():
            total[key] = total.get(key, 0) + v
        elapsed = max(elapsed, el)
    for p in procs:
        p.join(10)
    return sorted(latencies), total, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=20000)
    parser.add_argument("--every", type=int, default=10, help="one device in this many has a command waiting")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections in all")
    parser.add_argument("--loadgen-processes", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    pg_server = server = None
    try:
        tmp, pg_server, url = migrated_embedded_database("onbeat-bench-fleet-")
        t0 = time.perf_counter()
        tokens, ids, _ = load(args.devices)
        print(f"Loaded {args.devices:,} enrolled devices in {time.perf_counter() - t0:.1f} s", flush=True)
        factory = "onbeat.asgi:create_app"
        server = BenchServer(url.render_as_string(hide_password=False), args.workers, tmp / "uvicorn.log", factory)
        print(f"uvicorn {factory}, {args.workers} workers", flush=True)

        results = []
        for run in range(args.runs):
            t0 = time.perf_counter()
            queued = queue_commands(ids, args.every, run)
            print(f"run {run + 1}: queued {len(queued):,} commands (audited) in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            procs = server.workers()
            cpu0, pg0, busy0 = cpu_seconds(procs), postgres_cpu(pg_server), busy_seconds()
            lat, stats, elapsed = one_run(server.port, tokens, args.loadgen_processes, args.connections)
            srv_cpu, pg_cpu = used(cpu0, cpu_seconds(procs)), postgres_cpu(pg_server) - pg0
            busy = busy_seconds() - busy0
            states = outcome(queued)
            undelivered = len(queued) - states.get("acknowledged", 0)
            rate = stats["checkins"] / elapsed
            p50, p99 = percentile(lat, 0.5) * 1000, percentile(lat, 0.99) * 1000
            print(f"run {run + 1}: {stats['checkins']:,} check-ins and {stats['answers']:,} answers in {elapsed:.1f} s "
                  f"= {rate:,.0f} check-ins/s; p50 {p50:.1f} ms, p99 {p99:.1f} ms; commands delivered "
                  f"{stats['commands']:,} of {len(queued):,}, acknowledged {states.get('acknowledged', 0):,}; "
                  f"delivered again in round 2: {stats['second_round_commands']}; failed requests {stats['errors']}",
                  flush=True)
            per = 1000 / max(1, stats["checkins"] + stats["answers"])
            print(f"run {run + 1}: CPU per request: server {srv_cpu * per:.2f} ms, PostgreSQL {pg_cpu * per:.2f} ms; "
                  f"cores busy: server {srv_cpu / elapsed:.2f}, PostgreSQL {pg_cpu / elapsed:.2f}, "
                  f"everything else (client, other work on the machine) {(busy - srv_cpu - pg_cpu) / elapsed:.2f}",
                  flush=True)
            results.append((rate, p99, undelivered, stats["errors"] + stats["second_round_commands"]))
            if stats["errors"]:
                print("server log (last lines):\n" + (tmp / "uvicorn.log").read_text(errors="replace")[-3000:])

        rate = statistics.median(r[0] for r in results)
        p99 = statistics.median(r[1] for r in results)
        undelivered = max(r[2] for r in results)
        print(f"\nmedians of {len(results)} runs, {args.devices:,} devices, {args.workers} workers, "
              f"{args.connections} connections, on {os.cpu_count()} cores shared by server, PostgreSQL and client")
        print(f"checkins_per_s={rate:.0f} p99_ms={p99:.1f} undelivered={undelivered}")
        return 0 if undelivered == 0 and not any(r[3] for r in results) else 1
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
