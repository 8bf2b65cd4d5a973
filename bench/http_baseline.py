"""HTTP baseline: what a request costs on the platform, against bare FastAPI on the same machine.

    .venv/bin/python bench/http_baseline.py                 # 1 and 2 workers, 16 clients, 3 x 10 s
    .venv/bin/python bench/http_baseline.py --workers 1 --runs 1 --duration 3   # a quick look

It starts its own embedded PostgreSQL in a temporary directory, migrates it, makes an admin
with a bearer token and a browser session, serves the app with uvicorn in a subprocess (as
`onbeat serve` does: uvloop, httptools, log level warning) and drives it from load-generator
processes that speak HTTP/1.1 with keep-alive over raw sockets: far cheaper per request than an
HTTP client library, so that the server is what gets measured. Client and server share the
machine's cores; the table says how much CPU each side used.

Measured, interleaved so drift hits every row alike (after a warm-up that is not counted):
  GET /healthz           no database, no auth: the anchor (FastAPI + the request middleware)
  GET /api/me            bearer token: token lookup, user and roles, permission check
  GET /api/me (cookie)   the same through a browser session cookie
  POST /api/audit-probe  one audited write and one outbox event in one transaction

Everything started here (PostgreSQL, uvicorn, load generators) is stopped at the end, also on
Ctrl-C. `--profile` samples the 1-worker server with py-spy (on PATH, or `--py-spy PATH`) during
the first run of each endpoint and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

PASSWORD = "a long enough password for the load test"


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    method: str
    path: str
    auth: str | None  # "bearer", "cookie" or None
    expect: int
    body: bytes = b""


ENDPOINTS = [
    Endpoint("healthz", "GET /healthz (anchor)", "GET", "/healthz", None, 200),
    Endpoint("me", "GET /api/me (bearer)", "GET", "/api/me", "bearer", 200),
    Endpoint("me_cookie", "GET /api/me (cookie)", "GET", "/api/me", "cookie", 200),
    Endpoint("probe", "POST /api/audit-probe", "POST", "/api/audit-probe", "bearer", 201, b'{"note":"bench"}'),
]


def request_bytes(ep: Endpoint, port: int, token: str, cookie: str) -> bytes:
    lines = [f"{ep.method} {ep.path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: application/json"]
    if ep.auth == "bearer":
        lines.append(f"Authorization: Bearer {token}")
    elif ep.auth == "cookie":
        lines.append(f"Cookie: onbeat_session={cookie}")
    if ep.method != "GET":
        lines += ["Content-Type: application/json", f"Content-Length: {len(ep.body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + ep.body


# --- load generator (runs in its own processes) -------------------------------------------

async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        end = lower.index(b"\r\n", at + 2)
        await reader.readexactly(int(head[at + 17:end]))
    elif b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _drive(port: int, request: bytes, expect: int, connections: int, duration: float,
                 start_at: float) -> tuple[bytes, int, float, float, float]:
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(connections)]
    await asyncio.sleep(max(0.0, start_at - time.time()))
    latencies = array("d")
    errors = 0
    begin = time.perf_counter()
    deadline = begin + duration
    cpu = time.process_time()

    async def client(reader, writer) -> float:
        nonlocal errors
        last = begin
        while True:
            sent = time.perf_counter()
            if sent >= deadline:
                return last
            writer.write(request)
            status = await _read_response(reader)
            last = time.perf_counter()
            if status == expect:
                latencies.append(last - sent)
            else:
                errors += 1

    ends = await asyncio.wait_for(asyncio.gather(*(client(r, w) for r, w in conns)), duration + 60)
    cpu = time.process_time() - cpu
    for _, writer in conns:
        writer.close()
    return latencies.tobytes(), errors, cpu, begin, max(ends)


def _loadgen(conn, port: int, connections: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:
        pass
    while (job := conn.recv()) is not None:
        request, expect, duration, start_at = job
        try:
            conn.send(asyncio.run(_drive(port, request, expect, connections, duration, start_at)))
        except Exception as exc:  # reported by the parent
            conn.send(exc)


class LoadGenerators:
    def __init__(self, port: int, clients: int, processes: int):
        ctx = mp.get_context("spawn")
        self.pipes, self.procs = [], []
        for i in range(processes):
            share = clients // processes + (1 if i < clients % processes else 0)
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_loadgen, args=(child, port, share), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    def run(self, request: bytes, expect: int, duration: float) -> tuple[array, int, float, float]:
        start_at = time.time() + 0.5  # all generators start together, connections already open
        for pipe in self.pipes:
            pipe.send((request, expect, duration, start_at))
        latencies, errors, cpu, begins, ends = array("d"), 0, 0.0, [], []
        for pipe in self.pipes:
            result = pipe.recv()
            if isinstance(result, Exception):
                raise result
            raw, err, c, begin, end = result
            latencies.frombytes(raw)
            errors += err
            cpu += c
            begins.append(begin)
            ends.append(end)
        # perf_counter is system-wide (CLOCK_MONOTONIC) on Linux, so the windows compare across processes.
        return latencies, errors, cpu, max(ends) - min(begins)

    def close(self) -> None:
        for pipe in self.pipes:
            try:
                pipe.send(None)
            except OSError:
                pass
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)


# --- the database and the server --------------------------------------------------------------

def prepare_database(data_dir: Path):
    """The migrated database under data_dir (PostgreSQL already started), with an admin signed in
    twice: returns (url, bearer token, session cookie)."""
    from onbeat import db

    url = db.embedded_url(data_dir, "onbeat_bench")
    db.configure(url)
    from onbeat.core.audit.service import Actor
    from onbeat.core.identity import service
    from onbeat.migrate import upgrade

    upgrade()
    with db.session() as s:
        admin = service.create_user(s, Actor.system("benchmark"), username="bench", password=PASSWORD,
                                    given_name="Bench", family_name="Mark", rank="Staff", roles=["admin"],
                                    staff_number="B0001")
        s.flush()
        token, _ = service.issue_token(s, admin, "benchmark")
        cookie, _ = service.start_session(s, admin, second_factor_pending=False, source="127.0.0.1", agent="bench")
        s.commit()
    db.engine().dispose()
    return url.render_as_string(hide_password=False), token, cookie


def migrated_embedded_database(prefix: str):
    """A fresh embedded PostgreSQL in a temporary folder (removed at exit; SIGTERM stops the run as
    Ctrl-C does), the app's engine pointed at its migrated `onbeat_bench` database.
    Returns (folder, server, url); the caller stops the server."""
    import atexit
    import shutil
    import signal
    import tempfile

    from onbeat import db
    from onbeat.migrate import upgrade

    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, tmp, True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    os.environ.pop("DATABASE_URL", None)
    print(f"Embedded PostgreSQL in {tmp} ...", flush=True)
    server = db.embedded_server(tmp)
    try:
        url = db.embedded_url(tmp, "onbeat_bench")
        db.configure(url)
        upgrade()
    except BaseException:
        server.cleanup()
        raise
    return tmp, server, url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url: str, workers: int, log: Path, extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.log = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONBEAT_")}
        env.update({"DATABASE_URL": database_url, "PYTHONPATH": str(ROOT / "src"), **(extra_env or {})})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "onbeat.asgi:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(workers), "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True)
        self._wait(workers)

    def _wait(self, workers: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("uvicorn exited: " + self.log.read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as r:
                    if r.status == 200 and (workers == 1 or len(self.workers()) >= workers + 1):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("uvicorn did not become ready in 60 s")

    def workers(self) -> list:
        """The processes that serve requests: uvicorn itself with 1 worker, its children with more."""
        import psutil

        main = psutil.Process(self.proc.pid)
        children = [p for p in main.children(recursive=True) if "multiprocessing" not in " ".join(p.cmdline())
                    or "spawn_main" in " ".join(p.cmdline())]
        return [main] + children

    def stop(self) -> None:
        import psutil

        try:
            procs = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            procs = []
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        for p in procs:  # workers that outlived their supervisor
            try:
                p.kill()
            except psutil.Error:
                pass


def cpu_seconds(procs) -> dict[int, float]:
    import psutil

    out = {}
    for p in procs:
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return out


def used(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(v - before.get(pid, 0.0) for pid, v in after.items())


def busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores), whoever spent it."""
    import psutil

    t = psutil.cpu_times()
    return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))


class SessionCounter:
    """PostgreSQL's count of sessions opened on the database (pg_stat_database.sessions): more than
    a handful per run means the server's connection pool is opening and closing connections."""

    def __init__(self, database_url: str):
        import psycopg
        from sqlalchemy import make_url

        url = make_url(database_url)
        self.name = url.database
        self.conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                    autocommit=True)

    def __call__(self) -> int:
        self.conn.execute("select pg_stat_force_next_flush()")
        self.conn.execute("select pg_stat_clear_snapshot()")
        row = self.conn.execute("select sessions from pg_stat_database where datname = %s", (self.name,)).fetchone()
        return int(row[0])

    def close(self) -> None:
        self.conn.close()


def wait_for_quiet(limit: float, most: float = 0.3) -> float:
    """Wait (up to `limit` seconds) until the machine, with no load applied, is nearly idle: other
    programs busy on a shared machine take cores from the run. Returns the cores busy at the end."""
    deadline = time.monotonic() + limit
    while True:
        b0 = busy_seconds()
        time.sleep(1.0)
        busy = busy_seconds() - b0
        if busy <= most or time.monotonic() >= deadline:
            return busy
        time.sleep(1.0)


def postgres_cpu(server) -> float:
    """CPU seconds of the PostgreSQL server so far: the postmaster, its live backends, and the
    backends that have exited (the postmaster reaps them, so they count in its children's times)."""
    import psutil

    main = psutil.Process(server.get_pid())
    t = main.cpu_times()
    return t.user + t.system + t.children_user + t.children_system + sum(cpu_seconds(main.children()).values())


# --- profiling (optional) ---------------------------------------------------------------------

class Profiler:
    """py-spy on the serving process for one run; prints the functions with the most samples."""

    def __init__(self, py_spy: str, pid: int, duration: float, out: Path):
        self.out = out
        self.proc = subprocess.Popen([py_spy, "record", "--pid", str(pid), "--duration", str(int(duration)),
                                      "--rate", "100", "--gil", "--format", "raw", "--output", str(out)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def report(self, title: str, top: int = 18) -> None:
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if not self.out.exists():
            print(f"  (py-spy wrote nothing for {title})")
            return
        inclusive, own, total = Counter(), Counter(), 0
        for line in self.out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].rsplit("/", 1)[-1] + ")"
                      if " (" in f else f for f in stack.split(";")]
            total += n
            own[frames[-1]] += n
            for f in set(frames):
                inclusive[f] += n
        print(f"\n  py-spy --gil (where the interpreter's time goes), {title}: {total} samples;"
              " own time, then inclusive for the app's libraries")
        for f, n in own.most_common(top):
            print(f"    {100 * n / total:5.1f}%  {f}")
        interesting = ("onbeat", "sqlalchemy", "psycopg", "fastapi", "starlette", "pydantic", "argon2", "anyio")
        shown = [(f, n) for f, n in inclusive.most_common(200) if any(k in f for k in interesting)][:top]
        print("    --")
        for f, n in shown:
            print(f"    {100 * n / total:5.1f}%  {f}")


# --- the measurement --------------------------------------------------------------------------

@dataclass
class Row:
    workers: int
    endpoint: Endpoint
    rps: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)
    errors: int = 0
    cpu_server: list[float] = field(default_factory=list)
    cpu_pg: list[float] = field(default_factory=list)
    cpu_client: list[float] = field(default_factory=list)
    cpu_other: list[float] = field(default_factory=list)


def percentile(sorted_values, q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def measure(workers: int, args, database_url: str, token: str, cookie: str, pg_server, tmp: Path) -> list[Row]:
    server = Server(database_url, workers, tmp / f"uvicorn-{workers}.log",
                    dict(item.split("=", 1) for item in args.server_env))
    gens = LoadGenerators(server.port, args.clients, args.loadgen_processes)
    sessions = SessionCounter(database_url)
    rows = {ep.key: Row(workers, ep) for ep in ENDPOINTS}
    requests = {ep.key: request_bytes(ep, server.port, token, cookie) for ep in ENDPOINTS}
    try:
        print(f"\n{workers} worker(s) on port {server.port}: warm-up {args.warmup:g} s", flush=True)
        for ep in ENDPOINTS:
            gens.run(requests[ep.key], ep.expect, args.warmup / len(ENDPOINTS))
        for run in range(1, args.runs + 1):
            for ep in ENDPOINTS:
                if args.quiet_wait:
                    idle_busy = wait_for_quiet(args.quiet_wait)
                    if idle_busy > 0.3:
                        print(f"  (machine still busy before this run: {idle_busy:.2f} cores)", flush=True)
                serving = server.workers()
                s0, p0, b0, c0 = cpu_seconds(serving), postgres_cpu(pg_server), busy_seconds(), sessions()
                profiler = None
                if args.profile and run == 1 and workers == 1:
                    profiler = Profiler(args.py_spy, serving[0].pid, args.duration, tmp / f"profile-{ep.key}.txt")
                latencies, errors, client_cpu, elapsed = gens.run(requests[ep.key], ep.expect, args.duration)
                s1, p1 = cpu_seconds(server.workers()), postgres_cpu(pg_server)
                b1, opened = busy_seconds(), sessions() - c0
                lat = sorted(latencies)
                row = rows[ep.key]
                row.rps.append(len(lat) / elapsed)
                row.p50.append(percentile(lat, 0.50) * 1000)
                row.p99.append(percentile(lat, 0.99) * 1000)
                row.errors += errors
                row.cpu_server.append(used(s0, s1) / elapsed)
                row.cpu_pg.append((p1 - p0) / elapsed)
                row.cpu_client.append(client_cpu / elapsed)
                # Whatever else ran meanwhile (other programs on the machine): a busy neighbour skews a run.
                row.cpu_other.append(max(0.0, (b1 - b0) / elapsed - row.cpu_server[-1] - row.cpu_pg[-1]
                                         - row.cpu_client[-1]))
                print(f"  run {run} {ep.label:<24} {row.rps[-1]:8.0f} req/s  p50 {row.p50[-1]:6.2f} ms  "
                      f"p99 {row.p99[-1]:6.2f} ms  errors {errors}  cpu server {row.cpu_server[-1]:.2f} "
                      f"pg {row.cpu_pg[-1]:.2f} client {row.cpu_client[-1]:.2f} other {row.cpu_other[-1]:.2f}  "
                      f"db connections opened {opened}",
                      flush=True)
                if profiler:
                    profiler.report(f"{workers} worker, {ep.label}")
    finally:
        sessions.close()
        gens.close()
        server.stop()
    return list(rows.values())


def table(rows: list[Row]) -> str:
    med = statistics.median
    anchors = {r.workers: med(r.rps) for r in rows if r.endpoint.key == "healthz"}
    out = ["| workers | request | req/s | p50 ms | p99 ms | req/s vs /healthz "
           "| CPU cores busy: server / PostgreSQL / client / other |",
           "|---:|---|---:|---:|---:|---:|---|"]
    for r in rows:
        ratio = med(r.rps) / anchors[r.workers] if anchors.get(r.workers) else float("nan")
        errors = f" ({r.errors} errors)" if r.errors else ""
        out.append(f"| {r.workers} | {r.endpoint.label}{errors} | {med(r.rps):,.0f} | {med(r.p50):.2f} | "
                   f"{med(r.p99):.2f} | {ratio:.2f} | {med(r.cpu_server):.2f} / {med(r.cpu_pg):.2f} / "
                   f"{med(r.cpu_client):.2f} / {med(r.cpu_other):.2f} |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn worker counts, one table row set each")
    parser.add_argument("--clients", type=int, default=16, help="concurrent keep-alive connections")
    parser.add_argument("--loadgen-processes", type=int, default=2, help="processes the clients are spread over")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    parser.add_argument("--runs", type=int, default=3, help="measured runs per endpoint (the table shows medians)")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of uncounted load first, over all endpoints")
    parser.add_argument("--profile", action="store_true", help="sample the 1-worker server with py-spy in run 1")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy", help="the py-spy executable")
    parser.add_argument("--quiet-wait", type=float, default=30, metavar="SECONDS",
                        help="before each run, wait up to this long for other programs to leave the cores idle")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the server, e.g. ONBEAT_DB_POOL_SIZE=20 (repeatable)")
    args = parser.parse_args()
    if args.profile and not shutil.which(args.py_spy):
        parser.error("--profile needs py-spy (pip install py-spy), on PATH or given with --py-spy")

    tmp = Path(tempfile.mkdtemp(prefix="onbeat-bench-"))
    # Registered before PostgreSQL starts, so it runs after the embedded server's own exit handler
    # (which touches its lock directory under tmp).
    atexit.register(shutil.rmtree, tmp, True)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    pg_server = None
    rows: list[Row] = []
    try:
        print(f"Embedded PostgreSQL in {tmp} ...", flush=True)
        os.environ.pop("DATABASE_URL", None)
        from onbeat import db

        pg_server = db.embedded_server(tmp)
        database_url, token, cookie = prepare_database(tmp)
        for workers in args.workers:
            rows += measure(workers, args, database_url, token, cookie, pg_server, tmp)
    except KeyboardInterrupt:
        print("\nInterrupted; stopping everything.", file=sys.stderr)
        return 130
    finally:
        if pg_server is not None:
            pg_server.cleanup()  # stops PostgreSQL (this process started it)

    print(f"\n{args.clients} keep-alive clients over {args.loadgen_processes} processes, {args.runs} x "
          f"{args.duration:g} s per row after {args.warmup:g} s warm-up; medians of the runs. "
          f"{os.cpu_count()} cores shared by client, server and PostgreSQL.\n")
    print(table(rows))
    return 1 if any(r.errors for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
