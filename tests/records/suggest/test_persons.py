"""Suggesting people as an officer types: the slips an officer makes still find the person, the
index follows the store, merged people are never offered."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from onbeat.core.errors import Problem
from onbeat.records.pole import service as pole
from onbeat.records.pole.models import Person
from onbeat.records.pole.schemas import Name
from onbeat.records.suggest import index, service
from onbeat.records.suggest.keys import Description, person_keys, query_keys
from onbeat.records.suggest.models import PersonKey
from tests.records.suggest.builders import ids, moved, person, principal, store, suggest

pytestmark = pytest.mark.db


@pytest.fixture
def me(db, make_user):
    return principal(make_user("officer"))


@pytest.fixture
def people(db, me):
    return store(db, me)


def levels(found, person_id) -> set[str]:
    match = next(f for f in found if f.id == person_id)
    return {r.level for r in match.reasons if r.weight > 0}


def test_exact_details_put_the_person_first_with_why(db, people):
    found = suggest(db, given_name="Robert", surname="Thompson", date_of_birth=date(1980, 3, 7), postcode="rg11aa")
    assert found[0].id == people["Robert Thompson"]
    assert found[0].probability > 0.99
    fields = {r.field for r in found[0].reasons if r.weight > 0}
    assert {"given_name", "surname", "date_of_birth", "postcode"} <= fields


@pytest.mark.parametrize("typed", [
    dict(given_name="Robret", surname="Thompson", date_of_birth=date(1980, 3, 7)),      # typo in the given name
    dict(given_name="Robert", surname="Thomspon", date_of_birth=date(1980, 3, 7)),      # letters swapped
    dict(given_name="Robert", surname="Tomson", postcode="RG1 1AA"),                    # sound-alike, no date
    dict(given_name="Bob", surname="Thompson", date_of_birth=date(1980, 3, 7)),         # nickname
    dict(given_name="Thompson", surname="Robert", date_of_birth=date(1980, 3, 7)),      # names swapped
    dict(given_name="Robert", surname="Thompson", date_of_birth=date(1980, 7, 3)),      # day and month swapped
    dict(surname="Thompson", date_of_birth=date(1980, 3, 7)),                           # given name missing
    dict(given_name="Rob", surname="Thomsen", postcode="RG1 1AA"),                      # two slips at once
    dict(phone="+44 7700 900123"),                                                      # a phone alone
])
def test_slips_still_find_the_person_first(db, people, typed):
    found = suggest(db, **typed)
    assert found and found[0].id == people["Robert Thompson"], [(f.facts.given_name, f.facts.family_name) for f in found]


def test_the_reasons_name_the_slip(db, people):
    target = people["Robert Thompson"]
    assert "nickname" in " ".join(levels(suggest(db, given_name="Bob", surname="Thompson"), target))
    found = suggest(db, given_name="Robert", surname="Thompson", date_of_birth=date(1980, 7, 3))
    assert any("swap" in level for level in levels(found, target))


def test_an_earlier_address_still_finds_them(db, me, people):
    target = people["Margaret Okonkwo"]
    moved(db, me, target, "9 Bath Road, Reading", "RG30 2HA")
    found = suggest(db, given_name="Peggy", surname="Okonkwo", postcode="RG1 7LD")
    assert found[0].id == target
    assert "earlier_address" in {r.field for r in found[0].reasons}
    assert suggest(db, surname="Okonkwo", postcode="RG30 2HA")[0].id == target


def test_only_plausible_candidates_are_shown(db, people):
    found = suggest(db, given_name="Siobhan", surname="McCarthy", date_of_birth=date(1975, 9, 14))
    assert ids(found) == [people["Siobhan McCarthy"]]
    assert all(f.probability >= service.MIN_PROBABILITY for f in suggest(db, surname="Hughes", limit=20))


def test_a_query_with_nothing_usable_is_refused_naming_what_helps(db, people):
    for typed in ({}, {"town": "Reading"}, {"surname": "--", "postcode": "?"}):
        with pytest.raises(Problem) as refused:
            suggest(db, **typed)
        assert refused.value.status == 422
        assert "surname" in refused.value.hint and "date_of_birth" in refused.value.hint


def test_a_merged_person_is_never_suggested(db, me, people):
    loser, survivor = people["Roberta Thomson"], people["Robert Thompson"]
    typed = dict(given_name="Roberta", surname="Thomson", date_of_birth=date(1982, 7, 3))
    assert loser in ids(suggest(db, **typed))
    db.get(Person, loser).merged_into_id = survivor
    db.flush()
    assert loser not in ids(suggest(db, **typed))           # filtered even before the index is told
    pole.entity_changed(db, "person", loser)
    assert db.scalars(select(PersonKey).where(PersonKey.person_id == loser)).all() == []


def test_the_index_follows_creation_and_every_change(db, me):
    pid = person(db, me, given_name="Ada", family_name="Lovelace", date_of_birth=date(1990, 12, 10))
    assert suggest(db, given_name="Ada", surname="Lovelace")[0].id == pid
    p = pole.get_person(db, pid)
    pole.update_person(db, me, p, {"family_name": "King"})
    db.commit()
    assert suggest(db, given_name="Ada", surname="King")[0].id == pid
    pole.add_alias(db, me, p, Name(given_name="Augusta", family_name="Byron"))
    db.commit()
    assert suggest(db, given_name="Augusta", surname="Byron")[0].id == pid
    pole.add_phone(db, me, p, "07700900999")
    db.commit()
    assert suggest(db, phone="07700 900999")[0].id == pid
    stored = set(db.scalars(select(PersonKey.key).where(PersonKey.person_id == pid)))
    facts = pole.person_facts(db, [pid])[pid]
    assert stored == person_keys(index.describe(facts))


def test_a_rebuild_gives_the_same_index_under_the_same_names(db, me, people):
    before = set(db.execute(select(PersonKey.key, PersonKey.person_id)).all())
    steps = []
    counts = index.rebuild(db, lambda what, done, total: steps.append((what, done, total)))
    db.commit()
    assert set(db.execute(select(PersonKey.key, PersonKey.person_id)).all()) == before
    assert counts["person keys"] == len(before)
    assert ("persons", len(people), len(people)) in steps
    names = set(db.scalars(text("select indexname from pg_indexes where tablename like 'suggest_%'")))
    assert names == {"pk_suggest_person_keys", "ix_suggest_person_keys_person_id", "pk_suggest_vehicles",
                     "ix_suggest_vehicles_reg_key", "ix_suggest_vehicles_reg_trgm", "pk_suggest_addresses",
                     "ix_suggest_addresses_postcode", "ix_suggest_addresses_sector", "ix_suggest_addresses_line_trgm"}


def test_keys_survive_each_single_slip():
    """Every single slip leaves at least two keys shared with the person as stored."""
    stored = person_keys(Description("Robert", "Thompson", date(1980, 3, 7), ("RG1 1AA",)))
    for typed in (Description("Bob", "Thompson", date(1980, 3, 7), ("RG1 1AA",)),
                  Description("Robert", "Thmopson", date(1980, 3, 7), ("RG1 1AA",)),
                  Description("Thompson", "Robert", date(1980, 3, 7), ("RG1 1AA",)),
                  Description("Robert", "Thompson", date(1980, 7, 3), ("RG1 1AA",)),
                  Description("Robert", "Thompson", None, ("RG1 1AA",)),
                  Description("Robert", "Thompson", date(1980, 3, 7), ("SW1A 1AA",))):
        assert len(stored & set(query_keys(typed))) >= 2, typed
