"""Batch deduplication and linkage of person records with Splink on DuckDB.

    from onbeat.records.matching.dedupe import cluster, link

    result = cluster(rows)                    # rows: DataFrame or iterable of dicts
    result.clusters["17"]                     # → cluster id of row "17" (every input id is a key)
    result.pairs[0]                           # → Pair(left_id, right_id, probability, match_weight)

    linked = link(left_rows, right_rows, one_to_one=True)

Rows have the columns id, given_name, surname, date_of_birth and any of address_1, address_2,
street_number, town (or suburb), postcode, county (or state), phone, identifier (or ni_number,
pnc_id, soc_sec_id); other columns are ignored and
any value may be missing. `id` must be present and unique (compared as text).

How: every row is normalised (`comparisons.prepare`), loaded into an in-memory DuckDB, and Splink
scores the pairs that share at least one blocking key (`BLOCKING`) with the comparisons of
`comparisons.COMPARISONS` — the same comparisons the real-time suggestions use — and the model's
m/u parameters (trained on these rows by EM when `train=True`, else the given or current model).
Pairs at or above the threshold are joined into clusters (connected components); a cluster's id
is the smallest id in it (in text order), so re-running on the same file gives the same ids.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, NamedTuple

import pandas as pd

from onbeat.core.errors import BadRequest
from onbeat.records.matching.comparisons import COLUMNS, prepare, splink_comparisons
from onbeat.records.matching.model import MatchModel, Progress, default_model, quiet_splink, train as train_model

__all__ = ["Pair", "DedupeResult", "LinkResult", "BLOCKING", "BLOCKING_RULES", "blocking_for", "prepare_frame",
           "cluster", "link", "best_links", "splink_linker", "connected_components"]

log = logging.getLogger(__name__)

def _k(left: str, right: str | None = None) -> tuple[str, str]:
    """One equality of a blocking rule: an expression over the left record and one over the right
    (`{t}` stands for the table alias)."""
    def expr(c: str) -> str:
        return c if "{t}" in c else '{t}."' + c + '"'
    return expr(left), expr(right or left)


Rule = tuple[tuple[str, str], ...]

# The pairs scored: those sharing at least one of these keys (Splink blocking rules over the
# prepared columns). Between them a true pair with one or two entry errors shares a key.
BLOCKING_RULES: tuple[Rule, ...] = (
    (_k("given"), _k("surname_ph")),
    (_k("surname"),),
    (_k("dob"),),
    (_k("postcode"), _k("house_number")),
    (_k("town"), _k("street")),
    (_k("given", "surname"), _k("surname", "given")),
    (_k("dob", "dob_swap"),),
    (_k("given_ph"), _k('substr({t}."dob", 1, 4)')),
    (_k("phone"),),
    (_k("identifier"),),
)
# A rule that would make more pairs than this (per record, and at least PAIR_BUDGET_MIN) on the
# data at hand is tightened with these, in turn, until it does not: so "same surname" stays
# useful on 5,000 records and does not make 10^8 pairs on a million.
PAIRS_PER_RECORD = 20
PAIR_BUDGET_MIN = 1_000_000
TIGHTENERS: tuple[tuple[str, str], ...] = (
    _k('substr({t}."dob", 1, 3)'),
    _k('substr({t}."given", 1, 1)'),
    _k('substr({t}."dob", 1, 4)'),
    _k("postcode_district"),
)


def rule_sql(rule: Rule) -> str:
    """A blocking rule as Splink SQL: `l.a = r.b AND ...`."""
    return " AND ".join(f"{a.format(t='l')} = {b.format(t='r')}" for a, b in rule)


BLOCKING: tuple[str, ...] = tuple(rule_sql(r) for r in BLOCKING_RULES)


def blocking_for(frames: list[pd.DataFrame], rules: Iterable[Rule] = BLOCKING_RULES) -> list[str]:
    """The blocking rules for this data: each rule as is, or tightened (see `TIGHTENERS`) when it
    would make more than the pair budget. Pair counts are computed exactly from key frequencies in
    DuckDB (cheap: one GROUP BY per rule)."""
    import duckdb

    n = sum(len(f) for f in frames)
    budget = max(PAIR_BUDGET_MIN, PAIRS_PER_RECORD * n)
    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 2")
    left, right = frames[0], frames[-1]
    con.register("lf", left)
    con.register("rf", right)
    dedupe = len(frames) == 1
    out = []
    for rule in rules:
        current = tuple(rule)
        for tightener in (None, *TIGHTENERS):
            if tightener is not None:
                current = current + (tightener,)
            if _pairs(con, current, dedupe) <= budget:
                out.append(rule_sql(current))
                break
        else:
            log.info("blocking rule dropped, too many pairs even tightened: %s", rule_sql(rule))
    return out


def _pairs(con, rule: Rule, dedupe: bool) -> int:
    lk = ", ".join(f"{a.format(t='lf')} AS k{i}" for i, (a, _b) in enumerate(rule))
    rk = ", ".join(f"{b.format(t='rf')} AS k{i}" for i, (_a, b) in enumerate(rule))
    keys = ", ".join(f"k{i}" for i in range(len(rule)))
    notnull = " AND ".join(f"k{i} IS NOT NULL" for i in range(len(rule)))
    sql = (f"WITH a AS (SELECT {keys}, count(*) AS c FROM (SELECT {lk} FROM lf) WHERE {notnull} GROUP BY ALL), "
           f"b AS (SELECT {keys}, count(*) AS c FROM (SELECT {rk} FROM rf) WHERE {notnull} GROUP BY ALL) "
           f"SELECT coalesce(sum(a.c * b.c), 0) FROM a JOIN b USING ({keys})")
    total = con.execute(sql).fetchone()[0]
    return int(total // 2 if dedupe else total)


# Fewer rows than this: EM is not run; the given model is used. EM on a few hundred rows gives
# rough estimates: callers that train on a store decide their own, higher, minimum (the store's
# dedupe trains from 1,000 people).
MIN_TRAIN_ROWS = 50

_ALIASES = {"suburb": "town", "city": "town", "state": "county", "surname": "surname",
            "family_name": "surname", "last_name": "surname", "first_name": "given_name",
            "forename": "given_name", "dob": "date_of_birth", "phone_number": "phone",
            "telephone": "phone", "post_code": "postcode", "rec_id": "id", "ni_number": "identifier",
            "national_insurance_number": "identifier", "pnc_id": "identifier", "soc_sec_id": "identifier"}


class Pair(NamedTuple):
    """Two records judged likely the same person (left_id < right_id in text order for `cluster`;
    left from the first file for `link`)."""
    left_id: str
    right_id: str
    probability: float
    match_weight: float


@dataclass
class DedupeResult:
    """What `cluster` found. Unpacks as `(pairs, clusters)`.

    `pairs`: every scored pair at or above the threshold, best first. `clusters`: every input id →
    its cluster id (a singleton is its own cluster). `model`: the parameters used (trained on the
    rows when `train=True`; save it with `model.save` to make it the current version).
    `trained`: whether the model was re-estimated on these rows (`train=True` and at least
    `MIN_TRAIN_ROWS` rows). `seconds`: wall time by stage."""
    pairs: list[Pair]
    clusters: dict[str, str]
    model: MatchModel
    seconds: dict[str, float] = field(default_factory=dict)
    trained: bool = False

    def __iter__(self):
        return iter((self.pairs, self.clusters))

    def groups(self) -> dict[str, list[str]]:
        """cluster id → its member ids, for clusters of two or more."""
        out: dict[str, list[str]] = {}
        for rid, cid in self.clusters.items():
            out.setdefault(cid, []).append(rid)
        return {k: sorted(v) for k, v in out.items() if len(v) > 1}


@dataclass
class LinkResult:
    """What `link` found: pairs (left id from the first file, right id from the second), best first.
    `above_threshold`: every pair at or above the threshold before the one-to-one step (the same
    as `pairs` without `one_to_one`)."""
    pairs: list[Pair]
    model: MatchModel
    seconds: dict[str, float] = field(default_factory=dict)
    above_threshold: list[Pair] = field(default_factory=list)

    def __iter__(self):
        return iter((self.pairs, self.model))


def prepare_frame(rows: Any, *, source: str = "rows") -> pd.DataFrame:
    """Normalise rows into the frame Splink reads: `unique_id` (the id as text) and `COLUMNS`.

    Accepts a DataFrame or an iterable of dicts; column names are matched case-insensitively with
    common aliases (suburb → town, state → county, dob → date_of_birth, ...). `street_number`,
    when present, is put in front of `address_1`; `address_2` is used when `address_1` is empty.
    Raises `BadRequest` (naming the row, counting from 1) when an id is missing or repeated.
    """
    if isinstance(rows, pd.DataFrame):
        if "unique_id" in rows.columns and all(c in rows.columns for c in COLUMNS):
            return rows  # already prepared
        df = rows
    else:
        df = pd.DataFrame(list(rows))
    df = df.rename(columns=lambda c: _ALIASES.get(str(c).strip().lower(), str(c).strip().lower()))
    df = df.loc[:, ~df.columns.duplicated()]
    if len(df) == 0:
        return pd.DataFrame(columns=["unique_id", *COLUMNS])
    if "id" not in df.columns:
        raise BadRequest(f"The {source} have no id column.", field="id",
                         hint="Give every row a unique id in a column named id.")

    def col(name: str) -> list:
        if name not in df.columns:
            return [None] * len(df)
        return [None if _missing(v) else v for v in df[name].tolist()]

    ids = col("id")
    seen: dict[str, int] = {}
    for i, v in enumerate(ids, start=1):
        if v is None or not str(v).strip():
            raise BadRequest(f"Row {i} of the {source} has no id.", field="id", hint="Every row needs an id.")
        key = _id_text(v)
        if key in seen:
            raise BadRequest(f"Row {i} of the {source} repeats id {key!r} (first on row {seen[key]}).",
                             field="id", hint="Ids must be unique.")
        seen[key] = i
    numbers, a1, a2 = col("street_number"), col("address_1"), col("address_2")
    address = []
    for num, x, y in zip(numbers, a1, a2):
        line = x if x is not None and str(x).strip() else y
        if num is not None and str(num).strip():
            num = _id_text(num)
            line = f"{num} {line}" if line is not None else num
        address.append(line)
    prepared = [prepare(g, s, d, p, a, t, ph, x) for g, s, d, p, a, t, ph, x in zip(
        col("given_name"), col("surname"), col("date_of_birth"), col("postcode"), address, col("town"),
        col("phone"), col("identifier"))]
    out = pd.DataFrame.from_records(prepared, columns=list(COLUMNS))
    out["given_forms"] = [list(v) if v else None for v in out["given_forms"]]
    out.insert(0, "unique_id", [_id_text(v) for v in ids])
    return out


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, str):
        return False
    if isinstance(v, float):
        return v != v
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _id_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def splink_linker(frames: pd.DataFrame | list[pd.DataFrame], model: MatchModel, *,
                  blocking: Iterable[str] = BLOCKING, link_type: str | None = None,
                  retain_intermediate: bool = False, fix_m: frozenset[tuple[str, str]] = frozenset()):
    """A Splink `Linker` over prepared frame(s) in a fresh in-memory DuckDB, with our comparisons.

    The model's m/u and prior are set on the levels, ready to predict (or as EM's starting point).
    `link_type` defaults to "dedupe_only" for one frame and "link_only" for two.
    `retain_intermediate=True` keeps each comparison's match weight (`mw_<comparison>`) in predictions.
    `fix_m`: (comparison, level) pairs whose m training leaves as the model has it."""
    import duckdb
    from splink import DuckDBAPI, Linker

    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 2")
    api = DuckDBAPI(connection=con)
    frames = frames if isinstance(frames, list) else [frames]
    link_type = link_type or ("dedupe_only" if len(frames) == 1 else "link_only")
    settings = {
        "link_type": link_type,
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": model.prior,
        "comparisons": splink_comparisons(model.comparisons, fix_m=fix_m),
        "blocking_rules_to_generate_predictions": list(blocking),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": retain_intermediate,
        "additional_columns_to_retain": [],
    }
    tables = [api.register(f, table_name=f"people_{i}") for i, f in enumerate(frames)]
    return Linker(tables if len(tables) > 1 else tables[0], settings, log_level=None)


def _predict(linker, threshold: float) -> list[Pair]:
    with quiet_splink():
        df = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    pairs = [Pair(str(a), str(b), float(p), float(w)) for a, b, p, w in zip(
        df["unique_id_l"], df["unique_id_r"], df["match_probability"], df["match_weight"])]
    pairs.sort(key=lambda p: (-p.match_weight, p.left_id, p.right_id))
    return pairs


def cluster(rows: Any, model: MatchModel | None = None, train: bool = True, *,
            threshold: float | None = None, progress: Progress | None = None) -> DedupeResult:
    """Find the records that describe the same person within one set of rows.

    `model`: parameters to use (default: the shipped default model; pass `current_model(db)` for the
    store's). `train=True` re-estimates them on these rows by EM first (starting from `model`), so
    the model learns the store's own data; with fewer than `MIN_TRAIN_ROWS` rows EM has too little
    to learn from and `model` is used as it is (`result.trained` says which happened). `threshold`: the
    match probability at which two records are joined (default: the model's).
    `progress(stage, done, total)` is called as it goes. Raises `BadRequest` for a missing or
    repeated id. Returns `DedupeResult` (unpacks as `(pairs, clusters)`).
    """
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    _say(progress, "reading rows", 0, 4)
    frame = prepare_frame(rows)
    seconds["prepare"] = time.perf_counter() - t0
    model = model or default_model()
    ids = frame["unique_id"].tolist()
    if len(frame) < 2:
        return DedupeResult([], {i: i for i in ids}, model, seconds)
    trained = train and len(frame) >= MIN_TRAIN_ROWS
    if trained:
        t = time.perf_counter()
        _say(progress, "training the model (EM)", 1, 4)
        model = train_model(frame, base=model, threshold=threshold or model.threshold,
                            trained_on=f"{len(frame):,} rows being deduplicated")
        seconds["train"] = time.perf_counter() - t
    threshold = threshold or model.threshold
    t = time.perf_counter()
    _say(progress, "scoring pairs", 2, 4)
    pairs = _predict(splink_linker(frame, model, blocking=blocking_for([frame])), threshold)
    pairs = [p if p.left_id <= p.right_id else Pair(p.right_id, p.left_id, p.probability, p.match_weight)
             for p in pairs]
    seconds["predict"] = time.perf_counter() - t
    t = time.perf_counter()
    _say(progress, "clustering", 3, 4)
    clusters = connected_components(ids, ((p.left_id, p.right_id) for p in pairs))
    seconds["cluster"] = time.perf_counter() - t
    _say(progress, "done", 4, 4)
    return DedupeResult(pairs, clusters, model, seconds, trained)


def link(left: Any, right: Any, model: MatchModel | None = None, train: bool = True, *,
         threshold: float | None = None, one_to_one: bool = False,
         progress: Progress | None = None) -> LinkResult:
    """Find the records of `left` and `right` that describe the same person (two files, e.g. FEBRL4).

    Ids need only be unique within each file. `one_to_one=True` says each file is already free of
    duplicates, so each record links to at most one record of the other file: the best-scoring
    pairs are kept first (greedy), which removes the near misses beside a true link.
    """
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    _say(progress, "reading rows", 0, 4)
    lf, rf = prepare_frame(left, source="first file"), prepare_frame(right, source="second file")
    seconds["prepare"] = time.perf_counter() - t0
    model = model or default_model()
    if len(lf) == 0 or len(rf) == 0:
        return LinkResult([], model, seconds)
    if train and len(lf) + len(rf) >= MIN_TRAIN_ROWS:
        t = time.perf_counter()
        _say(progress, "training the model (EM)", 1, 4)
        model = _train_link(lf, rf, model, threshold)
        seconds["train"] = time.perf_counter() - t
    threshold = threshold or model.threshold
    t = time.perf_counter()
    _say(progress, "scoring pairs", 2, 4)
    # Splink names the sides by table order: "_l" is always from the first frame in link_only.
    pairs = _predict(splink_linker([lf, rf], model, blocking=blocking_for([lf, rf])), threshold)
    above = pairs
    seconds["predict"] = time.perf_counter() - t
    if one_to_one:
        t = time.perf_counter()
        _say(progress, "keeping the best link of each record", 3, 4)
        pairs = best_links(pairs)
        seconds["one_to_one"] = time.perf_counter() - t
    _say(progress, "done", 4, 4)
    return LinkResult(pairs, model, seconds, above)


def _train_link(lf: pd.DataFrame, rf: pd.DataFrame, base: MatchModel, threshold: float | None) -> MatchModel:
    # Both files together as one dedupe problem: the same comparisons, twice as many random pairs.
    both = pd.concat([lf.assign(unique_id="l" + lf["unique_id"]), rf.assign(unique_id="r" + rf["unique_id"])],
                     ignore_index=True)
    return train_model(both, base=base, threshold=threshold or base.threshold,
                       trained_on=f"{len(lf):,} + {len(rf):,} rows being linked")


def best_links(pairs: list[Pair]) -> list[Pair]:
    """Greedy one-to-one: from the best pair down, keep a pair if neither record is linked yet."""
    used_l: set[str] = set()
    used_r: set[str] = set()
    out = []
    for p in sorted(pairs, key=lambda p: -p.match_weight):
        if p.left_id in used_l or p.right_id in used_r:
            continue
        used_l.add(p.left_id)
        used_r.add(p.right_id)
        out.append(p)
    return out


def connected_components(ids: Iterable[str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find: every id → the smallest id (text order) of its connected component."""
    parent: dict[str, str] = {i: i for i in ids}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        if a not in parent or b not in parent:
            continue
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {i: find(i) for i in parent}


def _say(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
