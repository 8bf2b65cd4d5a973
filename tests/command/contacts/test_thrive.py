"""The suggested grade: type baselines, each THRIVE rule, and the explanation."""

from __future__ import annotations

from hypothesis import given, strategies as st

from onbeat.command.contacts.thrive import suggest
from onbeat.command.incidents.catalogue import LEVELS, THRIVE_ELEMENTS, TYPES, VULNERABILITY_FACTORS
from onbeat.command.models import SKILLS


def answers(**levels: str) -> dict:
    return {e: {"level": levels.get(e, "none"), "notes": ""} for e in THRIVE_ELEMENTS}


def decisive(result: dict) -> list[str]:
    return [r["source"] for r in result["reasons"] if r["decisive"]]


def test_with_quiet_answers_the_type_decides():
    assert suggest(TYPES["firearms_incident"], answers())["grade"] == 1
    assert suggest(TYPES["theft"], answers())["grade"] == 3
    quiet = suggest(TYPES["asb_environmental"], answers())
    assert quiet["grade"] == 4 and decisive(quiet) == ["type"] and len(quiet["reasons"]) == 1


def test_an_immediate_threat_harm_or_risk_makes_it_an_emergency():
    for element in ("threat", "harm", "risk"):
        result = suggest(TYPES["theft"], answers(**{element: "high"}))
        assert result["grade"] == 1 and decisive(result) == [element]
        assert f"{THRIVE_ELEMENTS[element]} is high" in result["reasons"][1]["text"]


def test_medium_counts_double_only_where_the_type_weighs_it():
    assert suggest(TYPES["domestic_incident"], answers(risk="medium"))["grade"] == 2
    assert suggest(TYPES["burglary_dwelling"], answers(risk="medium"))["grade"] == 3


def test_vulnerability_weighs_more_for_a_missing_person():
    assert suggest(TYPES["missing_person"], answers(vulnerability="high"))["grade"] == 1
    assert suggest(TYPES["theft"], answers(vulnerability="high"))["grade"] == 2


def test_investigation_engagement_and_factors():
    assert suggest(TYPES["theft"], answers(investigation="high"))["grade"] == 2
    assert suggest(TYPES["asb_environmental"], answers(engagement="high"))["grade"] == 3
    two = suggest(TYPES["theft"], answers(), ["elderly", "alone"])
    assert two["grade"] == 2 and "elderly, alone or isolated" in two["reasons"][-1]["text"]
    assert suggest(TYPES["theft"], answers(), ["elderly"])["grade"] == 3


def test_the_weighted_score_raises_many_middling_answers():
    result = suggest(TYPES["theft"], answers(threat="medium", harm="medium", risk="medium", investigation="medium"))
    assert result["score"] == 8 and result["grade"] == 2 and decisive(result) == ["score"]
    low = suggest(TYPES["asb_environmental"], answers(threat="low", harm="low", risk="low", engagement="low"))
    assert low["score"] == 4 and low["grade"] == 3


def test_reasons_only_name_what_raised_the_grade():
    # Engagement high would give grade 3, but the type already starts at 2: it did not raise it.
    result = suggest(TYPES["robbery"], answers(engagement="high"))
    assert result["grade"] == 2 and [r["source"] for r in result["reasons"]] == ["type"]


@given(st.sampled_from(sorted(TYPES)), st.fixed_dictionaries({e: st.sampled_from(list(LEVELS)) for e in THRIVE_ELEMENTS}),
       st.lists(st.sampled_from(sorted(VULNERABILITY_FACTORS)), unique=True))
def test_answers_never_make_it_less_urgent_than_the_type(code, levels, factors):
    t = TYPES[code]
    result = suggest(t, answers(**levels), factors)
    assert 1 <= result["grade"] <= t.base_grade
    assert any(r["decisive"] for r in result["reasons"])
    more = {e: "high" if lv != "none" else lv for e, lv in levels.items()}
    assert suggest(t, answers(**more), factors)["grade"] <= result["grade"]


def test_every_type_names_known_skills_and_categories():
    assert all(t.skills <= set(SKILLS) for t in TYPES.values())
    assert TYPES["firearms_incident"].skills == {"firearms"} and TYPES["dog_track"].skills == {"dog"}
