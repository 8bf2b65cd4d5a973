"""Required by the issue: a person, and their details typed again with a typo, get that person
suggested, whatever the names and the typo."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.records.suggest.builders import ids, person, principal, store, suggest

pytestmark = pytest.mark.db

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12).map(str.capitalize)
births = st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31))
postcodes = st.sampled_from(["RG1 1AA", "RG30 2HA", "SW1A 2AA", "M1 1AE", "B33 8TH", None])


@st.composite
def typo(draw, word: str) -> str:
    """One keying slip: a letter dropped, added, changed, or swapped with the next."""
    i = draw(st.integers(0, len(word) - 1))
    letter = draw(st.sampled_from("abcdefghijklmnopqrstuvwxyz"))
    kind = draw(st.sampled_from(["drop", "add", "change", "swap"]))
    if kind == "drop":
        out = word[:i] + word[i + 1:]
    elif kind == "add":
        out = word[:i] + letter + word[i:]
    elif kind == "change":
        out = word[:i] + letter + word[i + 1:]
    else:
        out = word[:i] + word[i + 1:i + 2] + word[i] + word[i + 2:]
    return out if len(out) >= 2 else word


@pytest.fixture
def me(db, make_user):
    return principal(make_user("officer"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), given_name=names, surname=names, born=births, postcode=postcodes,
       in_surname=st.booleans())
def test_a_person_and_a_typoed_copy_of_their_details_get_them_suggested(db, me, data, given_name, surname, born,
                                                                       postcode, in_surname):
    if not db.info.get("store"):
        db.info["store"] = store(db, me)     # people who resemble each other, in every example
    pid = person(db, me, commit=False, given_name=given_name, family_name=surname, date_of_birth=born,
                 postcode=postcode)
    try:
        typed = dict(given_name=given_name, surname=surname, date_of_birth=born, postcode=postcode)
        field = "surname" if in_surname else "given_name"
        typed[field] = data.draw(typo(typed[field]), label="typo'd " + field)
        assert pid in ids(suggest(db, **typed))
    finally:
        db.rollback()
