"""Person suggestions while an officer types: latency and recall@5 over a large store.

    .venv/bin/python bench/person_search.py                          # 1,000,000 people, 3 runs of 1,000 queries
    .venv/bin/python bench/person_search.py --persons 50000 --queries 300 --runs 1   # a quick look

It starts its own embedded PostgreSQL in a temporary directory, migrates it and loads synthetic UK
people by COPY: names from Faker's en_GB lists (surnames weighted as Faker weights them), dates of
birth from 1935 to 2008, a current address (house number, street, town, a postcode shared with
about 25 other addresses), earlier addresses for 30%, a phone for 40% and another name for 5%.
Then it builds the suggestion index (`onbeat suggest reindex`, timed) and, for each run, picks
people at random and types each with one or two realistic entry errors: a typo (letter dropped,
doubled, swapped with the next, or a neighbouring key), a sound-alike spelling, a nickname (Bob
for Robert), given and family names swapped, day and month swapped, a field left out, or an
earlier address's postcode. Each query is the service call an API request makes
(`suggest.service.suggest_persons`, timed in-process); a sample also goes through HTTP (uvicorn,
one worker, bearer token, audited) to show what the HTTP layer adds.

recall@5: the share of queries whose true person is among the five suggestions shown.
Last line: `p95_ms=<x> recall_at_5=<y>` (medians over the runs).
"""

from __future__ import annotations

import argparse
import atexit
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from http_baseline import Server, percentile  # noqa: E402

INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
SOUNDS = [("ph", "f"), ("f", "ph"), ("ck", "k"), ("c", "k"), ("k", "c"), ("ee", "ea"), ("ea", "ee"), ("y", "ie"),
          ("ie", "y"), ("ou", "ow"), ("ow", "ou"), ("ai", "ay"), ("ay", "ai"), ("th", "t"), ("s", "z"), ("z", "s"),
          ("tt", "t"), ("ll", "l"), ("nn", "n"), ("mm", "m"), ("ss", "s"), ("son", "sen"), ("an", "en"),
          ("er", "ar"), ("i", "y"), ("ey", "y"), ("wr", "r"), ("kn", "n")]
ERRORS = ["typo_given", "typo_surname", "sound_surname", "sound_given", "nickname", "swap_names", "swap_day_month",
          "missing_dob", "missing_postcode", "missing_given", "old_address"]


# --- the synthetic store -----------------------------------------------------------------------------

def _pools(rng: random.Random, persons: int):
    from faker import Faker
    from faker.providers.person.en_GB import Provider

    fake = Faker("en_GB")
    fake.seed_instance(rng.randrange(1 << 30))
    first = list(Provider.first_names_male) + list(Provider.first_names_female)
    last = list(Provider.last_names.keys())
    last_w = list(Provider.last_names.values())
    streets = list({fake.street_name() for _ in range(6000)})
    towns = list({fake.city() for _ in range(1500)})
    n_postcodes = max(50, persons * 14 // 10 // 25)
    areas = ["RG", "SL", "OX", "HP", "GU", "SO", "PO", "BN", "TN", "ME", "CT", "SE", "SW", "N", "E", "W", "B", "M",
             "L", "LS", "S", "NG", "LE", "CV", "BS", "CF", "EX", "PL", "TR", "BA", "SN", "GL", "WR", "HR", "DY"]
    postcodes = set()
    while len(postcodes) < n_postcodes:
        postcodes.add(f"{rng.choice(areas)}{rng.randint(1, 40)} {rng.randint(0, 9)}"
                      f"{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}")
    return first, last, last_w, streets, towns, sorted(postcodes)


def _address(rng, streets, towns, postcodes) -> tuple[str, str]:
    number = rng.randint(1, 180)
    line = f"{number} {rng.choice(streets)}"
    if rng.random() < 0.12:
        line = f"Flat {rng.randint(1, 30)}, {line}"
    return f"{line}, {rng.choice(towns)}", rng.choice(postcodes)


def generate(persons: int, rng: random.Random):
    """Rows for the POLE tables, and each person's facts (for making queries)."""
    first, last, last_w, streets, towns, postcodes = _pools(rng, persons)
    surnames = rng.choices(last, weights=last_w, k=persons)
    start, span = date(1935, 1, 1).toordinal(), (date(2008, 12, 31) - date(1935, 1, 1)).days
    people = []
    for i in range(persons):
        addresses = [_address(rng, streets, towns, postcodes)]
        if rng.random() < 0.30:
            addresses += [_address(rng, streets, towns, postcodes) for _ in range(rng.choice((1, 1, 2)))]
        people.append({
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "given": rng.choice(first), "surname": surnames[i],
            "dob": date.fromordinal(start + rng.randrange(span)),
            "addresses": addresses,
            "phone": f"07{rng.randrange(10**9):09d}" if rng.random() < 0.4 else None,
            "alias": (rng.choice(first), rng.choice(last)) if rng.random() < 0.05 else None,
        })
    return people


def _copy(cur, table: str, columns: str, rows) -> None:
    with cur.copy(f"copy {table} ({columns}) from stdin") as copy:
        for row in rows:
            copy.write_row(row)


def load(people: list[dict], user_id: uuid.UUID) -> None:
    """COPY into the POLE tables, with their secondary indexes dropped during the load and rebuilt after."""
    from sqlalchemy import text

    from onbeat import db
    from onbeat.records.pole.service import fold

    tables = ("pole_persons", "pole_locations", "pole_person_addresses", "pole_person_phones", "pole_person_aliases")
    with db.session() as s:
        defs = s.execute(text("select indexname, indexdef from pg_indexes where tablename = any(:t) "
                              "and indexname not like 'pk_%' and indexname not like 'uq_%'"),
                         {"t": list(tables)}).all()
        for name, _ in defs:
            s.execute(text(f"drop index {name}"))
        s.commit()
        raw = s.connection().connection.dbapi_connection
        with raw.cursor() as cur:
            cur.execute("set session_replication_role = replica")  # no foreign-key triggers during the load
            _copy(cur, "pole_persons", "id, given_name, family_name, date_of_birth, search_name, created_by_id",
                  ((p["id"], p["given"], p["surname"], p["dob"],
                    " " + fold(" ".join([p["given"], p["surname"], *(p["alias"] or ())])) + " ", user_id)
                   for p in people))
            locations, links = [], []
            for p in people:
                for k, (address, postcode) in enumerate(p["addresses"]):
                    loc = uuid.uuid4()
                    locations.append((loc, address, postcode, user_id))
                    until = None if k == 0 else date(2020, 1, 1) - timedelta(days=400 * k)
                    links.append((uuid.uuid4(), p["id"], loc, None, until))
            _copy(cur, "pole_locations", "id, address, postcode, created_by_id", locations)
            _copy(cur, "pole_person_addresses", "id, person_id, location_id, from_date, to_date", links)
            _copy(cur, "pole_person_phones", "id, person_id, number",
                  ((uuid.uuid4(), p["id"], p["phone"]) for p in people if p["phone"]))
            _copy(cur, "pole_person_aliases", "id, person_id, given_name, family_name",
                  ((uuid.uuid4(), p["id"], *p["alias"]) for p in people if p["alias"]))
            cur.execute("set session_replication_role = origin")
        s.commit()
        for _, definition in defs:
            s.execute(text(definition))
        s.commit()
        for t in tables:
            s.execute(text(f"analyze {t}"))
        s.commit()


# --- entry errors ------------------------------------------------------------------------------------

def typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word + rng.choice("aeiou")
    i = rng.randrange(len(word))
    kind = rng.choice(("drop", "double", "swap", "key"))
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap" and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    c = word[i].lower()
    for row in KEYBOARD:
        if c in row:
            j = row.index(c)
            near = row[max(0, j - 1):j] + row[j + 1:j + 2]
            new = rng.choice(near)
            return word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1:]
    return word[:i] + word[i + 1:]


def sound_alike(rng: random.Random, word: str) -> str | None:
    low = word.lower()
    options = [(a, b) for a, b in SOUNDS if a in low[1:]]
    if not options:
        return None
    a, b = rng.choice(options)
    at = low.index(a, 1)
    out = low[:at] + b + low[at + len(a):]
    return out.capitalize()


def nicknames_of() -> dict[str, list[str]]:
    from onbeat.records.matching.normalise import NICKNAMES

    out: dict[str, list[str]] = {}
    for nick, formal in NICKNAMES.items():
        if nick != formal:
            out.setdefault(formal, []).append(nick)
    return out


def make_query(rng: random.Random, p: dict, nick: dict[str, list[str]]) -> tuple[dict, list[str]]:
    """The person as an officer might type them, with one or two entry errors."""
    q = {"given_name": p["given"], "surname": p["surname"], "date_of_birth": p["dob"], "postcode": p["addresses"][0][1]}
    made: list[str] = []
    wanted = 1 if rng.random() < 0.5 else 2
    tries = 0
    while len(made) < wanted and tries < 20:
        tries += 1
        e = rng.choice(ERRORS)
        if e in made:
            continue
        if e == "typo_given" and q["given_name"]:
            q["given_name"] = typo(rng, q["given_name"])
        elif e == "typo_surname" and q["surname"]:
            q["surname"] = typo(rng, q["surname"])
        elif e in ("sound_given", "sound_surname"):
            field = "given_name" if e == "sound_given" else "surname"
            if not q[field] or not (new := sound_alike(rng, q[field])):
                continue
            q[field] = new
        elif e == "nickname":
            forms = nick.get(p["given"].lower())
            if not forms or q["given_name"] != p["given"]:
                continue
            q["given_name"] = rng.choice(forms).capitalize()
        elif e == "swap_names":
            q["given_name"], q["surname"] = q["surname"], q["given_name"]
        elif e == "swap_day_month":
            d = q["date_of_birth"]
            if not d or d.day > 12 or d.day == d.month:
                continue
            q["date_of_birth"] = date(d.year, d.day, d.month)
        elif e == "missing_dob":
            q["date_of_birth"] = None
        elif e == "missing_postcode":
            q["postcode"] = None
        elif e == "missing_given":
            if "swap_names" in made:
                continue
            q["given_name"] = None
        elif e == "old_address":
            if len(p["addresses"]) < 2 or q["postcode"] is None:
                continue
            q["postcode"] = rng.choice(p["addresses"][1:])[1]
        else:
            continue
        made.append(e)
    return q, made


# --- measuring ---------------------------------------------------------------------------------------

def run_queries(queries: list[tuple[dict, list[str], uuid.UUID]]) -> tuple[list[float], float, Counter, Counter]:
    from onbeat import db
    from onbeat.records.suggest import service

    latencies, hits = [], 0
    by_error, seen = Counter(), Counter()
    with db.session() as s:
        for q, errors, truth in queries:
            pq = service.PersonQuery(**q)
            t0 = time.perf_counter()
            found = service.suggest_persons(s, pq, limit=5)
            latencies.append(time.perf_counter() - t0)
            s.rollback()
            hit = any(f.id == truth for f in found)
            hits += hit
            for e in errors:
                seen[e] += 1
                by_error[e] += hit
    return sorted(latencies), hits / len(queries), by_error, seen


def http_sample(queries, database_url: str, tmp: Path, user_token: str) -> list[float]:
    server = Server(database_url, 1, tmp / "uvicorn.log")
    try:
        out = []
        for q, _, _ in queries:
            params = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in q.items() if v}
            req = urllib.request.Request(
                f"http://127.0.0.1:{server.port}/api/records/persons/suggest?" + urllib.parse.urlencode(params),
                headers={"Authorization": f"Bearer {user_token}", "X-Purpose": "benchmark: stop-search draft"})
            t0 = time.perf_counter()
            with urllib.request.urlopen(req, timeout=30) as r:
                r.read()
                assert r.status == 200
            out.append(time.perf_counter() - t0)
        return sorted(out)
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000, help="queries per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--http", type=int, default=200, help="queries of the first run also sent through HTTP")
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="onbeat-bench-search-"))
    atexit.register(shutil.rmtree, tmp, True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    pg_server = None
    try:
        import os

        os.environ.pop("DATABASE_URL", None)
        from onbeat import db
        from onbeat.core.audit.service import Actor
        from onbeat.core.identity import service as identity

        print(f"Embedded PostgreSQL in {tmp} ...", flush=True)
        pg_server = db.embedded_server(tmp)
        url = db.embedded_url(tmp, "onbeat_bench")
        db.configure(url)
        from onbeat.migrate import upgrade

        upgrade()
        with db.session() as s:
            user = identity.create_user(s, Actor.system("benchmark"), username="pc9001", password="correct horse battery staple",
                                        given_name="Bench", family_name="Officer", rank="PC", roles=["officer"],
                                        collar_number="B9001")
            s.flush()
            token = identity.issue_token(s, user, "benchmark")[0]
            user_id = user.id
            s.commit()

        rng = random.Random(args.seed)
        t0 = time.perf_counter()
        people = generate(args.persons, rng)
        t_gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        load(people, user_id)
        t_load = time.perf_counter() - t0
        n_addr = sum(len(p["addresses"]) for p in people)
        print(f"Generated {args.persons:,} people ({n_addr:,} addresses) in {t_gen:.1f} s; loaded by COPY "
              f"(indexes rebuilt after) in {t_load:.1f} s", flush=True)

        from onbeat.records.suggest import index

        last = [0.0]

        def progress(what: str, done: int, total: int | None) -> None:
            now = time.perf_counter()
            if now - last[0] > 10 or (total and done == total):
                last[0] = now
                print(f"  index {what}: {done:,}" + (f" / {total:,}" if total else ""), flush=True)

        t0 = time.perf_counter()
        with db.session() as s:
            counts = index.rebuild(s, progress, what=("persons",))
        t_index = time.perf_counter() - t0
        print(f"Index built in {t_index:.1f} s: {counts}", flush=True)
        with db.session() as s:
            from sqlalchemy import text

            s.execute(text("analyze suggest_person_keys"))
            s.commit()
            size = s.execute(text("select pg_size_pretty(pg_total_relation_size('suggest_person_keys'))")).scalar()
        print(f"Index size (table and its b-trees): {size}", flush=True)

        nick = nicknames_of()
        results = []
        for run in range(args.runs):
            qrng = random.Random(args.seed + 1 + run)
            queries = []
            for p in qrng.sample(people, args.queries):
                q, errors = make_query(qrng, p, nick)
                queries.append((q, errors, p["id"]))
            run_queries(queries[:50])  # warm the caches
            lat, recall, by_error, seen = run_queries(queries)
            p50, p95, p99 = (percentile(lat, x) * 1000 for x in (0.5, 0.95, 0.99))
            results.append((p50, p95, p99, recall))
            print(f"run {run + 1}: {len(queries)} queries, service call p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
                  f"p99 {p99:.1f} ms, recall@5 {recall:.4f}", flush=True)
            print("   recall by error: " + ", ".join(f"{e} {by_error[e] / seen[e]:.3f} ({seen[e]})"
                                                    for e in ERRORS if seen[e]), flush=True)
            if run == 0 and args.http:
                http = http_sample(queries[:args.http], url.render_as_string(hide_password=False), tmp, token)
                print(f"   HTTP (uvicorn, 1 worker, audited): {len(http)} queries, p50 "
                      f"{percentile(http, 0.5) * 1000:.1f} ms, p95 {percentile(http, 0.95) * 1000:.1f} ms, "
                      f"p99 {percentile(http, 0.99) * 1000:.1f} ms", flush=True)
        med = [statistics.median(r[i] for r in results) for i in range(4)]
        print(f"\n{args.persons:,} people: service call p50 {med[0]:.1f} ms, p95 {med[1]:.1f} ms, p99 {med[2]:.1f} ms, "
              f"recall@5 {med[3]:.4f} (medians of {args.runs} runs of {args.queries} queries); index built in "
              f"{t_index:.0f} s")
        print(f"p95_ms={med[1]:.2f} recall_at_5={med[3]:.4f}")
        return 0
    except KeyboardInterrupt:
        print("\nInterrupted; stopping everything.", file=sys.stderr)
        return 130
    finally:
        db_mod = sys.modules.get("onbeat.db")
        if db_mod is not None:
            db_mod.engine().dispose()
        if pg_server is not None:
            pg_server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
