"""The recommendation: suitable available units ranked by ETA, with reasons, and those left out with why."""

from onbeat.command.dispatch import recommend as recommender
from onbeat.command.dispatch.eta import GreatCircleEta
from tests.command.dispatch.units import make_unit, offset
from tests.command.incidents.factory import TOWN, open_incident, stations
from tests.conftest import bearer


def _rec(client, auth, incident):
    r = client.get(f"/api/incidents/{incident.id}/recommendation", headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


def test_ranked_by_eta_with_reasons_and_exclusions(client, db, make_user):
    stations(db)
    incident = open_incident(db, incident_type="violence", place=TOWN)
    db.commit()
    make_unit(db, "NEAR", place=offset(TOWN, 1))
    make_unit(db, "FAR", place=offset(TOWN, 0, 5))
    make_unit(db, "WALK", unit_type="foot_patrol", place=offset(TOWN, -0.5))
    make_unit(db, "BUSY", status="busy", place=offset(TOWN, 0.1))
    make_unit(db, "HOME", status="off_duty", place=offset(TOWN, 0.2))
    make_unit(db, "NOFIX", place=None)
    make_unit(db, "AWAY", place=offset(TOWN, 100))
    auth = bearer(client, make_user("dispatcher").username)

    rec = _rec(client, auth, incident)
    assert [u["call_sign"] for u in rec["units"]] == ["NEAR", "WALK", "FAR"]
    etas = [u["eta_seconds"] for u in rec["units"]]
    assert etas == sorted(etas)
    near = rec["units"][0]
    assert 950 <= near["distance_m"] <= 1050
    assert "skills matched: none needed" in near["reason"] and "1.0 km away" in near["reason"]
    assert f"ETA {round(near['eta_seconds'] / 60)} min" in near["reason"] and near["reason"].startswith("Available")
    assert rec["excluded_counts"] == {"busy": 1, "off_duty": 1, "no_location": 1, "too_far": 1}
    left = {x["call_sign"]: x["why"] for x in rec["excluded"]}
    assert left == {"BUSY": "busy", "HOME": "off duty"}


def test_firearms_incident_needs_an_armed_unit(client, db, make_user):
    stations(db)
    incident = open_incident(db, incident_type="firearms_incident", place=TOWN)
    db.commit()
    make_unit(db, "RD11", skills=("first_aid", "taser"), place=offset(TOWN, 0.3))
    make_unit(db, "ARV1", unit_type="arv", skills=("firearms", "taser", "advanced_driver"), place=offset(TOWN, 8))
    auth = bearer(client, make_user("dispatcher").username)

    rec = _rec(client, auth, incident)
    assert rec["required_skills"] == ["firearms"]
    assert [u["call_sign"] for u in rec["units"]] == ["ARV1"]
    assert "skills matched: firearms" in rec["units"][0]["reason"]
    assert rec["excluded"] == [{"unit_id": rec["excluded"][0]["unit_id"], "call_sign": "RD11", "status": "available",
                                "why": "missing skill: firearms", "distance_m": 300}]
    assert rec["excluded_counts"] == {"missing_skill": 1}


def test_unit_on_another_job_is_left_out_naming_the_job(client, db, make_user):
    stations(db)
    first = open_incident(db, incident_type="theft", grade=3)
    second = open_incident(db, incident_type="theft", grade=3)
    db.commit()
    unit = make_unit(db, "RD12", place=offset(TOWN, 0.5))
    auth = bearer(client, make_user("dispatcher").username)
    assert client.post(f"/api/incidents/{first.id}/assign", json={"unit_id": str(unit.id)}, headers=auth).status_code == 201

    rec = _rec(client, auth, second)
    assert rec["units"] == []
    assert rec["excluded"][0]["why"] == f"assigned at {first.log_number}"


def test_incident_without_location_cannot_be_ranked(client, db, make_user):
    stations(db)
    incident = open_incident(db, place=None)
    db.commit()
    r = client.get(f"/api/incidents/{incident.id}/recommendation", headers=bearer(client, make_user("dispatcher").username))
    assert r.status_code == 409 and "no location" in r.json()["detail"]


def test_call_handler_may_not_ask_for_a_recommendation(client, db, make_user):
    stations(db)
    incident = open_incident(db)
    db.commit()
    r = client.get(f"/api/incidents/{incident.id}/recommendation", headers=bearer(client, make_user("call_handler").username))
    assert r.status_code == 403


class _Roads:
    """A stand-in routing engine: says the river makes everything north of the incident slow."""

    speeds = GreatCircleEta().speeds

    def eta_seconds(self, unit_type, from_lat, from_lon, to_lat, to_lon, urban):
        base = GreatCircleEta().eta_seconds(unit_type, from_lat, from_lon, to_lat, to_lon, urban)
        return base * (10 if from_lat > to_lat else 1)


def test_eta_model_can_be_replaced(db):
    stations(db)
    incident = open_incident(db, place=TOWN)
    db.commit()
    make_unit(db, "NORTH", place=offset(TOWN, 1))
    make_unit(db, "SOUTH", place=offset(TOWN, -2))
    assert [u.call_sign for u in recommender.recommend(db, incident).units] == ["NORTH", "SOUTH"]
    assert [u.call_sign for u in recommender.recommend(db, incident, _Roads()).units] == ["SOUTH", "NORTH"]


def test_a_quicker_unit_beyond_the_first_search_square_is_not_missed(db):
    stations(db)
    incident = open_incident(db, place=TOWN)
    db.commit()
    for n in range(12):
        make_unit(db, f"FOOT{n:02d}", unit_type="foot_patrol", place=offset(TOWN, 1.5 + n / 20))
    make_unit(db, "CAR", place=offset(TOWN, 0, 7))
    ranked = recommender.recommend(db, incident).units
    assert ranked[0].call_sign == "CAR" and len(ranked) == 10
    assert ranked[0].eta_s < ranked[1].eta_s
