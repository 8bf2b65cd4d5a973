"""The incidents API: lists with filters and pages, reading, log entries, re-grading, closing,
records, the contacts' personal data and the refusals."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from onbeat.command.incidents.models import Incident, IncidentLogEntry
from onbeat.core.audit.models import AuditEntry
from onbeat.core.permissions import permissions_for
from onbeat.core.security import Principal
from onbeat.records.core import service as records
from tests.command.incidents.factory import COUNTRY, open_incident, stations
from tests.conftest import bearer


@pytest.fixture
def handler(client, db, make_user):
    stations(db)
    return bearer(client, make_user("call_handler").username)


def test_list_paginates_and_filters(client, db, handler):
    for n in range(7):
        open_incident(db, incident_type="theft" if n % 2 else "violence", grade=1 + n % 3)
    rural = open_incident(db, incident_type="rtc_injury", place=COUNTRY)
    db.commit()
    first = client.get("/api/incidents", params={"size": 3}, headers=handler).json()
    second = client.get("/api/incidents", params={"size": 3, "page": 2}, headers=handler).json()
    assert (first["total"], first["pages"], len(first["items"])) == (8, 3, 3)
    assert {i["id"] for i in first["items"]}.isdisjoint(i["id"] for i in second["items"])
    assert [i["grade"] for i in first["items"]] == sorted(i["grade"] for i in first["items"])

    thefts = client.get("/api/incidents", params={"incident_type": "theft"}, headers=handler).json()["items"]
    assert len(thefts) == 3 and {i["incident_type"] for i in thefts} == {"theft"}
    grade2 = client.get("/api/incidents", params={"grade": 2}, headers=handler).json()["items"]
    assert grade2 and {i["grade"] for i in grade2} == {2}
    transport = client.get("/api/incidents", params={"category": "transport"}, headers=handler).json()["items"]
    assert [i["id"] for i in transport] == [str(rural.id)] and transport[0]["required_skills"] == ["first_aid"]
    by_area = client.get("/api/incidents", params={"area": "TIL"}, headers=handler).json()["items"]
    assert [i["id"] for i in by_area] == [str(rural.id)]
    by_number = client.get("/api/incidents", params={"q": rural.log_number}, headers=handler).json()["items"]
    assert [i["id"] for i in by_number] == [str(rural.id)]
    bad = client.get("/api/incidents", params={"grade": 5}, headers=handler)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "grade"
    bad = client.get("/api/incidents", params={"incident_type": "piracy"}, headers=handler)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "incident_type"


def test_unknown_incident_is_404_everywhere(client, handler):
    missing = uuid.uuid4()
    for method, path, body in (("get", "", None), ("get", "/log", None), ("post", "/log", {"text": "x"}),
                               ("post", "/grade", {"grade": 1, "reason": "x"}),
                               ("post", "/close", {"closing_code": "no_crime", "closing_note": "x"}),
                               ("post", "/records", {"reference": "CRI/000001/26"})):
        r = getattr(client, method)(f"/api/incidents/{missing}{path}", headers=handler,
                                    **({"json": body} if body else {}))
        assert r.status_code == 404, (path, r.text)


def test_log_entries_regrade_and_close(client, db, handler):
    incident = open_incident(db, grade=2)
    db.commit()
    base = f"/api/incidents/{incident.id}"
    r = client.post(base + "/log", json={"text": "Caller rang back: suspect has left"}, headers=handler)
    assert r.status_code == 201 and r.json()["kind"] == "note"

    no_reason = client.post(base + "/grade", json={"grade": 1}, headers=handler)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    same = client.post(base + "/grade", json={"grade": 2, "reason": "still the same"}, headers=handler)
    assert same.status_code == 409
    thrive = {e: {"level": "none", "notes": ""} for e in ("threat", "harm", "risk", "investigation", "engagement")}
    thrive["vulnerability"] = {"level": "none", "notes": "", "factors": []}
    thrive["threat"]["level"] = "high"
    up = client.post(base + "/grade", json={"grade": 1, "reason": "knife seen", "thrive": thrive}, headers=handler)
    assert up.status_code == 200 and up.json()["incident"]["grade"] == 1 and up.json()["suggestion"]["grade"] == 1

    unknown = client.post(base + "/close", json={"closing_code": "vanished", "closing_note": "x"}, headers=handler)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "closing_code"
    closed = client.post(base + "/close", json={"closing_code": "advice_given", "closing_note": "Words of advice"},
                         headers=handler)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = client.post(base + "/close", json={"closing_code": "advice_given", "closing_note": "again"}, headers=handler)
    assert again.status_code == 409 and "already closed" in again.json()["detail"]

    log = client.get(base + "/log", params={"size": 3}, headers=handler).json()
    assert log["total"] == 5 and [e["kind"] for e in log["items"]] == ["created", "graded", "note"]
    page2 = client.get(base + "/log", params={"size": 3, "page": 2}, headers=handler).json()
    assert [e["kind"] for e in page2["items"]] == ["regraded", "closed"]


def test_records_made_about_an_incident_are_listed_and_linked(client, db, make_user, handler):
    incident = open_incident(db)
    officer = make_user("officer")
    me = Principal(officer, permissions_for(["officer"]), roles={"officer"})
    at = datetime(2026, 11, 21, 12, tzinfo=timezone.utc)
    carried, _ = records.create(db, me, "crime", uuid.uuid4(), occurred_at=at, summary="Assault",
                                incident_number=incident.log_number)
    other, _ = records.create(db, me, "witness_statement", uuid.uuid4(), occurred_at=at, summary="Statement")
    db.commit()
    base = f"/api/incidents/{incident.id}"
    assert [r["reference"] for r in client.get(base + "/records", headers=handler).json()] == [carried.reference]

    unknown = client.post(base + "/records", json={"reference": "CRI/999999/26"}, headers=handler)
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "reference"
    already = client.post(base + "/records", json={"reference": carried.reference}, headers=handler)
    assert already.status_code == 409
    linked = client.post(base + "/records", json={"reference": other.reference.lower()}, headers=handler)
    assert linked.status_code == 201 and linked.json()["path"] == f"/records/witness-statement/{other.id}"
    assert client.post(base + "/records", json={"reference": other.reference}, headers=handler).status_code == 409
    listed = client.get(base, headers=handler).json()["records"]
    assert {r["reference"] for r in listed} == {carried.reference, other.reference}
    entry = db.execute(select(IncidentLogEntry).where(IncidentLogEntry.kind == "record_linked")).scalars().one()
    assert entry.detail["reference"] == other.reference


def test_callers_details_need_a_purpose_and_each_read_is_audited(client, db, handler):
    from tests.command.contacts.test_take import contact

    taken = client.post("/api/contacts", json=contact(), headers=handler).json()
    base = f"/api/incidents/{taken['incident_id']}"
    assert client.get(base, headers=handler).json()["contacts"] == 1
    assert "caller_name" not in client.get(base, headers=handler).text
    assert client.get(base + "/contacts", headers=handler).status_code == 400
    r = client.get(base + "/contacts", params={"purpose": "calling the caller back"}, headers=handler)
    assert r.status_code == 200 and r.json()["items"][0]["caller_name"] == "Alex Caller"
    audit = db.execute(select(AuditEntry).where(AuditEntry.subject_type == "contact",
                                                AuditEntry.action == "consult")).scalars().one()
    assert audit.purpose == "calling the caller back"


def test_check_breaches_endpoint_needs_write_permission(client, db, make_user, handler):
    open_incident(db, at=datetime(2026, 1, 1, 12, tzinfo=timezone.utc))
    db.commit()
    r = client.post("/api/incidents/check-breaches", headers=handler)
    assert r.status_code == 200 and len(r.json()["breached"]) == 1
    assert client.post("/api/incidents/check-breaches", headers=handler).json()["breached"] == []
    officer = bearer(client, make_user("officer").username)
    assert client.post("/api/incidents/check-breaches", headers=officer).status_code == 403
    assert db.execute(select(Incident.breached_at)).scalar_one() is not None


def test_types_and_codes_are_listed(client, handler):
    types = {t["code"]: t for t in client.get("/api/incidents/types", headers=handler).json()}
    assert types["firearms_incident"]["required_skills"] == ["firearms"]
    assert {t["category"] for t in types.values()} == {"public_safety", "crime", "asb", "transport"}
    codes = {c["code"] for c in client.get("/api/incidents/closing-codes", headers=handler).json()}
    assert {"crime_recorded", "no_crime", "duplicate", "false_alarm_malicious"} <= codes


def test_closing_with_units_at_scene_is_409_listing_them(client, db, handler):
    from onbeat.command.dispatch import service as dispatch
    from onbeat.command.models import Unit
    from onbeat.core.identity.models import Station
    from tests.command.incidents.factory import HANDLER

    incident = open_incident(db)
    unit = Unit(call_sign="DOG1", unit_type="dog", station_id=db.execute(select(Station.id)).scalars().first(),
                skills=["dog"], equipment=[], status="available")
    db.add(unit)
    db.flush()
    dispatch.assign(db, HANDLER, incident, unit.id)
    dispatch.change_status(db, HANDLER, unit.id, "en_route")
    dispatch.change_status(db, HANDLER, unit.id, "at_scene")
    db.commit()
    r = client.post(f"/api/incidents/{incident.id}/close", json={"closing_code": "no_crime", "closing_note": "quiet"},
                    headers=handler)
    assert r.status_code == 409 and "DOG1" in r.json()["detail"]
    assert r.json()["errors"] == [{"field": "units_at_scene", "message": "DOG1"}]
    db.expire_all()
    assert service_status(db, incident.id) == "open"


def service_status(db, incident_id) -> str:
    return db.execute(select(Incident.status).where(Incident.id == incident_id)).scalar_one()
