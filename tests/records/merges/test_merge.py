"""Merge and unmerge as POLE service functions: what moves, what comes back, and the refusals."""

from __future__ import annotations

import threading
import uuid

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from onbeat import db as onbeat_db
from onbeat.core.audit.models import AuditEntry
from onbeat.core.errors import Conflict, NotFound
from onbeat.core.events.models import OutboxEvent
from onbeat.records.pole import merge
from onbeat.records.pole.models import Person
from tests.records.merges.builders import (add_marker, alias, link, person, principal, record_naming, snapshot)


@pytest.fixture
def me(db, make_user):
    return principal(make_user("supervisor"))


def test_a_merge_moves_everything_and_an_unmerge_puts_it_back(db, me):
    keep = person(db, me, given_name="Robert", family_name="Smith", date_of_birth="1980-03-07",
                  address="12 High Street, Reading", postcode="RG1 1AA", phone="07700900123")
    dup = person(db, me, given_name="Bob", family_name="Smyth", address="4 Oxford Road, Reading", postcode="RG1 7LB",
                 phone="07700900999", identifiers={"pnc_id": "2003/0062845E"}, gender="male")
    friend = person(db, me, given_name="Alan", family_name="Jones")
    alias(db, me, dup, "Robbie", "Smyth")
    add_marker(db, me, dup, "weapons", "Carried a knife")
    link(db, me, "person", dup, "associate", "person", friend)
    link(db, me, "person", dup, "associate", "person", keep)  # a link between the two stays where it is
    shared = record_naming(db, me, "crime", [(dup, "suspect"), (friend, "suspect")])
    both = record_naming(db, me, "stop_search", [(dup, "person_searched"), (keep, "person_searched")])
    db.commit()
    before = {keep: snapshot(db, keep), dup: snapshot(db, dup), friend: snapshot(db, friend)}

    row = merge.merge(db, me, keep, dup, reason="Same PNC photo")
    db.commit()
    after_keep, after_dup = snapshot(db, keep), snapshot(db, dup)
    assert after_dup["person"][5] == keep  # merged_into_id
    for key in ("addresses", "phones", "identifiers", "markers"):
        assert not after_dup[key] and len(after_keep[key]) == len(before[keep][key]) + len(before[dup][key])
    names = {(a[1], a[2]) for a in after_keep["aliases"]}
    assert names == {("Robbie", "Smyth"), ("Bob", "Smyth")}  # the merged name became an alias
    assert after_keep["person"][3] == "male"  # filled in from the merged person
    assert " bob " in after_keep["person"][6] and " robbie " in after_keep["person"][6]
    assert {(r[0], r[1]) for r in after_keep["records"]} == {(str(shared.id), "suspect"),
                                                               (str(both.id), "person_searched")}
    assert after_dup["records"] == []
    assert [l[2] for l in after_keep["links_from"]] == [str(friend)]
    assert len(after_dup["links_from"]) == 1  # the link to the survivor itself did not move
    assert row.moved["record_links"]

    merge.unmerge(db, me, dup, reason="Different people after all")
    db.commit()
    assert {k: snapshot(db, k) for k in before} == before

    events = db.execute(select(AuditEntry.event, AuditEntry.subject_id).where(
        AuditEntry.event.like("pole.person.%merge%"))).all()
    assert ("pole.person.merged", str(keep)) in events and ("pole.person.merged_away", str(dup)) in events
    assert ("pole.person.unmerged", str(keep)) in events and ("pole.person.unmerged_back", str(dup)) in events
    merged_audit = db.execute(select(AuditEntry).where(AuditEntry.event == "pole.person.merged")).scalar_one()
    assert merged_audit.action == "combine" and merged_audit.detail["reason"] == "Same PNC photo"
    assert merged_audit.detail["moved"]["markers"] == 1
    subjects = set(db.execute(select(OutboxEvent.subject)).scalars())
    assert {"onbeat.records.person_merged", "onbeat.records.person_unmerged"} <= subjects


def test_refusals(db, me):
    a = person(db, me, given_name="Kelly", family_name="Price")
    b = person(db, me, given_name="Kelly", family_name="Pryce")
    c = person(db, me, given_name="Kel", family_name="Price")
    db.commit()
    with pytest.raises(Conflict, match="themself"):
        merge.merge(db, me, a, a)
    with pytest.raises(NotFound):
        merge.merge(db, me, a, uuid.uuid4())
    with pytest.raises(Conflict, match="not merged"):
        merge.unmerge(db, me, a)
    merge.merge(db, me, a, b)
    db.commit()
    with pytest.raises(Conflict, match="already been merged"):
        merge.merge(db, me, c, b)
    db.rollback()
    with pytest.raises(Conflict, match="has been merged into another"):
        merge.merge(db, me, b, c)
    db.rollback()
    # a later merge of the survivor blocks undoing the earlier one until it is undone
    merge.merge(db, me, c, a)
    db.commit()
    with pytest.raises(Conflict, match="since been merged"):
        merge.unmerge(db, me, b)
    db.rollback()
    merge.unmerge(db, me, a)
    merge.unmerge(db, me, b)
    db.commit()
    assert db.execute(select(Person.merged_into_id).where(Person.id.in_([a, b, c]))).scalars().all() == [None] * 3


def test_two_merges_of_one_pair_at_once_one_wins(db, me, db_url):
    a = person(db, me, given_name="Dean", family_name="Ward")
    b = person(db, me, given_name="Dean", family_name="Warde")
    db.commit()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt(survivor, merged):
        with onbeat_db.session() as s:
            barrier.wait()
            try:
                merge.merge(s, me, survivor, merged)
                s.commit()
                outcomes.append("merged")
            except Conflict:
                s.rollback()
                outcomes.append("409")

    threads = [threading.Thread(target=attempt, args=args) for args in ((a, b), (b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["409", "merged"]
    merged = db.execute(select(Person.merged_into_id).where(Person.id.in_([a, b]))).scalars().all()
    assert sorted(map(str, filter(None, merged))) in ([str(a)], [str(b)])


people = st.fixed_dictionaries({
    "given_name": st.sampled_from(["Robert", "Bob", "Mary", "Peggy", None]),
    "family_name": st.sampled_from(["Smith", "Smyth", "Jones"]),
    "date_of_birth": st.sampled_from([None, "1980-03-07", "1980-07-03"]),
    "gender": st.sampled_from([None, "male", "female"]),
    "phone": st.sampled_from([None, "07700900123", "07700900456"]),
    "postcode": st.sampled_from([None, "RG1 1AA", "RG2 0AB"]),
})
extras = st.fixed_dictionaries({
    "aliases": st.lists(st.sampled_from([("Rob", "Smith"), ("Bob", "Smyth"), ("Mags", None)]), max_size=2),
    "markers": st.lists(st.sampled_from(["violence", "weapons", "drugs"]), max_size=2),
    "passport": st.booleans(),
    "roles": st.lists(st.sampled_from(["suspect", "witness", "victim"]), max_size=3),
    "link": st.sampled_from([None, "associate", "family"]),
})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(one=people, other=people, one_extra=extras, other_extra=extras, share_record=st.booleans())
def test_unmerge_restores_both_exactly(db, me, one, other, one_extra, other_extra, share_record):
    ids = []
    for details, extra in ((one, one_extra), (other, other_extra)):
        details = {k: v for k, v in details.items() if v is not None}
        if extra["passport"]:
            details["identifiers"] = {"passport": uuid.uuid4().hex[:9].upper()}
        pid = person(db, me, **details)
        for given_name, family in extra["aliases"]:
            alias(db, me, pid, given_name, family)
        for kind in extra["markers"]:
            add_marker(db, me, pid, kind)
        ids.append(pid)
    a, b = ids
    third = person(db, me, family_name="Third")
    for pid, extra in ((a, one_extra), (b, other_extra)):
        if extra["link"]:
            link(db, me, "person", pid, extra["link"], "person", third)
        if extra["roles"]:
            record_naming(db, me, "crime", [(pid, role) for role in extra["roles"]])
    if share_record:
        record_naming(db, me, "crime", [(a, "suspect"), (b, "suspect"), (third, "witness")])
    db.commit()
    before = {pid: snapshot(db, pid) for pid in (a, b, third)}
    merge.merge(db, me, a, b)
    db.commit()
    assert snapshot(db, b)["person"][5] == a
    assert not snapshot(db, b)["records"]
    merge.unmerge(db, me, b)
    db.commit()
    assert {pid: snapshot(db, pid) for pid in (a, b, third)} == before


def test_a_record_naming_a_merged_person_names_the_survivor(db, me):
    from onbeat.records.pole.schemas import PersonRef
    from onbeat.records.pole.service import resolve_person

    keep = person(db, me, given_name="Robert", family_name="Smith", date_of_birth="1980-03-07")
    dup = person(db, me, given_name="Bob", family_name="Smith", date_of_birth="1980-03-07")
    merge.merge(db, me, keep, dup, reason="Same person")
    db.commit()
    assert resolve_person(db, me, PersonRef(id=dup)) == keep
    assert resolve_person(db, me, PersonRef(id=keep)) == keep
