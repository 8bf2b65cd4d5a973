"""The people of one household share an address, a postcode, a landline and usually a surname: the
default model must tell them apart, and still find one person who moved or gave a nickname."""

from datetime import date

import pytest

from onbeat.records.matching.comparisons import BY_NAME, prepare
from onbeat.records.matching.generate import people
from onbeat.records.matching.model import default_model
from onbeat.records.matching.scoring import Address, PersonFacts, score

MODEL = default_model()
HOME = dict(postcode="RG1 4QT", address_1="27 Oxford Road", town="Reading", phone="0118 496 0321")


def _p(given, surname, dob, **kw):
    return PersonFacts(given, surname, dob, **{**HOME, **kw})


def test_two_people_of_one_household_score_well_below_the_threshold():
    mother = _p("Margaret", "Harvey", date(1961, 5, 14))
    son = _p("Daniel", "Harvey", date(1986, 11, 2))
    m = score(MODEL, mother, son)
    assert m.probability < 0.01, m
    # Far below, not just under: the shared home is one fact, not four.
    assert m.match_weight < MODEL.threshold_weight - 10


def test_same_given_name_at_the_same_address_is_not_enough():
    # "Clive Harvey" and "Clive Todd" at one address (the demo force's false merge).
    m = score(MODEL, _p("Clive", "Harvey", date(1970, 2, 3)), _p("Clive", "Todd", date(1994, 8, 21)))
    assert m.probability < 0.05 and m.match_weight < MODEL.threshold_weight - 10, m
    # Even with no birth dates to tell them apart, the shared home, town, postcode and landline do not
    # outweigh different surnames (the model trained on the whole country rated this 0.99999...).
    m = score(MODEL, _p("Clive", "Harvey", None), _p("Clive", "Todd", None))
    assert m.probability < MODEL.threshold, m


def test_father_and_son_of_the_same_name_are_not_merged():
    senior = _p("Graham", "Fletcher", date(1958, 4, 9))
    junior = _p("Graham", "Fletcher", date(1983, 7, 30), phone="07700 900456")
    m = score(MODEL, senior, junior)
    assert m.probability < MODEL.threshold, m
    # Their own mobiles differ; with only the landline they still are not merged.
    assert score(MODEL, senior, _p("Graham", "Fletcher", date(1983, 7, 30))).probability < MODEL.threshold


def test_a_true_duplicate_with_an_old_address_and_a_nickname_scores_above_the_threshold():
    known = PersonFacts("Robert", "Harvey", date(1979, 3, 7), "RG30 2LP", "5 Tilehurst Road", "Reading",
                        "07700 900123", previous_addresses=(Address("27 Oxford Road", "Reading", "RG1 4QT"),))
    typed = PersonFacts("Bob", "Harvey", "07/03/1979", "RG1 4QT", "27 Oxford Road", "Reading")
    m = score(MODEL, typed, known)
    assert m.probability > MODEL.threshold, m
    assert "given name is a nickname of Robert" in [r.text for r in m.reasons]
    # Without the earlier address on file, name and date of birth carry it on their own.
    moved = PersonFacts("Robert", "Harvey", date(1979, 3, 7), "RG30 2LP", "5 Tilehurst Road", "Reading")
    assert score(MODEL, typed, moved).probability > MODEL.threshold


def test_one_home_counts_once():
    """Town adds nothing when the postcode district agrees, the postcode nothing when the address and
    postcode both agree, a landline nothing at the same address or postcode, a family name nothing at
    the same address; each still counts when the stronger field does not agree."""
    a = prepare("Clive", "Harvey", "1970-02-03", "RG1 4QT", "27 Oxford Road", "Reading", "0118 496 0321")
    b = prepare("Clive", "Harvey", "1970-02-03", "RG1 4QT", "27 Oxford Road", "Reading", "0118 496 0321")
    for name in ("town", "postcode", "phone", "surname"):
        assert BY_NAME[name].level_of(a, b) == -1, name
    assert BY_NAME["address"].level_of(a, b) == 0
    moved = prepare("Clive", "Harvey", "1970-02-03", "RG30 2LP", "5 Tilehurst Road", "Reading", "07700 900123")
    assert BY_NAME["town"].level_of(a, moved) == 0  # same town, other district: counts
    assert BY_NAME["postcode"].level_of(a, moved) >= 0
    assert BY_NAME["surname"].level_of(a, moved) == 0
    mobile = prepare("Clive", "Harvey", None, None, "27 Oxford Road", None, "07700 900123")
    assert BY_NAME["phone"].level_of(mobile, mobile) == 0  # a shared mobile is one person's


def test_the_default_model_does_not_rate_where_someone_lives_as_proof():
    w = MODEL.weights
    top = {name: max(w[name]) for name in ("town", "postcode", "address", "phone")}
    # Trained on one force's area: sharing a town is common, a postcode is a dozen homes.
    assert top["town"] < 6 and top["postcode"] < 12, top
    # Different given name and birth date outweigh the whole of a shared home.
    against = min(w["given_name"]) + min(w["date_of_birth"])
    assert MODEL.prior_weight + against + top["address"] + max(w["surname"]) < 0


@pytest.mark.parametrize("seed", [2])
def test_generated_households_share_homes_and_names(seed):
    rows = people(600, seed=seed)
    homes: dict[str, list[dict]] = {}
    for r in rows:
        homes.setdefault(r["address_1"], []).append(r)
    shared = [g for g in homes.values() if len({r["entity"] for r in g}) > 1]
    assert len(shared) > 50
    towns = {r["town"] for r in rows}
    assert 10 < len(towns) <= 40
