"""The call-taking page through the form: suggestion and duplicate partials, saving, errors."""

from __future__ import annotations

from sqlalchemy import select

from onbeat.command.contacts.models import Contact
from onbeat.command.incidents.models import Incident
from tests.command.incidents.factory import TOWN, stations
from tests.conftest import browser_login

LEVELS = {"threat_level": "high", "harm_level": "medium", "risk_level": "medium", "investigation_level": "low",
          "vulnerability_level": "none", "engagement_level": "medium"}


def form(csrf: str, **over) -> dict:
    data = {"csrf_token": csrf, "channel": "999", "received_at": "2026-11-21T14:00:00",
            "answered_at": "2026-11-21T14:00:06", "caller_name": "Sam Caller", "callback_number": "0118 496 0000",
            "address": "Broad Street, Reading", "postcode": "RG1 2BH", "latitude": str(TOWN[0]),
            "longitude": str(TOWN[1]), "incident_type": "violence", "description": "A fight outside the bank",
            **LEVELS}
    data.update(over)
    return data


def signed_in(client, db, make_user) -> str:
    stations(db)
    return browser_login(client, make_user("call_handler").username)


def test_the_page_shows_the_suggestion_and_saves_the_contact(client, db, make_user):
    csrf = signed_in(client, db, make_user)
    page = client.get("/contacts/new")
    assert page.status_code == 200 and 'name="threat_level"' in page.text and "Suggest grade" in page.text

    partial = client.post("/contacts/suggest", data=form(csrf), headers={"HX-Request": "true"})
    assert 'data-grade="1"' in partial.text and "Threat is high" in partial.text

    incomplete = client.post("/contacts/suggest", data=form(csrf, harm_level=""), headers={"HX-Request": "true"})
    assert "Still needed" in incomplete.text and "Harm level" in incomplete.text

    r = client.post("/contacts/new", data=form(csrf), follow_redirects=False)
    assert r.status_code == 303, r.text
    incident = db.execute(select(Incident)).scalars().one()
    assert r.headers["location"].startswith(f"/incidents/{incident.id}")
    shown = client.get(r.headers["location"])
    assert incident.log_number in shown.text and "Sam Caller" not in shown.text and "saved on incident" in shown.text


def test_form_errors_are_shown_beside_their_fields(client, db, make_user):
    csrf = signed_in(client, db, make_user)
    r = client.post("/contacts/new", data=form(csrf, latitude="95", callback_number="12345", grade="3"))
    assert r.status_code == 400
    assert 'id="latitude-error"' in r.text and 'id="callback_number-error"' in r.text
    r = client.post("/contacts/new", data=form(csrf, grade="3"))
    assert r.status_code == 400 and 'id="grade_reason-error"' in r.text
    assert db.execute(select(Contact)).first() is None


def test_a_duplicate_is_offered_and_linked_from_the_page(client, db, make_user):
    csrf = signed_in(client, db, make_user)
    client.post("/contacts/new", data=form(csrf, received_at="", answered_at=""), follow_redirects=False)
    first = db.execute(select(Incident)).scalars().one()

    near = form(csrf, received_at="", answered_at="", latitude=str(TOWN[0] + 0.001), caller_name="Second caller")
    partial = client.post("/contacts/duplicates", data=near, headers={"HX-Request": "true"})
    assert first.log_number in partial.text and "m away" in partial.text

    refused = client.post("/contacts/new", data=near)
    assert refused.status_code == 409 and f'value="{first.id}"' in refused.text
    assert db.execute(select(Contact)).scalars().all().__len__() == 1

    linked = client.post("/contacts/new", data={**near, "decision": str(first.id)}, follow_redirects=False)
    assert linked.status_code == 303 and linked.headers["location"].startswith(f"/incidents/{first.id}")
    assert len(db.execute(select(Incident)).scalars().all()) == 1
    assert {c.incident_id for c in db.execute(select(Contact)).scalars()} == {first.id}
