"""The staff pages: the list, the report form (adding vehicles and casualties, errors beside the
fields, nothing stored on an error), the report's page with its purpose prompt, and the export page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from onbeat.core.time import UK
from onbeat.records.core.models import Record, RecordLink
from tests.conftest import bearer, browser_login, csrf_from
from tests.records.collisions.helpers import API, report, vehicle

PAGE = "/records/collision"


def _valid_form(csrf: str, client_uuid: str) -> dict[str, str]:
    when = datetime.now(UK) - timedelta(hours=3)
    return {
        "csrf_token": csrf, "client_uuid": client_uuid, "date": when.date().isoformat(), "time": when.strftime("%H:%M"),
        "place": "London Road, Wokingham", "easting": "481000", "northing": "168500", "severity": "2",
        "first_road_class": "3", "first_road_number": "329", "road_type": "6", "speed_limit": "30",
        "urban_or_rural_area": "1", "junction_detail": "0", "light_conditions": "1", "weather_conditions": "2",
        "road_surface_conditions": "2", "police_attended": "1",
        "vehicles.0.vehicle_type": "9", "vehicles.0.vehicle_manoeuvre": "18", "vehicles.0.first_point_of_impact": "1",
        "vehicles.0.journey_purpose_of_driver": "5", "vehicles.0.sex_of_driver": "2", "vehicles.0.age_of_driver": "52",
        "vehicles.0.vehicle.registration": "WR19 ABC",
        "vehicles.0.driver.given_name": "Alex", "vehicles.0.driver.family_name": "Morgan",
        "casualties.0.casualty_class": "3", "casualties.0.casualty_severity": "2", "casualties.0.sex_of_casualty": "1",
        "casualties.0.age_of_casualty": "12", "casualties.0.pedestrian_location": "5",
        "casualties.0.pedestrian_movement": "1", "action": "save",
    }


def _uuid_in(html: str) -> str:
    return re.search(r'name="client_uuid" value="([^"]+)"', html).group(1)


def test_the_form_saves_a_report_and_shows_it(client, db, make_user):
    officer = make_user("officer")
    browser_login(client, officer.username)
    blank = client.get(PAGE + "/new")
    assert blank.status_code == 200 and "Vehicle 1" in blank.text and "Casualty 1" in blank.text
    form = _valid_form(csrf_from(blank.text), _uuid_in(blank.text))
    saved = client.post(PAGE + "/new", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    shown = client.get(saved.headers["location"])
    assert shown.status_code == 200
    assert "Collision report (STATS19)" in shown.text and "WR19 ABC" in shown.text
    assert "Pedestrian" in shown.text and "Serious" in shown.text and "Submit for approval" in shown.text
    # Pressing save twice (the same client UUID) makes one report.
    again = client.post(PAGE + "/new", data=form, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == saved.headers["location"]
    assert db.scalar(select(func.count()).select_from(Record)) == 1


def test_add_and_remove_vehicles_and_casualties_keep_what_was_typed(client, make_user):
    officer = make_user("officer")
    browser_login(client, officer.username)
    blank = client.get(PAGE + "/new")
    form = _valid_form(csrf_from(blank.text), _uuid_in(blank.text)) | {"action": "add_vehicle"}
    more = client.post(PAGE + "/new", data=form)
    assert more.status_code == 200 and "Vehicle 2" in more.text and "Vehicle 3" not in more.text
    assert 'value="London Road, Wokingham"' in more.text and 'value="52"' in more.text
    form |= {"action": "add_casualty", "vehicles.1.vehicle_type": "1"}
    more = client.post(PAGE + "/new", data=form)
    assert "Casualty 2" in more.text and "Vehicle 2" in more.text
    fewer = client.post(PAGE + "/new", data=form | {"action": "remove_vehicle", "casualties.1.casualty_class": "1"})
    assert "Vehicle 2" not in fewer.text and "Casualty 2" in fewer.text


def test_errors_are_shown_beside_their_fields_and_nothing_is_stored(client, db, make_user):
    officer = make_user("officer")
    browser_login(client, officer.username)
    blank = client.get(PAGE + "/new")
    form = _valid_form(csrf_from(blank.text), _uuid_in(blank.text))
    form |= {"severity": "3", "casualties.0.pedestrian_movement": "", "vehicles.0.age_of_driver": "150"}
    refused = client.post(PAGE + "/new", data=form)
    assert refused.status_code == 400
    html = refused.text
    for name in ("severity", "casualties.0.pedestrian_movement", "vehicles.0.age_of_driver"):
        assert f'id="{name}-error"' in html, name
        assert re.search(rf'id="{re.escape(name)}"[^>]*aria-invalid="true"', html), name
    assert "worst casualty" in html and "error-summary" in html
    missing = client.post(PAGE + "/new", data=form | {"light_conditions": ""})
    assert missing.status_code == 422 and 'id="light_conditions-error"' in missing.text
    assert db.scalar(select(func.count()).select_from(Record)) == 0


def test_the_author_edits_a_draft_through_the_form(client, db, make_user):
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    body = report(vehicles=[vehicle(1, junction_location=1, vehicle={"registration": "AB12CDE"},
                                    driver={"given_name": "Jo", "family_name": "Bloggs"})])
    record_id = client.post(API, json=body, headers=auth).json()["record"]["id"]
    links_before = sorted((link.role, link.entity_id) for link in db.scalars(select(RecordLink)))
    browser_login(client, officer.username)
    edit = client.get(f"{PAGE}/{record_id}/edit")
    assert edit.status_code == 200 and 'value="Oxford Road near Cranbury Road, Reading"' in edit.text
    values = dict(re.findall(r'<input id="([^"]+)" name="[^"]+" type="[^"]+" value="([^"]*)"', edit.text))
    values |= dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', edit.text))
    selected = dict(re.findall(r'<select id="([^"]+)"[^>]*>(?:(?!</select>).)*?<option value="(-?\d+)" selected',
                               edit.text, re.S))
    form = {k: v for k, v in (values | selected).items() if v} | {
        "csrf_token": csrf_from(edit.text), "client_uuid": _uuid_in(edit.text), "place": "Oxford Road, Reading",
        "action": "save"}
    saved = client.post(f"{PAGE}/{record_id}/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    read = client.get(f"{API}/{record_id}", headers={**auth, "X-Purpose": "check the edit"}).json()
    assert read["record"]["place"] == "Oxford Road, Reading" and read["junction_control"] == 4
    # The driver and the vehicle stay linked: the same POLE entities, not new ones.
    db.expire_all()
    assert sorted((link.role, link.entity_id) for link in db.scalars(select(RecordLink))) == links_before
    assert [role for role, _ in links_before] == ["driver", "vehicle"]


def test_another_officer_gives_a_purpose_to_see_a_report(client, make_user):
    author, other = make_user("officer"), make_user("officer")
    record_id = client.post(API, json=report(), headers=bearer(client, author.username)).json()["record"]["id"]
    browser_login(client, other.username)
    prompt = client.get(f"{PAGE}/{record_id}")
    assert prompt.status_code == 200 and "Why you need this report" in prompt.text
    shown = client.get(f"{PAGE}/{record_id}", params={"purpose": "Incident 0042-21112026"})
    assert shown.status_code == 200 and "STATS19 collision index" in shown.text
    assert "Submit for approval" not in shown.text and "Edit the report" not in shown.text


def test_list_and_export_pages(client, make_user):
    officer, supervisor = make_user("officer"), make_user("supervisor")
    client.post(API, json=report(), headers=bearer(client, officer.username))
    browser_login(client, officer.username)
    listed = client.get(PAGE, params={"severity": "3"})
    assert listed.status_code == 200 and "RTC/" in listed.text and "Slight" in listed.text
    assert "STATS19 export" not in listed.text
    assert client.get(PAGE + "/export").status_code == 403
    browser_login(client, supervisor.username)
    export_page = client.get(PAGE + "/export")
    assert export_page.status_code == 200 and 'action="/api/records/collisions/export"' in export_page.text
