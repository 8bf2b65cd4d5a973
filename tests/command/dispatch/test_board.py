"""The control-room board page: incidents by grade with countdowns, units, filters and the offline map."""

import re

from tests.command.dispatch.units import make_unit, offset
from tests.command.incidents.factory import COUNTRY, TOWN, open_incident, stations
from tests.conftest import axe_violations, bearer, browser_login


def test_board_shows_incidents_by_grade_units_and_map(client, db, make_user):
    stations(db)
    urgent = open_incident(db, incident_type="violence", grade=1, address="Broad Street")
    later = open_incident(db, incident_type="theft", grade=3, address="Oxford Road", place=COUNTRY)
    closed_soon = open_incident(db, incident_type="theft", grade=3, address="Gone Road")
    db.commit()
    unit = make_unit(db, "RD11", place=offset(TOWN, 1))
    make_unit(db, "RD12", status="busy", place=None)
    dispatcher = make_user("dispatcher")
    auth = bearer(client, dispatcher.username)
    assert client.post(f"/api/incidents/{urgent.id}/assign", json={"unit_id": str(unit.id)}, headers=auth).status_code == 201
    client.post(f"/api/incidents/{closed_soon.id}/close", headers=auth,
                json={"closing_code": "advice_given", "closing_note": "Advice."})

    browser_login(client, dispatcher.username)
    html = client.get("/board").text
    assert "Grade 1 Emergency (1)" in html and "Grade 3 Scheduled (1)" in html
    assert html.index(urgent.log_number) < html.index(later.log_number)
    assert closed_soon.log_number not in html
    assert "RD11 (assigned)" in html and "left: attend by" in html
    assert re.search(r'<tr data-unit-id="[^"]+"><td><a href="/units/[^"]+">RD12</a></td><td>Response car</td>'
                     r'<td class="unit-status">Busy', html)
    assert 'class="map-outline" data-base-layer="generated"' in html and "<image" not in html
    assert "<svg" in html and 'class="map-unit"' in html and "Reading station" in html
    assert html.count('class="map-incident"') == 2

    only_theft = client.get("/board", params={"incident_type": "theft"}).text
    assert f'href="/incidents/{later.id}"' in only_theft and f'href="/incidents/{urgent.id}"' not in only_theft
    only_grade1 = client.get("/board", params={"grade": "1"}).text
    assert f'href="/incidents/{urgent.id}"' in only_grade1 and f'href="/incidents/{later.id}"' not in only_grade1
    live = client.get("/board/live", params={"grade": "1"}).text
    assert urgent.log_number in live and "<html" not in live


def test_board_needs_incidents_read(client, db, make_user):
    agent = make_user("servicedesk_agent")
    browser_login(client, agent.username)
    assert client.get("/board").status_code == 403


def test_board_follows_a_unit_from_assignment_to_scene_live(live_server, page, db, make_user):
    """Chromium keeps the board open while the dispatcher assigns and the device reports."""
    import httpx
    from playwright.sync_api import expect

    from tests.web.helpers import bearer_from, sign_in

    stations(db)
    incident = open_incident(db, incident_type="violence", grade=1)
    db.commit()
    officer = make_user("officer")
    unit = make_unit(db, "RD11", crew=[officer], place=offset(TOWN, 1))
    dispatcher = make_user("dispatcher")
    server = live_server()
    page.set_viewport_size({"width": 800, "height": 1000})
    sign_in(page, server.base, dispatcher.username)
    page.goto(server.base + "/board")
    expect(page.locator("#board-status")).to_have_text("Live")
    row = page.locator(f'tr[data-incident-id="{incident.id}"]')
    expect(row).to_contain_text("None assigned")
    expect(row.locator("td.countdown")).to_contain_text("left")

    # Assigning from the dispatch page, in a second tab; the board's tab follows by itself.
    other = page.context.new_page()
    other.goto(server.base + f"/incidents/{incident.id}/dispatch")
    other.get_by_role("button", name="Assign RD11").click()
    expect(other.get_by_role("status")).to_have_text("RD11 assigned.")
    other.close()
    expect(row).to_contain_text("RD11 (assigned)", timeout=15_000)
    device = bearer_from(server.base, officer.username)
    for status, shown in (("en_route", "RD11 (en route)"), ("at_scene", "RD11 (at scene)")):
        assert httpx.post(f"{server.base}/api/device/status", json={"status": status}, headers=device).status_code == 200
        expect(page.locator(f'tr[data-incident-id="{incident.id}"]')).to_contain_text(shown, timeout=15_000)
    expect(page.locator(f'tr[data-unit-id="{unit.id}"] .unit-status')).to_have_text("At scene")

    marker = page.locator(f'g.map-unit[data-unit-id="{unit.id}"]')
    before = marker.get_attribute("transform")
    fix = {"latitude": TOWN[0] + 0.01, "longitude": TOWN[1], "at": "2026-11-21T12:00:00Z"}
    assert httpx.post(f"{server.base}/api/device/locations", json={"fixes": [fix]}, headers=device).json()["applied"] == 1
    expect(marker).not_to_have_attribute("transform", before, timeout=15_000)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 800
    assert axe_violations(page) == []


def test_dispatch_page_assigns_with_one_button_and_explains_a_refusal(client, db, make_user):
    from tests.conftest import csrf_from

    stations(db)
    incident = open_incident(db, incident_type="firearms_incident")
    other = open_incident(db)
    db.commit()
    arv = make_unit(db, "ARV1", unit_type="arv", skills=("firearms",), place=offset(TOWN, 3))
    make_unit(db, "RD11", place=offset(TOWN, 0.2))
    dispatcher = make_user("dispatcher", given_name="Dee", family_name="Patcher", rank="Dispatcher")
    csrf = browser_login(client, dispatcher.username)

    html = client.get(f"/incidents/{incident.id}/dispatch").text
    assert 'aria-label="Assign ARV1"' in html and 'aria-label="Assign RD11"' not in html
    assert "missing skill: firearms" in html and "Missing a skill this incident needs: 1" in html
    token = csrf_from(html)
    r = client.post(f"/incidents/{incident.id}/dispatch", data={"unit_id": str(arv.id), "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "ARV1 assigned." in page and "ARV1: assigned, assigned by Dispatcher Dee Patcher" in page

    r = client.post(f"/incidents/{other.id}/dispatch", data={"unit_id": str(arv.id), "csrf_token": csrf})
    assert r.status_code == 409
    assert f"ARV1 was assigned to {incident.log_number} by Dispatcher Dee Patcher" in r.text
    r = client.post(f"/incidents/{other.id}/dispatch", data={"unit_id": str(arv.id)})
    assert r.status_code == 403
