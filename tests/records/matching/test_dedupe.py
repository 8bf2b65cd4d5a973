"""Batch deduplication and linkage with Splink: clusters, pairs, bad rows."""

import itertools

import pandas as pd
import pytest

from onbeat.core.errors import BadRequest
from onbeat.records.matching.dedupe import cluster, connected_components, link, prepare_frame
from onbeat.records.matching.generate import people


def _pairs_by_entity(rows):
    groups = {}
    for r in rows:
        groups.setdefault(r["entity"], []).append(r["id"])
    return {tuple(sorted(p)) for g in groups.values() for p in itertools.combinations(g, 2)}


def _pairs_by_cluster(clusters):
    groups = {}
    for rid, cid in clusters.items():
        groups.setdefault(cid, []).append(rid)
    return {tuple(sorted(p)) for g in groups.values() for p in itertools.combinations(g, 2)}


def test_cluster_finds_the_duplicates_in_a_generated_file():
    rows = people(1000, seed=4)
    stages = []
    result = cluster(rows, progress=lambda stage, done, total: stages.append((stage, done, total)))
    pairs, clusters = result
    assert set(clusters) == {r["id"] for r in rows}
    truth, found = _pairs_by_entity(rows), _pairs_by_cluster(clusters)
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert precision > 0.98 and recall > 0.9, (precision, recall)
    assert all(p.probability >= result.model.threshold for p in pairs)
    assert all(p.left_id < p.right_id for p in pairs)
    assert stages[0][1] == 0 and stages[-1][0] == "done"
    # A cluster's id is its smallest member id: the same file gives the same ids again.
    for cid, members in result.groups().items():
        assert cid == min(members)


def test_cluster_without_training_uses_the_given_model_and_is_deterministic():
    rows = people(400, seed=9)
    a = cluster(rows, train=False)
    b = cluster(list(reversed(rows)), train=False)
    assert a.clusters == b.clusters
    assert "train" not in a.seconds


def test_missing_fields_unknown_columns_and_aliases_are_fine():
    df = pd.DataFrame([
        {"ID": 1, "Given_Name": "Bob", "surname": "Smith", "dob": "07/03/1980", "suburb": "Leeds", "shoe_size": 9},
        {"ID": 2, "Given_Name": "Robert", "surname": "Smith", "dob": "1980-03-07", "suburb": "Leeds", "shoe_size": 4},
        {"ID": 3, "Given_Name": None, "surname": None, "dob": None, "suburb": None, "shoe_size": None},
        {"ID": 4.0, "Given_Name": "Jane", "surname": "Doe", "dob": "not a date", "suburb": "York", "shoe_size": 1},
    ])
    result = cluster(df, train=False)
    assert result.clusters == {"1": "1", "2": "1", "3": "3", "4": "4"}
    frame = prepare_frame(df)
    assert list(frame["unique_id"]) == ["1", "2", "3", "4"]
    assert frame.loc[3, "dob"] is None and frame.loc[0, "town"] == "leeds"


def test_bad_rows_are_named():
    with pytest.raises(BadRequest) as err:
        cluster([{"given_name": "Bob"}])
    assert err.value.field == "id" and "no id column" in err.value.detail
    with pytest.raises(BadRequest) as err:
        cluster([{"id": "a", "surname": "Smith"}, {"id": " ", "surname": "Jones"}])
    assert "Row 2" in err.value.detail
    with pytest.raises(BadRequest) as err:
        cluster([{"id": "a"}, {"id": "b"}, {"id": "a"}])
    assert "Row 3" in err.value.detail and "row 1" in err.value.detail


def test_tiny_and_empty_inputs():
    assert cluster([]).clusters == {}
    assert cluster([{"id": "x", "surname": "Smith"}]).clusters == {"x": "x"}


def test_link_two_files_one_to_one():
    rows = people(500, seed=12, duplicate_rate=0.0)
    from onbeat.records.matching.generate import corrupt
    import random

    from faker import Faker

    rng, fake = random.Random(1), Faker("en_GB")
    fake.seed_instance(1)
    left = [{**r, "id": f"L{r['id']}"} for r in rows[:300]]
    right = []
    for r in rows[:300]:
        copy, _ = corrupt({**r}, rng, fake, 1)
        right.append({**copy, "id": f"R{r['id']}"})
    right += [{**r, "id": f"R{r['id']}"} for r in rows[300:]]
    result = link(left, right, one_to_one=True)
    truth = {(f"L{r['id']}", f"R{r['id']}") for r in rows[:300]}
    found = {(p.left_id, p.right_id) for p in result.pairs}
    assert len({l for l, _ in found}) == len(found) == len({r for _, r in found})
    assert len(found & truth) / len(found) > 0.99
    assert len(found & truth) / len(truth) > 0.9


def test_connected_components():
    got = connected_components(["a", "b", "c", "d", "e"], [("b", "c"), ("d", "c"), ("e", "zz")])
    assert got == {"a": "a", "b": "b", "c": "b", "d": "b", "e": "e"}
