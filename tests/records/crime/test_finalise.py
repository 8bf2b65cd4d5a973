"""Finalising a crime with a Home Office outcome: who may, when, and each outcome rule."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from onbeat.core.events.models import OutboxEvent
from onbeat.records.crime.codes import OUTCOMES
from onbeat.records.crime.models import CrimeReport
from tests.records.crime.builders import Force, named_suspect

RATIONALE = "Reviewed the evidence file and the CPS advice."


def _finalise(client, force, rid, code, who=None):
    return client.post(f"/api/records/crime/{rid}/finalise", json={"outcome_code": code, "rationale": RATIONALE},
                       headers=who or force.supervisor)


def test_the_whole_flow_create_submit_approve_finalise(client, db, make_user):
    force = Force(client, make_user)
    crime = force.create(suspects=[named_suspect()])
    rid = crime["record"]["id"]
    assert _finalise(client, force, rid, "1").status_code == 409  # a draft cannot be finalised
    assert client.post(f"/api/records/{rid}/submit", headers=force.officer).status_code == 200
    assert _finalise(client, force, rid, "1").status_code == 409  # nor a report still under review
    assert client.post(f"/api/records/{rid}/approve", json={}, headers=force.supervisor).status_code == 200
    r = _finalise(client, force, rid, "1")
    assert r.status_code == 200, r.text
    outcome = r.json()["outcome"]
    assert outcome["code"] == "1" and outcome["label"] == "Charged or summonsed"
    assert outcome["rationale"] == RATIONALE and outcome["finalised_by_id"] == str(force.supervisor_user.id)
    event = db.execute(select(OutboxEvent).where(OutboxEvent.subject == "onbeat.records.crime_finalised")).scalar_one()
    assert event.permission == "records.read"
    assert event.payload["reference"] == crime["record"]["reference"] and event.payload["outcome_code"] == "1"
    assert db.execute(select(AuditEntry).where(AuditEntry.event == "records.crime.finalised")).scalar_one()
    # The same outcome again changes nothing; another outcome is refused.
    assert _finalise(client, force, rid, "1").status_code == 200
    r = _finalise(client, force, rid, "21")
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "outcome_code"


def test_finalising_needs_the_approve_permission(client, make_user):
    force = Force(client, make_user)
    rid = force.approved(suspects=[named_suspect()])["record"]["id"]
    r = _finalise(client, force, rid, "1", who=force.officer)
    assert r.status_code == 403 and "records.approve" in r.json()["detail"]


@pytest.mark.parametrize("code", [c for c, o in OUTCOMES.items() if o.needs_suspect and not o.offences])
def test_an_outcome_about_an_offender_needs_an_identified_suspect(client, db, make_user, code):
    force = Force(client, make_user)
    rid = force.approved()["record"]["id"]  # only a described suspect: nobody identified
    r = _finalise(client, force, rid, code)
    assert r.status_code == 400
    problem = r.json()
    assert problem["errors"][0]["field"] == "outcome_code"
    assert "needs an identified suspect" in problem["detail"] and f"Outcome {code} " in problem["detail"]
    report = db.execute(select(CrimeReport)).scalar_one()
    assert report.outcome_code is None and report.finalised_at is None


@pytest.mark.parametrize("code", ["14", "18"])
def test_an_outcome_for_no_suspect_is_refused_when_one_is_named(client, make_user, code):
    force = Force(client, make_user)
    rid = force.approved(suspects=[named_suspect()])["record"]["id"]
    r = _finalise(client, force, rid, code)
    assert r.status_code == 400 and "no suspect identified" in r.json()["detail"]


def test_no_suspect_outcome_is_accepted_without_one(client, make_user):
    force = Force(client, make_user)
    rid = force.approved()["record"]["id"]
    assert _finalise(client, force, rid, "18").json()["outcome"]["code"] == "18"


def test_victim_based_outcomes_need_a_victim(client, make_user):
    force = Force(client, make_user)
    rid = force.approved(offence_code="92A", victims=[], suspects=[named_suspect()])["record"]["id"]
    r = _finalise(client, force, rid, "16")
    assert r.status_code == 400 and "no victim is linked" in r.json()["detail"]


def test_a_cannabis_or_khat_warning_only_for_possession(client, make_user):
    force = Force(client, make_user)
    rid = force.approved(suspects=[named_suspect()])["record"]["id"]
    r = _finalise(client, force, rid, "7")
    assert r.status_code == 400 and "92E" in r.json()["detail"]
    rid = force.approved(offence_code="92E", victims=[], suspects=[named_suspect("Vale")])["record"]["id"]
    assert _finalise(client, force, rid, "7").status_code == 200


def test_unknown_outcome_and_short_rationale_are_refused(client, make_user):
    force = Force(client, make_user)
    rid = force.approved(suspects=[named_suspect()])["record"]["id"]
    r = _finalise(client, force, rid, "19")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "outcome_code"
    r = client.post(f"/api/records/crime/{rid}/finalise", json={"outcome_code": "1", "rationale": "ok"},
                    headers=force.supervisor)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rationale"


def test_a_decision_without_action_starts_a_duty_to_tell_each_victim(client, make_user):
    force = Force(client, make_user)
    rid = force.approved()["record"]["id"]
    crime = _finalise(client, force, rid, "18").json()
    (event,) = crime["events"]
    assert event["event"] == "no_further_action" and "outcome 18" in event["detail"]
    assert [d["victim_id"] for d in event["duties"]] == [crime["victims"][0]["person_id"]]
    assert event["duties"][0]["status"] == "due"


def test_a_crime_against_a_person_is_submitted_only_with_its_victim(client, db, make_user):
    force = Force(client, make_user)
    rid = force.create(victims=[])["record"]["id"]
    r = client.post(f"/api/records/{rid}/submit", headers=force.officer)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "victims"
    assert "has no victim" in r.json()["detail"] and db.execute(select(CrimeReport)).scalar_one()
    r = client.post(f"/api/records/crime/{rid}/parties", headers=force.officer,
                    json={"victims": [{"person": {"given_name": "Ola", "family_name": "Berg"}}]})
    assert r.status_code == 200
    assert client.post(f"/api/records/{rid}/submit", headers=force.officer).json()["state"] == "submitted"
    # Possessing drugs has no victim to name.
    rid = force.create(offence_code="92E", victims=[])["record"]["id"]
    assert client.post(f"/api/records/{rid}/submit", headers=force.officer).json()["state"] == "submitted"


def test_the_outcome_list_is_the_published_one():
    assert list(OUTCOMES) == ["1", "1A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
                              "16", "17", "18", "20", "21", "22"]
    needs = {c for c, o in OUTCOMES.items() if o.needs_suspect}
    assert {"1", "2", "3", "4", "6", "7", "8", "15", "16", "22"} <= needs
    assert not needs & {"14", "18", "20", "21"}
