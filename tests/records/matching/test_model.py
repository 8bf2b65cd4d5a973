"""The match model: EM training separates true pairs; versions are saved, audited and read back."""

import random

import pytest
from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from onbeat.core.audit.service import Actor
from onbeat.core.errors import BadRequest, NotFound
from onbeat.records.matching import model as mm
from onbeat.records.matching.comparisons import COMPARISONS
from onbeat.records.matching.generate import people
from onbeat.records.matching.scoring import PersonFacts, prepare_facts, score


def _facts(row):
    return prepare_facts(PersonFacts(row.get("given_name"), row.get("surname"), row.get("date_of_birth"),
                                     row.get("postcode"), row.get("address_1"), row.get("town"), row.get("phone"),
                                     row.get("identifier"), key=row["id"]))


@pytest.fixture(scope="module")
def trained():
    rows = people(2000, seed=21)
    return rows, mm.train(rows, trained_on="2,000 generated people")


def test_training_separates_true_pairs_from_random_pairs(trained):
    rows, model = trained
    assert 1e-6 < model.prior < 1e-2
    assert model.record_count == 2000 and model.trained_at is not None
    by_entity = {}
    for r in rows:
        by_entity.setdefault(r["entity"], []).append(r)
    true_pairs = [(g[0], x) for g in by_entity.values() for x in g[1:]]
    assert len(true_pairs) > 200
    rng = random.Random(5)
    random_pairs = [(a, b) for a, b in (rng.sample(rows, 2) for _ in range(3000)) if a["entity"] != b["entity"]]
    true_p = [score(model, _facts(a), _facts(b)).probability for a, b in true_pairs]
    false_p = [score(model, _facts(a), _facts(b)).probability for a, b in random_pairs]
    recall = sum(p >= model.threshold for p in true_p) / len(true_p)
    false_rate = sum(p >= model.threshold for p in false_p) / len(false_p)
    assert recall > 0.9, recall
    assert false_rate < 0.001, false_rate
    # Agreement weighs for, disagreement against, on every comparison.
    # No partial agreement outweighs full agreement (EM alone rated swapped names far above).
    for comp in COMPARISONS:
        weights = model.weights[comp.name]
        assert weights[0] > 0 > weights[-1], comp.name
        assert max(weights) <= weights[0] + 1e-9, comp.name


def test_json_round_trip(trained):
    _, model = trained
    back = mm.MatchModel.from_json(model.to_json())
    assert back.weights == model.weights
    assert back.prior == model.prior and back.threshold == model.threshold


def test_the_shipped_default_covers_every_level():
    model = mm.default_model()
    for comp in COMPARISONS:
        keys = [k for k, _m, _u in model.comparisons[comp.name]]
        assert keys == list(comp.keys), comp.name


def test_current_model_is_the_default_until_one_is_saved_then_the_newest(db, trained, make_user):
    _, model = trained
    assert mm.current_model(db) is mm.default_model()
    user = make_user("supervisor")
    actor = Actor(user.id, "PC Test")
    first = mm.save(db, model, "the store: 3,000 people", actor)
    second = mm.save(db, model.with_threshold(0.9), "the store again", actor)
    db.commit()
    assert (first.version, second.version) == (1, 2)
    current = mm.current_model(db)
    assert current.version == 2 and current.threshold == 0.9 and current.trained_on == "the store again"
    assert current.weights == model.weights
    assert mm.get_model(db, 1).threshold == model.threshold
    assert [v["version"] for v in mm.list_models(db)] == [2, 1]
    entries = db.execute(select(AuditEntry).where(AuditEntry.event == "match_model.saved")
                         .order_by(AuditEntry.seq)).scalars().all()
    assert [e.detail["version"] for e in entries] == [1, 2]
    assert entries[0].actor_id == user.id and entries[0].action == "alter"


def test_missing_version_and_blank_description_are_refused(db, trained):
    with pytest.raises(NotFound):
        mm.get_model(db, 99)
    with pytest.raises(BadRequest) as err:
        mm.save(db, trained[1], "  ", Actor.system())
    assert err.value.field == "trained_on"


def test_training_needs_rows():
    with pytest.raises(BadRequest):
        mm.train([{"id": "1", "surname": "Smith"}])
