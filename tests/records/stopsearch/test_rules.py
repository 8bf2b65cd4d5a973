"""Each rule of a stop-search record, checked without a database: the field it names and why."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from onbeat.core.time import utcnow
from onbeat.records.stopsearch import codes, rules
from onbeat.records.stopsearch.schemas import StopSearchIn
from tests.records.stopsearch.sample import GROUNDS, drugs_search, section_60_search


def problems(body: dict, officer: str | None = "4521") -> dict[str, str]:
    found = rules.check(StopSearchIn.model_validate(body), utcnow(), officer)
    return {p.field: p.message for p in found}


def test_complete_records_break_no_rule():
    assert problems(drugs_search()) == {}
    assert problems(section_60_search()) == {}


@pytest.mark.parametrize("grounds", [None, "", "suspicious", "looked shifty!!!!!!!!!!!!!!!!!!!!!!!!",
                                     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa aa aa"])
def test_suspicion_powers_need_meaningful_grounds(grounds):
    found = problems(drugs_search(grounds=grounds))
    assert list(found) == ["grounds"]
    assert "Misuse of Drugs Act 1971 s23 needs reasonable grounds" in found["grounds"]
    assert "20 letters or digits" in found["grounds"]


def test_section_60_needs_no_grounds_but_an_authorisation():
    assert problems(section_60_search(grounds=None)) == {}
    found = problems(section_60_search(authorisation_reference=None))
    assert list(found) == ["authorisation_reference"]
    assert "authorisation in force" in found["authorisation_reference"]


def test_section_47a_needs_an_assistant_chief_constable():
    body = section_60_search(power="ta_s47a", object_of_search="terrorism")
    assert "Assistant Chief Constable" in problems(body)["authorising_officer_rank"]
    assert problems({**body, "authorising_officer_rank": "assistant_chief_constable"}) == {}


def test_authorisation_must_be_in_force_at_the_time_of_the_search():
    occurred = utcnow() - timedelta(hours=1)
    later = section_60_search(occurred_at=occurred.isoformat(), authorised_at=(occurred + timedelta(minutes=5)).isoformat())
    assert "after the search" in problems(later)["authorised_at"]
    ended = section_60_search(occurred_at=occurred.isoformat(),
                              authorised_at=(occurred - timedelta(hours=49)).isoformat())
    assert "at most 48 hours" in problems(ended)["authorised_at"]


def test_suspicion_powers_take_no_authorisation():
    found = problems(drugs_search(authorisation_reference="S60/2026/014"))
    assert list(found) == ["authorisation_reference"] and "needs no authorisation" in found["authorisation_reference"]


def test_the_power_must_allow_the_object_searched_for():
    found = problems(drugs_search(object_of_search="stolen_property"))
    assert list(found) == ["object_of_search"]
    assert "only for: controlled drugs" in found["object_of_search"]


def test_perceived_ethnicity_only_when_different():
    found = problems(drugs_search(self_defined_ethnicity="W2", officer_defined_ethnicity="W"))
    assert list(found) == ["officer_defined_ethnicity"] and "only when it differs" in found[
        "officer_defined_ethnicity"]
    assert problems(drugs_search(self_defined_ethnicity="W2", officer_defined_ethnicity="M")) == {}
    assert problems(drugs_search(self_defined_ethnicity="NS", officer_defined_ethnicity="B")) == {}
    assert list(problems(drugs_search(self_defined_ethnicity="NS", officer_defined_ethnicity="N"))) == [
        "officer_defined_ethnicity"]


def test_linked_to_object_required_unless_no_further_action():
    found = problems(drugs_search(outcome="arrest", outcome_linked_to_object=None))
    assert list(found) == ["outcome_linked_to_object"] and "required unless no further action" in found[
        "outcome_linked_to_object"]
    assert problems(section_60_search(outcome="no_further_action", outcome_linked_to_object=None)) == {}
    assert list(problems(section_60_search(outcome_linked_to_object=False))) == ["outcome_linked_to_object"]


def test_other_outcome_says_what():
    assert list(problems(drugs_search(outcome="other"))) == ["outcome_detail"]
    assert problems(drugs_search(outcome="other", outcome_detail="Referred to the youth offending team")) == {}


def test_injury_detail_required_when_flagged():
    found = problems(drugs_search(injury_or_damage=True))
    assert list(found) == ["injury_or_damage_detail"] and "Describe the injury" in found["injury_or_damage_detail"]
    assert problems(drugs_search(injury_or_damage=True, injury_or_damage_detail="Graze to the left wrist")) == {}
    assert list(problems(drugs_search(injury_or_damage_detail="Graze"))) == ["injury_or_damage_detail"]


def test_found_detail_follows_the_flag():
    assert list(problems(drugs_search(found_detail=None))) == ["found_detail"]
    assert list(problems(section_60_search(found_detail="a knife"))) == ["found_detail"]


def test_vehicle_registration_required_when_a_vehicle_was_searched():
    found = problems(drugs_search(search_type="person_and_vehicle"))
    assert list(found) == ["vehicle_registration"] and "record its registration" in found["vehicle_registration"]
    assert problems(drugs_search(search_type="vehicle", vehicle_registration="ab12 cde")) == {}
    assert list(problems(drugs_search(vehicle_registration="AB12CDE"))) == ["vehicle_registration"]


def test_vehicle_registration_is_normalised_and_checked():
    assert StopSearchIn.model_validate(drugs_search(vehicle_registration=" ab12-cde ")).vehicle_registration == "AB12CDE"
    with pytest.raises(ValidationError) as caught:
        StopSearchIn.model_validate(drugs_search(vehicle_registration="AB12 CDE!"))
    assert caught.value.errors()[0]["loc"] == ("vehicle_registration",)


def test_vehicle_powers_need_a_vehicle():
    found = problems(drugs_search(power="psa_s37", object_of_search="psychoactive_substances"))
    assert list(found) == ["search_type"]


def test_time_not_in_the_future():
    found = problems(drugs_search(occurred_at=(utcnow() + timedelta(hours=1)).isoformat()))
    assert list(found) == ["occurred_at"] and "in the future" in found["occurred_at"]
    # A device clock a few seconds ahead is not the future.
    assert problems(drugs_search(occurred_at=(utcnow() + timedelta(seconds=30)).isoformat())) == {}


def test_naive_times_are_refused():
    with pytest.raises(ValidationError) as caught:
        StopSearchIn.model_validate(drugs_search(occurred_at="2026-11-21T10:00:00"))
    assert caught.value.errors()[0]["loc"] == ("occurred_at",)


def test_place_from_the_device_or_described():
    assert problems(drugs_search(place=None, postcode=None)) == {}  # the device's fix is enough
    found = problems(drugs_search(place=None, postcode=None, latitude=None, longitude=None))
    assert list(found) == ["place"]
    assert problems(drugs_search(latitude=None, longitude=None, place=None)) == {}  # a postcode is enough
    assert list(problems(drugs_search(longitude=None))) == ["longitude"]
    assert list(problems(drugs_search(latitude=0.0, longitude=0.0))) == ["latitude"]


def test_name_only_when_given():
    person = {"given_name": "Sam", "family_name": "Jones"}
    assert list(problems(drugs_search(person=person))) == ["person"]
    assert list(problems(drugs_search(name_given=True))) == ["person"]
    assert problems(drugs_search(name_given=True, person=person)) == {}
    assert list(problems(drugs_search(name_given=True, person={"date_of_birth": "2001-02-03"}))) == ["person"]


def test_receipt_contact_only_for_email_or_sms():
    assert list(problems(drugs_search(receipt_method="email"))) == ["receipt_contact"]
    assert "not an e-mail address" in problems(drugs_search(receipt_method="email",
                                                            receipt_contact="sam at example"))["receipt_contact"]
    assert "UK mobile" in problems(drugs_search(receipt_method="sms", receipt_contact="0118 496 0000"))[
        "receipt_contact"]
    assert problems(drugs_search(receipt_method="sms", receipt_contact="07700 900123")) == {}
    found = problems(drugs_search(receipt_method="card", receipt_contact="sam@example.org"))
    assert list(found) == ["receipt_contact"] and "only when" in found["receipt_contact"]


def test_other_officers_are_others_listed_once():
    assert list(problems(drugs_search(other_officers=["4521"]))) == ["other_officers"]
    assert list(problems(drugs_search(other_officers=["1234", "1234"]))) == ["other_officers"]
    assert problems(drugs_search(other_officers=["1234", "ab99"])) == {}


def test_more_thorough_search_says_where():
    found = problems(drugs_search(clothing_removed="more_thorough"))
    assert list(found) == ["more_thorough_location"] and "out of public view" in found["more_thorough_location"]
    assert problems(drugs_search(clothing_removed="intimate",
                                 more_thorough_location="Reading police station, medical room")) == {}


@pytest.mark.parametrize("field,value", [("power", "pace_s99"), ("outcome", "telling_off"),
                                         ("object_of_search", "cake"), ("self_defined_ethnicity", "Z1"),
                                         ("officer_defined_ethnicity", "Q"), ("age_range", "30_40"),
                                         ("receipt_method", "pigeon"), ("clothing_removed", "all"),
                                         ("authorising_officer_rank", "sergeant"), ("gender", "x")])
def test_unknown_codes_are_refused_naming_the_field(field, value):
    with pytest.raises(ValidationError) as caught:
        StopSearchIn.model_validate(drugs_search(**{field: value}))
    assert [e["loc"][0] for e in caught.value.errors()] == [field]


def test_every_problem_is_reported_at_once():
    found = problems(drugs_search(grounds=None, injury_or_damage=True, outcome="arrest",
                                  outcome_linked_to_object=None, search_type="vehicle"))
    assert set(found) == {"grounds", "injury_or_damage_detail", "outcome_linked_to_object", "vehicle_registration"}


# --- power x grounds x authorisation, over every combination ------------------------------------

GROUNDS_CHOICES = [None, "", "   ", "drugs", "he looked nervous", GROUNDS]
AUTHORISATION = {"authorisation_reference": "AUTH/2026/7", "authorising_officer_rank": "chief_constable"}


@settings(max_examples=300, deadline=None)
@given(power=st.sampled_from(sorted(codes.POWERS)), grounds=st.sampled_from(GROUNDS_CHOICES) | st.text(max_size=80),
       authorised=st.booleans(), minutes_before=st.integers(min_value=1, max_value=60 * 24 * 20))
def test_power_grounds_and_authorisation(power, grounds, authorised, minutes_before):
    spec = codes.POWERS[power]
    occurred = datetime(2026, 11, 21, 14, 0, tzinfo=timezone.utc)
    body = drugs_search(power=power, object_of_search=spec.objects[0], grounds=grounds,
                        occurred_at=occurred.isoformat(),
                        search_type="person_and_vehicle", vehicle_registration="AB12CDE")
    if authorised:
        body |= AUTHORISATION | {"authorised_at": (occurred - timedelta(minutes=minutes_before)).isoformat()}
    found = problems(body)
    stored_grounds = StopSearchIn.model_validate(body).grounds

    assert ("grounds" in found) == (spec.grounds and not rules.grounds_are_meaningful(stored_grounds))
    assert ("authorisation_reference" in found) == (authorised != spec.authorisation)
    in_force = spec.authorisation and minutes_before <= spec.longest_hours * 60
    if spec.authorisation:  # given, and still in force at the time of the search
        assert ("authorised_at" in found) == (not (authorised and in_force))
    else:  # no authorisation details at all
        assert ("authorised_at" in found) == authorised
    assert set(found) <= {"grounds", "authorisation_reference", "authorising_officer_rank", "authorised_at"}
    if not found:  # a record that passes has grounds wherever the power needs them, and its authorisation
        assert not spec.grounds or rules.meaningful_length(stored_grounds) >= rules.GROUNDS_MIN
        assert authorised == spec.authorisation
