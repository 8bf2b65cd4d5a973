"""Records submission: complete stop-search and MG11 records sent by devices over a bad signal.

    .venv/bin/python bench/records_submit.py                       # 1 and 2 workers, 16 clients, 20 s each
    .venv/bin/python bench/records_submit.py --workers 1 --duration 5 --warmup 2   # a quick look

It starts its own embedded PostgreSQL in a temporary directory, migrates it, makes 16 officers
(one per client, each with a bearer token) and an admin, and serves the app with uvicorn in a
subprocess, as `http_baseline.py` does. Sixteen clients, each on its own keep-alive connection,
then send complete records for the run's duration. Every request is sent twice with the same
client UUID, one after the other, as a device does when the answer to its first try is lost: the
first must answer 201 (created), the second 200 with the same record.

  stop-search   POST /api/records/stop-searches: every PACE Code A 4.3 field; a third of the
                people give their name (a POLE person and link), a third of the searches are of a
                vehicle (a POLE vehicle and link)
  MG11          POST /api/statements (a witness, the statement's text, the witness-private part),
                then POST /api/statements/{id}/signatures for every page and the declaration,
                each with a signature of about 2 KB of strokes: a record is complete when sealed
  anchor        POST /api/audit-probe: one audited write and one event, no retry (as measured in
                http_baseline.py), in the same run

Printed: complete records per second, p50 and p99 of every HTTP request (first tries and retries
apart), errors, and the duplicates counted in the database after each run: records per client UUID
sent, detail rows per record, creation events per record, POLE links and signatures per record.
The duplicates must be 0. Everything started here is stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import http_baseline as baseline  # noqa: E402  (the same server, CPU and PostgreSQL helpers)

PASSWORD = baseline.PASSWORD
PLATE_LETTERS = "ABCDEFGHJKLMNPRSTVWXY"


# --- a minimal HTTP/1.1 keep-alive client (cheap, so the server is what is measured) ------------

class Connection:
    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 22)

    async def send(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept: application/json\r\n"
                f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        if self.writer is None:
            await self.open()
        self.writer.write(head + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            end = lower.index(b"\r\n", at + 2)
            data = await self.reader.readexactly(int(head[at + 17:end]))
        else:  # chunked
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readexactly(2)
            data = b"".join(parts)
        if b"\r\nconnection: close" in lower:
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Tally:
    first: list[float] = field(default_factory=list)    # seconds, the first try of each request
    retry: list[float] = field(default_factory=list)    # seconds, the same request sent again
    records: int = 0                                    # complete records finished inside the window
    errors: list[str] = field(default_factory=list)
    uuids: list[str] = field(default_factory=list)      # every client UUID sent
    expected: dict[str, int] = field(default_factory=dict)  # what the database must then hold


class Unexpected(Exception):
    pass


async def twice(conn: Connection, tally: Tally, method: str, path: str, payload: dict, created: int = 201) -> dict:
    """Send one request, then the same again (its answer was 'lost'): `created`, then 200, same record."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    answers = []
    for attempt, want, times in ((1, created, tally.first), (2, 200, tally.retry)):
        start = time.perf_counter()
        status, data = await conn.send(method, path, body)
        times.append(time.perf_counter() - start)
        if status != want:
            raise Unexpected(f"{method} {path} try {attempt}: {status} (wanted {want}) {data[:300]!r}")
        answers.append(json.loads(data))
    if _identity(answers[0]) != _identity(answers[1]):
        raise Unexpected(f"{method} {path}: the retry answered a different record")
    return answers[1]


def _identity(answer: dict) -> str:
    return answer.get("id") or answer.get("record", {}).get("id") or json.dumps(answer, sort_keys=True)


# --- the records ----------------------------------------------------------------------------------

GROUNDS = ("Strong smell of cannabis from his clothing, and he pushed a small bag into his waistband as soon "
           "as he saw officers approach.")
STATEMENT = ("I am the manager of the Co-op on Broad Street. At about 14:05 today I saw a man in a grey hooded top "
             "take four bottles of spirits from the shelf by the tills and put them inside his coat. He walked past "
             "the tills without paying and left by the main door. I followed him onto the pavement and asked him to "
             "come back; he pushed me in the chest with both hands and ran towards the bus station. I did not give "
             "anyone permission to take the bottles, which were worth about eighty pounds. ") * 3


def stop_search(rng: random.Random, n: int) -> tuple[dict, dict]:
    """A complete stop-search record, and what it must leave in the database (links)."""
    now = datetime.now(timezone.utc)
    named, vehicle = n % 3 == 0, n % 3 == 1
    body = {
        "client_uuid": str(uuid.uuid4()), "occurred_at": (now - timedelta(minutes=rng.randint(5, 90))).isoformat(),
        "place": f"{rng.choice(['High', 'Broad', 'Station', 'Market'])} Street, by number {rng.randint(1, 200)}",
        "latitude": 51.45 + rng.random() / 50, "longitude": -0.98 + rng.random() / 50,
        "search_type": "person_and_vehicle" if vehicle else "person",
        "vehicle_registration": "".join(rng.choices(PLATE_LETTERS, k=2)) + f"{rng.randint(10, 99)}"
        + "".join(rng.choices(PLATE_LETTERS, k=3)) if vehicle else None,
        "self_defined_ethnicity": rng.choice(["W1", "W2", "B1", "B2", "A1", "A2", "M1", "O9", "NS"]),
        "gender": rng.choice(["male", "female"]), "age_range": rng.choice(["10_17", "18_24", "25_34", "over_34"]),
        "object_of_search": "controlled_drugs", "power": "mda_s23", "grounds": GROUNDS,
        "other_officers": [f"{rng.randint(1000, 9999)}"],
        "outcome": "drugs_warning", "outcome_linked_to_object": True, "anything_found": True,
        "found_detail": "A small bag of herbal cannabis, about 2 g", "injury_or_damage": False,
        "name_given": named, "person": {"given_name": "Sam", "family_name": f"Bench{n}"} if named else None,
        "clothing_removed": "outer", "receipt_method": "sms", "receipt_contact": f"07700 9{rng.randint(0, 99999):05d}",
    }
    return body, {"links": int(named) + int(vehicle)}


def signature(rng: random.Random) -> dict:
    """About 2 KB of strokes: three strokes of 24 points across a 400 x 150 box."""
    strokes, t = [], 0.0
    for s in range(3):
        stroke, x0 = [], 20 + 120 * s
        for i in range(24):
            t += 12 + rng.random() * 5
            stroke.append({"x": round(x0 + i * 4 + rng.random() * 2, 1),
                           "y": round(75 + 45 * ((-1) ** i) * rng.random(), 1), "t": round(t, 1)})
        strokes.append(stroke)
        t += 150
    return {"width": 400, "height": 150, "strokes": strokes}


def mg11_statement(rng: random.Random, n: int) -> dict:
    """A complete witness statement (MG11) as a device sends it first, before the signatures."""
    return {
        "kind": "witness_statement", "client_uuid": str(uuid.uuid4()),
        "occurred_at": (datetime.now(timezone.utc) - timedelta(minutes=rng.randint(5, 60))).isoformat(),
        "place": "Co-op, Broad Street", "latitude": 51.455, "longitude": -0.975,
        "witness": {"given_name": "Jordan", "family_name": f"Witness{n}", "date_of_birth": "1985-04-12",
                    "address": "12 Oxford Road, Reading", "postcode": "RG1 7LB"},
        "occupation": "Shop manager", "text": STATEMENT,
        "witness_private": {"mobile_phone": "07700 900456", "preferred_contact": "Mobile, after 5 pm",
                            "consent_witness_care": True},
    }


async def submit_stop_search(conn: Connection, tally: Tally, rng: random.Random, n: int) -> None:
    body, expected = stop_search(rng, n)
    tally.uuids.append(body["client_uuid"])
    await twice(conn, tally, "POST", "/api/records/stop-searches", body)
    tally.expected[body["client_uuid"]] = expected["links"]


async def submit_mg11(conn: Connection, tally: Tally, rng: random.Random, n: int) -> None:
    """The MG11 record: the statement, then its signatures (every page, then the declaration)."""
    body = mg11_statement(rng, n)
    tally.uuids.append(body["client_uuid"])
    made = await twice(conn, tally, "POST", "/api/statements", body)
    record_id = made["record"]["id"]
    pages = [p["number"] for p in made["pages"]] + ["declaration"]
    tally.expected[body["client_uuid"]] = len(pages)
    for page in pages:
        signed = await twice(conn, tally, "POST", f"/api/statements/{record_id}/signatures",
                             {"page": page, "signer": "witness", **signature(rng)})
    if not signed["sealed"]:
        raise Unexpected(f"MG11 {record_id} is not sealed after every page and the declaration were signed")


async def probe(conn: Connection, tally: Tally, rng: random.Random, n: int) -> None:
    start = time.perf_counter()
    status, data = await conn.send("POST", "/api/audit-probe", b'{"note":"records bench anchor"}')
    tally.first.append(time.perf_counter() - start)
    if status != 201:
        raise Unexpected(f"audit-probe: {status} {data[:200]!r}")


KINDS = {"stop-search": submit_stop_search, "MG11": submit_mg11, "audit-probe (anchor)": probe}


async def drive(port: int, tokens: list[str], submit, duration: float, seed: int) -> tuple[Tally, float, float]:
    """Each token's client sends complete records until the window closes (a record under way is
    finished, but counted only if it finished inside the window). Returns (tally, seconds until the
    last request was answered, client CPU seconds)."""
    tally = Tally()
    conns = [Connection(port, t) for t in tokens]
    for c in conns:
        await c.open()
    cpu = time.process_time()
    begin = time.perf_counter()
    deadline = begin + duration

    async def client(i: int, conn: Connection) -> None:
        rng = random.Random(seed * 1000 + i)
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            try:
                await submit(conn, tally, rng, i * 1_000_000 + n)
            except (Unexpected, OSError, asyncio.IncompleteReadError) as exc:
                tally.errors.append(str(exc))
                conn.close()
                continue
            if time.perf_counter() <= deadline:
                tally.records += 1

    await asyncio.gather(*(client(i, c) for i, c in enumerate(conns)))
    elapsed = time.perf_counter() - begin  # the window, and the records under way at its close
    for c in conns:
        c.close()
    return tally, elapsed, time.process_time() - cpu


# --- the database: users first, duplicates after ---------------------------------------------------

def prepare(data_dir: Path, clients: int) -> tuple[str, list[str], str]:
    """Migrated database with `clients` officers and an admin: (url, officer tokens, admin token)."""
    from onbeat import db
    from onbeat.core.audit.service import Actor
    from onbeat.core.identity import service
    from onbeat.core.identity.passwords import hash_password
    from onbeat.migrate import upgrade

    url = db.embedded_url(data_dir, "onbeat_records_bench")
    db.configure(url)
    upgrade()
    hashed = hash_password(PASSWORD)
    tokens = []
    with db.session() as s:
        actor = Actor.system("benchmark")
        for i in range(clients):
            officer = service.create_user(s, actor, username=f"b{i:04d}", password=PASSWORD, password_hash=hashed,
                                          given_name="Bench", family_name=f"Officer{i}", rank="PC",
                                          roles=["officer"], collar_number=f"B{i:04d}")
            s.flush()
            tokens.append(service.issue_token(s, officer, "records benchmark")[0])
        admin = service.create_user(s, actor, username="bench-admin", password=PASSWORD, password_hash=hashed,
                                    given_name="Bench", family_name="Admin", rank="Staff", roles=["admin"],
                                    staff_number="BA0001")
        s.flush()
        admin_token = service.issue_token(s, admin, "records benchmark")[0]
        s.commit()
    db.engine().dispose()
    return url.render_as_string(hide_password=False), tokens, admin_token


DUPLICATES = {
    # kind -> SQL returning one row of counts whose sum must be 0; :uuids are the client UUIDs sent.
    "stop-search": """
        with sent as (select unnest(cast(:uuids as uuid[])) as client_uuid),
             made as (select r.* from records r join sent using (client_uuid))
        select (select count(*) from made) - (select count(distinct client_uuid) from made) as records,
               (select count(*) from stop_searches s join made m on m.id = s.record_id) - (select count(*) from made)
                   as details,
               (select count(*) from event_outbox e join made m on e.payload->>'id' = m.id::text
                 where e.subject = 'onbeat.records.stop_search_recorded') - (select count(*) from made) as events,
               (select count(*) from record_links l join made m on m.id = l.record_id) - :links as links,
               (select count(*) from sent) - (select count(*) from made) as missing""",
    "MG11": """
        with sent as (select unnest(cast(:uuids as uuid[])) as client_uuid),
             made as (select r.* from records r join sent using (client_uuid))
        select (select count(*) from made) - (select count(distinct client_uuid) from made) as records,
               (select count(*) from statements s join made m on m.id = s.record_id) - (select count(*) from made)
                   as details,
               (select count(*) from statement_signatures g join made m on m.id = g.record_id) - :links
                   as signatures,
               (select count(*) from record_links l join made m on m.id = l.record_id) - (select count(*) from made)
                   as links,
               (select count(*) from sent) - (select count(*) from made) as missing""",
}


def duplicates(database_url: str, kind: str, tally: Tally) -> dict[str, int]:
    """What the database holds beyond (or short of) what was sent once: every value must be 0.
    Client UUIDs of records a client gave up on (an error) are left out."""
    if kind not in DUPLICATES:
        return {}
    from sqlalchemy import create_engine, text

    failed = {u for u in tally.uuids if u not in tally.expected}
    uuids = [u for u in tally.uuids if u not in failed]
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text(DUPLICATES[kind]), {"uuids": uuids, "links": sum(tally.expected.values())}).one()
    finally:
        engine.dispose()
    return dict(row._mapping)


# --- the measurement ---------------------------------------------------------------------------

@dataclass
class Row:
    workers: int
    kind: str
    records_per_s: float
    requests_per_s: float
    p50_ms: float
    p99_first_ms: float
    p99_retry_ms: float | None
    errors: int
    dupes: dict[str, int]
    cpu: tuple[float, float, float, float]


def measure(workers: int, args, database_url: str, tokens: list[str], admin_token: str, pg_server,
            tmp: Path) -> list[Row]:
    server = baseline.Server(database_url, workers, tmp / f"uvicorn-{workers}.log")
    rows = []
    try:
        print(f"\n{workers} worker(s) on port {server.port}: warm-up {args.warmup:g} s", flush=True)
        for kind, submit in KINDS.items():
            clients = tokens if submit is not probe else [admin_token] * len(tokens)
            asyncio.run(drive(server.port, clients, submit, args.warmup / len(KINDS), seed=0))
        for kind, submit in KINDS.items():
            clients = tokens if submit is not probe else [admin_token] * len(tokens)
            if args.quiet_wait:
                idle_busy = baseline.wait_for_quiet(args.quiet_wait)
                if idle_busy > 0.3:
                    print(f"  (machine still busy before this run: {idle_busy:.2f} cores)", flush=True)
            serving = server.workers()
            s0, p0, b0 = baseline.cpu_seconds(serving), baseline.postgres_cpu(pg_server), baseline.busy_seconds()
            tally, elapsed, client_cpu = asyncio.run(drive(server.port, clients, submit, args.duration,
                                                           seed=workers))
            s1, p1, b1 = baseline.cpu_seconds(server.workers()), baseline.postgres_cpu(pg_server), baseline.busy_seconds()
            cores = (baseline.used(s0, s1) / elapsed, (p1 - p0) / elapsed, client_cpu / elapsed)
            other = max(0.0, (b1 - b0) / elapsed - sum(cores))  # other programs on the machine meanwhile
            everything = sorted(tally.first + tally.retry)
            row = Row(workers, kind, tally.records / args.duration, len(everything) / elapsed,
                      baseline.percentile(everything, 0.5) * 1000,
                      baseline.percentile(sorted(tally.first), 0.99) * 1000,
                      baseline.percentile(sorted(tally.retry), 0.99) * 1000 if tally.retry else None,
                      len(tally.errors), duplicates(database_url, kind, tally),
                      (*cores, other))
            rows.append(row)
            dupes = sum(row.dupes.values()) if row.dupes else "-"
            print(f"  {kind:<22} {row.records_per_s:7.1f} records/s  {row.requests_per_s:7.1f} req/s  "
                  f"p50 {row.p50_ms:6.1f} ms  p99 {row.p99_first_ms:6.1f} ms (retries "
                  f"{row.p99_retry_ms or 0:6.1f} ms)  errors {row.errors}  duplicates {dupes} {row.dupes or ''}  "
                  f"other CPU {other:.2f}",
                  flush=True)
            for message in tally.errors[:3]:
                print(f"    error: {message}", flush=True)
    finally:
        server.stop()
    return rows


def table(rows: list[Row]) -> str:
    anchors = {r.workers: r.requests_per_s for r in rows if r.kind.startswith("audit-probe")}
    out = [f"| workers | record | complete records/s | HTTP requests/s | p50 ms | p99 ms first try | "
           f"p99 ms retry | requests/s vs audit-probe | errors | duplicates in the database | "
           f"CPU cores busy: server / PostgreSQL / client / other |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        ratio = r.requests_per_s / anchors[r.workers] if anchors.get(r.workers) else float("nan")
        dupes = str(sum(r.dupes.values())) if r.dupes else "—"
        retry = f"{r.p99_retry_ms:.1f}" if r.p99_retry_ms is not None else "—"
        out.append(f"| {r.workers} | {r.kind} | {r.records_per_s:,.1f} | {r.requests_per_s:,.1f} | {r.p50_ms:.1f} | "
                   f"{r.p99_first_ms:.1f} | {retry} | {ratio:.2f} | {r.errors} | {dupes} | "
                   f"{r.cpu[0]:.2f} / {r.cpu[1]:.2f} / {r.cpu[2]:.2f} / {r.cpu[3]:.2f} |")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="uvicorn worker counts")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (officers), one connection each")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per record kind")
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds of uncounted load first, over all kinds")
    parser.add_argument("--quiet-wait", type=float, default=30, metavar="SECONDS",
                        help="before each run, wait up to this long for other programs to leave the cores idle")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="onbeat-records-bench-"))
    atexit.register(shutil.rmtree, tmp, True)  # before PostgreSQL starts: runs after its exit handler

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
        database_url, tokens, admin_token = prepare(tmp, args.clients)
        for workers in args.workers:
            rows += measure(workers, args, database_url, tokens, admin_token, pg_server, tmp)
    except KeyboardInterrupt:
        print("\nInterrupted; stopping everything.", file=sys.stderr)
        return 130
    finally:
        if pg_server is not None:
            pg_server.cleanup()

    print(f"\n{args.clients} clients, one keep-alive connection each; every request sent twice with the same "
          f"client UUID (the second answered 200 with the same record); {args.duration:g} s per row after "
          f"{args.warmup:g} s warm-up. {os.cpu_count()} cores shared by clients, server and PostgreSQL.\n")
    print(table(rows))
    bad = any(r.errors or (r.dupes and any(r.dupes.values())) for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
