"""The comparisons are defined once: Splink (DuckDB SQL) and Python must put every pair in the same level."""

import random

import pandas as pd
import pytest

from onbeat.records.matching.comparisons import COLUMNS, COMPARISONS, comparison_vector, prepare
from onbeat.records.matching.dedupe import prepare_frame, splink_linker
from onbeat.records.matching.generate import people
from onbeat.records.matching.model import MatchModel


def _level_numbering_model() -> MatchModel:
    """A model in which level i of every comparison weighs exactly i + 1 bits (null: 0): Splink's
    per-comparison match weight then says which level it put the pair in."""
    return MatchModel({c.name: tuple((lv.key, 0.5, 0.5 / 2 ** (i + 1)) for i, lv in enumerate(c.levels))
                       for c in COMPARISONS}, prior=0.001)

# Pairs chosen to land on every level, including the awkward ones.
EDGE = [
    ({"given_name": "Bob", "surname": "Smith", "date_of_birth": "07/03/1980"},
     {"given_name": "Robert", "surname": "Smyth", "date_of_birth": "03/07/1980"}),
    ({"given_name": "Smith", "surname": "John", "date_of_birth": "1980-03-07"},
     {"given_name": "John", "surname": "Smith", "date_of_birth": "1980-03-08"}),
    ({"given_name": "J", "surname": "Catherine", "postcode": "SW1A 1AA", "address_1": "12 High St"},
     {"given_name": "James", "surname": "Kathryn", "postcode": "SW1A 1AB", "address_1": "12 High Street"}),
    ({"given_name": "Al", "surname": "Jones", "postcode": "SW1A 2AA", "address_1": "3 High St", "phone": "07700900123"},
     {"given_name": "Alfred", "surname": "Jonse", "postcode": "SW1A 9ZZ", "address_1": "5 High St", "phone": "07700900124"}),
    ({"given_name": "Mary", "surname": "Lee", "postcode": "M1 1AE", "town": "Manchester", "identifier": "AB123456C"},
     {"given_name": "Marie", "surname": "Leigh", "postcode": "M1 7ZZ", "town": "Manchestr", "identifier": "AB123465C"}),
    ({"given_name": "Mary", "surname": "Lee", "date_of_birth": "19801321"},
     {"given_name": None, "surname": "", "date_of_birth": "19801312", "postcode": "2600"}),
    ({"given_name": "Chloe", "surname": "Ryan"}, {"given_name": "Ryna", "surname": "Chloe"}),
    ({"given_name": "James", "surname": "Coleman"}, {"given_name": "Howie", "surname": "James"}),
    ({"given_name": "Ann", "surname": "Ng", "postcode": "2600", "date_of_birth": "1980-01-02"},
     {"given_name": "Anne", "surname": "Ng", "postcode": "2060", "date_of_birth": "1980-02-01"}),
]


def _frame() -> pd.DataFrame:
    rng = random.Random(3)
    rows = people(120, seed=11, duplicate_rate=0.6)
    rng.shuffle(rows)
    for i, (a, b) in enumerate(EDGE):
        rows.append({"id": f"edge{i}a", **a})
        rows.append({"id": f"edge{i}b", **b})
    return prepare_frame(rows)


def test_splink_and_python_put_every_pair_in_the_same_level():
    frame = _frame()
    linker = splink_linker(frame, _level_numbering_model(), blocking=["1=1"], retain_intermediate=True)
    pairs = linker.inference.predict().as_pandas_dataframe()
    n = len(frame)
    assert len(pairs) == n * (n - 1) // 2
    records = {r["unique_id"]: r for r in frame.to_dict("records")}
    for rec in records.values():
        rec["given_forms"] = tuple(rec["given_forms"]) if rec["given_forms"] is not None else None
    seen_levels = {c.name: set() for c in COMPARISONS}
    disagreements = []
    for row in pairs.to_dict("records"):
        l, r = records[row["unique_id_l"]], records[row["unique_id_r"]]
        vector = comparison_vector(l, r)
        for comp, level in zip(COMPARISONS, vector):
            splink_level = round(row[f"mw_{comp.name}"]) - 1
            seen_levels[comp.name].add(level)
            if splink_level != level:
                disagreements.append((comp.name, l["unique_id"], r["unique_id"], splink_level, level))
    assert disagreements == []
    # The sample reaches nearly every level of every comparison (else the test proves little).
    for comp in COMPARISONS:
        assert len(seen_levels[comp.name]) >= len(comp.levels) - 1, (comp.name, seen_levels[comp.name])
    assert {2, 8} <= seen_levels["given_name"] and {2, 7} <= seen_levels["surname"]  # the swap levels


def test_prepare_never_fails_on_junk():
    rec = prepare(given_name="  ", surname=12345, date_of_birth="31/02/1980", postcode="!!!", address=float("nan"),
                  town="", phone="abc", identifier="--")
    assert set(rec) == set(COLUMNS)
    assert rec["given"] is None and rec["dob"] is None and rec["postcode"] is None and rec["identifier"] is None


@pytest.mark.parametrize("comp", COMPARISONS, ids=lambda c: c.name)
def test_each_comparison_ends_in_an_else_level_and_has_unique_keys(comp):
    assert comp.levels[-1].when is None
    assert all(lv.when is not None for lv in comp.levels[:-1])
    assert len(set(comp.keys)) == len(comp.keys)


def test_splink_batch_and_python_real_time_give_the_same_match_weight():
    """The same model in both halves: Splink's match weight for a pair is the real-time score's."""
    from onbeat.records.matching.model import default_model
    from onbeat.records.matching.scoring import PreparedFacts, score

    model = default_model()
    frame = _frame().head(60)
    pairs = splink_linker(frame, model, blocking=["1=1"]).inference.predict().as_pandas_dataframe()
    records = {r["unique_id"]: r for r in frame.to_dict("records")}
    for rec in records.values():
        rec["given_forms"] = tuple(rec["given_forms"]) if rec["given_forms"] is not None else None
    worst = 0.0
    for row in pairs.to_dict("records"):
        l, r = records[row["unique_id_l"]], records[row["unique_id_r"]]
        mine = score(model, PreparedFacts(None, l, (), ()), PreparedFacts(None, r, (), ()))
        worst = max(worst, abs(mine.match_weight - row["match_weight"]))
        assert abs(mine.probability - row["match_probability"]) < 1e-6
    assert worst < 1e-6
