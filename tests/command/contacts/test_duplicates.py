"""Duplicate detection (close vs far, same type vs category vs other, open vs closed, time window,
postcode) and linking a contact to the incident it duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onbeat.command.contacts.duplicates import candidates
from onbeat.command.contacts.models import Contact
from onbeat.command.incidents import service
from onbeat.command.incidents.models import Incident, IncidentLogEntry
from onbeat.core.time import utcnow
from tests.command.contacts.test_take import contact
from tests.command.incidents.factory import HANDLER, TOWN, open_incident, stations
from tests.conftest import bearer

# About 111 m of latitude per 0.001 degree.
NEAR = (TOWN[0] + 0.002, TOWN[1])     # ~220 m
FAR = (TOWN[0] + 0.004, TOWN[1])      # ~445 m


def find(db, incident_type="violence", place=NEAR, postcode=None, at=None):
    lat, lon = place if place else (None, None)
    return candidates(db, incident_type, latitude=lat, longitude=lon, postcode=postcode, at=at or utcnow())


def test_close_in_place_and_time_same_type_first(db):
    stations(db)
    now = utcnow()
    fight = open_incident(db, incident_type="violence", at=now - timedelta(minutes=10))
    robbery = open_incident(db, incident_type="robbery", at=now - timedelta(minutes=5))  # same category: crime
    open_incident(db, incident_type="rtc_damage", at=now - timedelta(minutes=5))        # transport: not offered
    found = find(db, at=now)
    assert [f["log_number"] for f in found] == [fight.log_number, robbery.log_number]
    assert [f["match"] for f in found] == ["type", "category"]
    assert 200 <= found[0]["distance_m"] <= 240 and found[0]["minutes"] == 10


def test_far_old_or_closed_incidents_are_not_offered(db, monkeypatch):
    stations(db)
    now = utcnow()
    open_incident(db, at=now - timedelta(minutes=90))                         # outside the 60 min window
    closed = open_incident(db, at=now - timedelta(minutes=5))
    service.close(db, HANDLER, closed, "no_crime", "nothing found")
    assert find(db, at=now) == []
    open_incident(db, at=now - timedelta(minutes=5))
    assert find(db, place=FAR, at=now) == []                                  # beyond 300 m
    monkeypatch.setenv("ONBEAT_COMMAND_DUPLICATE_RADIUS_M", "500")
    assert len(find(db, place=FAR, at=now)) == 1
    monkeypatch.setenv("ONBEAT_COMMAND_DUPLICATE_WINDOW_MINUTES", "120")
    assert len(find(db, place=FAR, at=now)) == 2


def test_without_coordinates_the_same_postcode_counts(db):
    stations(db)
    now = utcnow()
    by_postcode = open_incident(db, place=None, postcode="RG1 2BH", at=now)
    found = find(db, place=None, postcode="RG1 2BH", at=now)
    assert [f["log_number"] for f in found] == [by_postcode.log_number] and found[0]["distance_m"] is None
    assert find(db, place=None, postcode="RG1 7TH", at=now) == []
    assert find(db, place=None, postcode=None, at=now) == []


@pytest.fixture
def handler(client, db, make_user):
    stations(db)
    return bearer(client, make_user("call_handler").username)


def test_a_duplicate_must_be_linked_or_declined(client, db, handler):
    first = client.post("/api/contacts", json=contact(), headers=handler).json()
    second = contact(latitude=NEAR[0], longitude=NEAR[1], caller_name="Second caller")

    offered = client.post("/api/contacts/duplicates", json={k: second[k] for k in
                                                              ("incident_type", "latitude", "longitude")}, headers=handler)
    assert [d["incident_id"] for d in offered.json()] == [first["incident_id"]]

    refused = client.post("/api/contacts", json=second, headers=handler)
    assert refused.status_code == 409 and first["log_number"] in refused.json()["detail"]
    assert refused.json()["errors"][0]["field"] == "link_to"
    assert len(db.execute(select(Contact)).scalars().all()) == 1

    linked = client.post("/api/contacts", json={**second, "link_to": first["incident_id"]}, headers=handler)
    assert linked.status_code == 201 and linked.json()["linked"] is True
    assert linked.json()["incident_id"] == first["incident_id"]
    assert len(db.execute(select(Incident)).scalars().all()) == 1
    log = [e.text for e in db.execute(select(IncidentLogEntry).where(IncidentLogEntry.kind == "contact_linked")
                                      .order_by(IncidentLogEntry.id)).scalars()]
    assert "linked as a duplicate" in log[-1]

    new = client.post("/api/contacts", json={**second, "open_new": True}, headers=handler)
    assert new.status_code == 201 and new.json()["incident_id"] != first["incident_id"]
    assert new.json()["duplicates"][0]["incident_id"] == first["incident_id"]


def test_a_more_urgent_linked_contact_regrades_the_incident(client, db, handler):
    calm = contact(grade=3, grade_reason="Sounded like shouting only", thrive=contact()["thrive"])
    first = client.post("/api/contacts", json=calm, headers=handler).json()
    assert db.get(Incident, first["incident_id"]).grade == 3
    urgent = client.post("/api/contacts", json={**contact(), "link_to": first["incident_id"]}, headers=handler)
    assert urgent.status_code == 201
    incident = db.get(Incident, first["incident_id"])
    db.refresh(incident)
    assert incident.grade == 1
    regraded = db.execute(select(IncidentLogEntry).where(IncidentLogEntry.kind == "regraded")).scalars().one()
    assert regraded.detail["old_grade"] == 3 and "linked contact" in regraded.detail["reason"]


def test_linking_a_saved_contact_moves_it_and_closes_the_empty_incident(client, db, handler):
    first = client.post("/api/contacts", json=contact(), headers=handler).json()
    second = client.post("/api/contacts", json={**contact(latitude=NEAR[0]), "open_new": True}, headers=handler).json()
    cid = second["contact"]["id"]
    r = client.post(f"/api/contacts/{cid}/link", json={"incident_id": first["incident_id"]}, headers=handler)
    assert r.status_code == 200 and r.json()["incident_id"] == first["incident_id"]
    emptied = db.get(Incident, second["incident_id"])
    assert (emptied.status, emptied.closing_code) == ("closed", "duplicate")
    assert first["log_number"] in emptied.closing_note
    again = client.post(f"/api/contacts/{cid}/link", json={"incident_id": first["incident_id"]}, headers=handler)
    assert again.status_code == 409
    to_closed = client.post(f"/api/contacts/{cid}/link", json={"incident_id": second["incident_id"]}, headers=handler)
    assert to_closed.status_code == 409 and "closed" in to_closed.json()["detail"]
    closed_target = client.post("/api/contacts", json={**contact(), "link_to": second["incident_id"]}, headers=handler)
    assert closed_target.status_code == 409 and closed_target.json()["errors"][0]["field"] == "link_to"
    unknown = client.post("/api/contacts", json={**contact(), "link_to": "00000000-0000-0000-0000-000000000000"},
                          headers=handler)
    assert unknown.status_code == 404
