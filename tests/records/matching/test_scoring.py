"""Real-time scoring: probabilities and the reasons an officer reads."""

import random
from datetime import date

from hypothesis import HealthCheck, given, settings, strategies as st

from onbeat.records.matching.generate import _typo
from onbeat.records.matching.model import default_model
from onbeat.records.matching.scoring import Address, PersonFacts, prepare_facts, score, score_many

MODEL = default_model()
KNOWN = PersonFacts("Robert", "Smith", date(1980, 3, 7), "SW1A 1AA", "12 High Street", "London", "07700 900123",
                    aliases=(("Bobby", "Smythe"),), previous_addresses=(Address("4 Low Road", "Leeds", "LS1 4AP"),),
                    key="p1")


def _texts(match):
    return [r.text for r in match.reasons]


def test_nickname_is_a_reason():
    m = score(MODEL, PersonFacts("Bob", "Smith", "07/03/1980"), KNOWN)
    assert "given name is a nickname of Robert" in _texts(m)
    assert m.probability > 0.95
    assert m.key == "p1"


def test_swapped_names_and_swapped_day_month_are_reasons():
    m = score(MODEL, PersonFacts("Smith", "Robert", "1980-07-03"), KNOWN)
    texts = _texts(m)
    assert texts.count("first and last names swapped") == 1
    assert "day and month of birth swapped" in texts
    assert m.probability > 0.99


def test_a_swap_with_a_typo_and_a_name_in_the_other_box_are_reasons():
    m = score(MODEL, PersonFacts("Smiht", "Robert", "1980-03-07"), KNOWN)
    assert "first and last names swapped, spelt nearly the same" in _texts(m)
    assert m.probability > 0.99
    m = score(MODEL, PersonFacts(None, "Robert", "1980-03-07", "SW1A 1AA"), KNOWN)
    assert "one name typed in the other box" in _texts(m)
    assert m.probability > 0.95


def test_an_earlier_address_counts_and_says_so():
    now = score(MODEL, PersonFacts("Robert", "Smith", postcode="LS1 4AP", address_1="4 Low Rd"), KNOWN)
    assert "an earlier address" in _texts(now)
    assert "postcode the same" in _texts(now)
    without = score(MODEL, PersonFacts("Robert", "Smith", postcode="LS1 4AP", address_1="4 Low Rd"),
                    PersonFacts("Robert", "Smith", date(1980, 3, 7), "SW1A 1AA", "12 High Street"))
    assert now.match_weight > without.match_weight


def test_an_alias_counts_and_says_so():
    m = score(MODEL, PersonFacts("Bobby", "Smythe", "1980-03-07"), KNOWN)
    assert "matches a name the person is also known by" in _texts(m)
    assert m.probability > 0.99


def test_typos_and_sound_alike_names():
    m = score(MODEL, PersonFacts("Robret", "Smyth", "1980-03-07"), KNOWN)
    assert {"given name spelt nearly the same", "surname sounds the same"} & set(_texts(m))
    assert m.probability > 0.95


def test_disagreement_is_a_negative_reason_and_unknown_fields_add_nothing():
    m = score(MODEL, PersonFacts("Jane", "Doe", "1990-01-01"), KNOWN)
    assert m.probability < 0.001
    assert all(r.weight < 0 for r in m.reasons)
    only_surname = score(MODEL, PersonFacts(surname="Smith"), KNOWN)
    assert [r.field for r in only_surname.reasons] == ["surname"]
    assert only_surname.agreements == only_surname.reasons


def test_agreements_come_first_strongest_first():
    m = score(MODEL, PersonFacts("Robert", "Smith", "1990-01-01", "SW1A 1AA"), KNOWN)
    weights = [r.weight for r in m.reasons]
    positives = [w for w in weights if w > 0]
    assert weights[: len(positives)] == sorted(positives, reverse=True)
    assert weights[-1] < 0


def test_score_many_ranks_the_right_person_first_and_limits():
    rng = random.Random(2)
    others = [PersonFacts(rng.choice(["Robert", "Roberta", "Rob", "Ruby"]), rng.choice(["Smith", "Smart", "Smyth"]),
                          date(1980, rng.randint(1, 12), rng.randint(1, 28)), key=f"o{i}") for i in range(200)]
    ranked = score_many(MODEL, PersonFacts("Bob", "Smith", "7/3/1980", "SW1A 1AA"), [*others, KNOWN], limit=5)
    assert len(ranked) == 5
    assert ranked[0].key == "p1"
    assert [m.match_weight for m in ranked] == sorted((m.match_weight for m in ranked), reverse=True)


def test_prepared_facts_score_the_same_as_raw():
    q = PersonFacts("Bob", "Smith", "07/03/1980", "sw1a1aa")
    assert score(MODEL, q, KNOWN) == score(MODEL, prepare_facts(q), prepare_facts(KNOWN))


_NAMES = st.sampled_from(["Margaret", "William", "Elizabeth", "Christopher", "Olusegun", "Siobhan", "Priya",
                          "Mohammed", "Jonathan", "Katherine"])
_SURNAMES = st.sampled_from(["Okonkwo", "Fitzgerald", "Richardson", "Wojcik", "Hargreaves", "Patel",
                             "Macpherson", "Butterworth"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_NAMES, _SURNAMES, st.dates(min_value=date(1940, 1, 1), max_value=date(2008, 12, 31)),
       st.randoms(use_true_random=False), st.sampled_from(["given", "surname", "both"]))
def test_a_record_and_its_typod_copy_score_above_the_threshold(given_name, surname, dob, rnd, where):
    original = PersonFacts(given_name, surname, dob, "RG1 1AA", "1 Kings Road", "Reading")
    copy = PersonFacts(_typo(given_name, rnd) if where in ("given", "both") else given_name,
                       _typo(surname, rnd) if where in ("surname", "both") else surname, dob, "RG1 1AA")
    stranger = PersonFacts("Zebedee", "Quartermaine", date(1999, 12, 31), "EH1 1AA")
    m = score(MODEL, copy, original)
    assert m.probability >= MODEL.threshold
    assert score(MODEL, stranger, original).probability < 0.01


_FIELD = st.one_of(st.none(), st.text(alphabet="abcdeSMITHjon '-", max_size=10))


@settings(max_examples=100, deadline=None)
@given(_FIELD, _FIELD, st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 1, 1))),
       _FIELD, _FIELD, st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 1, 1))),
       st.sampled_from([None, "SW1A 1AA", "SW1A 1AB", "M1 1AE"]), st.sampled_from([None, "SW1A 1AA", "LS1 4AP"]))
def test_scores_are_symmetric_and_never_fail(g1, s1, d1, g2, s2, d2, p1, p2):
    a, b = PersonFacts(g1, s1, d1, p1), PersonFacts(g2, s2, d2, p2)
    ab, ba = score(MODEL, a, b), score(MODEL, b, a)
    assert abs(ab.match_weight - ba.match_weight) < 1e-9
    assert 0.0 <= ab.probability <= 1.0
