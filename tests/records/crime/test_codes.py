"""The code lists: the Home Office Counting Rules offences a force records most, and the rest."""

from __future__ import annotations

import re

from onbeat.records.crime import codes


def test_the_offence_list_covers_the_common_notifiable_offences():
    assert len(codes.OFFENCES) >= 40
    expected = {"1/1", "4/1", "2", "5D", "8N", "8S", "105A", "104", "8L", "8Q", "8R", "17A", "19C", "20A", "34A",
                "34B", "28E", "30C", "45", "48", "37/2", "126", "39", "44", "46", "49", "58A", "58B", "58C", "58D",
                "58J", "56A", "56B", "92A", "92D", "92E", "10A", "10C", "10D", "81", "9A", "62A", "66", "54", "802"}
    assert expected <= set(codes.OFFENCES)
    for code, offence in codes.OFFENCES.items():
        assert re.fullmatch(r"\d{1,3}[A-Z]?(/\d{1,2})?", code), code
        assert offence.label and offence.group in codes.OFFENCE_GROUPS


def test_the_published_meaning_of_codes_often_swapped():
    assert codes.OFFENCES["34A"].label == "Robbery of business property"
    assert codes.OFFENCES["34B"].label == "Robbery of personal property"
    assert "excluding cannabis" in codes.OFFENCES["92D"].label
    assert "(cannabis)" in codes.OFFENCES["92E"].label


def test_most_serious_offences_are_the_victims_code_ones():
    serious = {c for c, o in codes.OFFENCES.items() if o.most_serious}
    assert {"1/1", "2", "5D", "19C", "20A", "36", "106", "56A", "8U"} <= serious
    assert not serious & {"8N", "28E", "46", "49", "58A", "92E"}


def test_every_mo_keyword_is_unique_and_labelled():
    listed = [c for keywords in codes.MO_KEYWORDS.values() for c in keywords]
    assert len(listed) == len(set(listed)) == len(codes.MO_CODES)
    assert all(codes.MO_CODES[c] for c in listed)


def test_every_right_6_event_but_other_starts_a_duty():
    assert codes.DUTY_EVENTS == set(codes.VICTIM_EVENTS) - {"other"}
    assert {"arrest", "interview", "charge", "released_on_bail", "released_without_bail", "bail_changed",
            "not_investigated", "no_further_action"} == codes.DUTY_EVENTS
