"""The demo force's people: a few hundred in Reading, some with markers, and the deliberate
duplicates waiting in the review queue; seeding again adds nobody."""

from __future__ import annotations

from sqlalchemy import func, select

from onbeat.records.merges.models import MergeProposal
from onbeat.records.pole import demo
from onbeat.records.pole.models import Location, Marker, Person, PersonSource


def test_demo_people(db, make_user):
    make_user("supervisor", username="1501")
    created = demo.seed(db)
    db.commit()
    assert created["people"] == demo.HOW_MANY
    assert db.execute(select(func.count()).select_from(Person)).scalar_one() == demo.HOW_MANY
    postcodes = db.execute(select(Location.postcode)).scalars().all()
    assert postcodes and all(p.startswith("RG") for p in postcodes)
    assert db.execute(select(func.count()).select_from(Marker)).scalar_one() == created["warning markers"] >= 20

    ids = dict(db.execute(select(PersonSource.person_id, PersonSource.source_id)).all())
    pairs = {frozenset((ids[p.person_a_id], ids[p.person_b_id])) for p in db.execute(select(MergeProposal)).scalars()}
    deliberate = {frozenset((dup, original)) for dup, original, _, _ in demo.DUPLICATES}
    found = pairs & deliberate
    assert len(found) >= len(deliberate) - 1, sorted(map(sorted, deliberate - pairs))
    assert len(pairs - deliberate) <= 2, sorted(map(sorted, pairs - deliberate))

    assert demo.seed(db) == {}
    assert db.execute(select(func.count()).select_from(Person)).scalar_one() == demo.HOW_MANY
