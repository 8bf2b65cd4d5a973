"""The device pages in a real Chromium: list, device page with its timeline, findings; tablet width,
keyboard and axe. And the same pages' forms without a browser."""

from __future__ import annotations

import re

from sqlalchemy import update

from onbeat.fleet.devices import service
from onbeat.fleet.devices.models import Device
from tests.conftest import browser_login
from tests.fleet.devices.sample import ENGINEER, enrolled, report
from tests.web.helpers import NO_TOTP, TABLET_WIDTH, page_width, sign_in


def _faulty(client, db, make_user):
    owner = make_user("officer", username="owner7", given_name="Amira", family_name="Khan")
    dev, auth = enrolled(client, db)
    db.execute(update(Device).where(Device.id == dev.id).values(person_id=owner.id))
    db.commit()
    r = client.post("/api/fleet/device/checkin", json=report(storage={"total_gb": 256, "free_gb": 5}), headers=auth)
    assert r.status_code == 200
    return dev, auth


def test_engineer_sends_a_command_and_runs_a_fix_from_the_pages(client, db, make_user):
    dev, auth = _faulty(client, db, make_user)
    make_user("fleet_engineer", username="eng7")
    csrf = browser_login(client, "eng7")
    html = client.get("/fleet/devices?q=khan").text
    assert dev.reference in html and "Disk nearly full" in html
    page = client.get(f"/fleet/devices/{dev.id}").text
    assert "Finding: Disk nearly full" in page and re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d (GMT|BST)", page)
    # A wipe needs its confirmation box.
    r = client.post(f"/fleet/devices/{dev.id}/commands", data={"csrf_token": csrf, "kind": "wipe"})
    assert r.status_code == 400 and "confirm the wipe" in r.text
    r = client.post(f"/fleet/devices/{dev.id}/commands", data={"csrf_token": csrf, "kind": "show_message"})
    assert r.status_code == 400 and "A message of 1 to 500 characters" in r.text
    r = client.post(f"/fleet/devices/{dev.id}/commands", data={"csrf_token": csrf, "kind": "show_message",
                                                               "message": "Please dock tonight"}, follow_redirects=False)
    assert r.status_code == 303
    findings = client.get("/fleet/findings").text
    fix = re.search(r'action="(/fleet/findings/[^/]+/fix)"', findings).group(1)
    r = client.post(fix, data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and "done=fix" in r.headers["location"]
    answer = client.post("/api/fleet/device/checkin", json=report(storage={"total_gb": 256, "free_gb": 5}), headers=auth).json()
    assert [c["kind"] for c in answer["commands"]] == ["show_message", "push_configuration"]
    r = client.post(f"/fleet/devices/{dev.id}/enrolment-code", data={"csrf_token": csrf})
    assert r.status_code == 200 and "<svg" in r.text and re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", r.text)


def test_anyone_reports_their_own_device_lost(client, db, make_user):
    dev, _ = _faulty(client, db, make_user)
    csrf = browser_login(client, "owner7")
    mine = client.get("/fleet/my-devices").text
    assert dev.reference in mine
    r = client.post(f"/fleet/devices/{dev.id}/lost", data={"csrf_token": csrf, "lost_kind": "stolen",
                                                           "circumstances": "", "back": "/fleet/my-devices"})
    assert r.status_code == 400 and "last seen" in r.text
    r = client.post(f"/fleet/devices/{dev.id}/lost", data={"csrf_token": csrf, "lost_kind": "stolen", "back": "/fleet/my-devices",
                                                           "circumstances": "Bag taken at Reading station, 14:00"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Wipe scheduled" in client.get("/fleet/my-devices").text
    assert client.get(f"/fleet/devices/{dev.id}", follow_redirects=False).status_code == 403


def test_device_pages_in_a_browser(client, db, make_user, live_server, page):
    dev, _ = _faulty(client, db, make_user)
    for n in range(30):  # enough for the list and the timeline to paginate
        service.note(db, dev.id, "test", f"Routine entry {n}", ENGINEER)
    db.commit()
    make_user("fleet_engineer", username="eng8")
    server = live_server(NO_TOTP)
    page.set_viewport_size({"width": TABLET_WIDTH, "height": 1000})
    sign_in(page, server.base, "eng8")
    page.goto(server.base + "/fleet/devices")
    assert page.get_by_role("link", name=dev.reference).is_visible()
    assert page_width(page) <= TABLET_WIDTH
    assert axe_clean(page)

    page.get_by_role("link", name=dev.reference).click()
    page.wait_for_url(f"**/fleet/devices/{dev.id}")
    assert page.get_by_role("heading", name="Timeline").is_visible()
    assert page.get_by_text("Timeline page 1 of 2").is_visible()
    assert page_width(page) <= TABLET_WIDTH
    assert axe_clean(page)
    # By keyboard: choose a command and send it.
    page.get_by_label("Command", exact=True).focus()
    page.keyboard.press("End")  # the last choice: show a message
    assert page.get_by_label("Command", exact=True).input_value() == "show_message"
    page.get_by_label("Message (show a message; optional for a lock)").fill("Please dock tonight")
    page.get_by_label("Message (show a message; optional for a lock)").press("Enter")
    page.wait_for_url("**done=queued")
    assert page.get_by_role("status").inner_text().startswith("Command sent")

    page.goto(server.base + "/fleet/findings")
    assert page.get_by_text("Only 2.0% of the disk is free").is_visible()
    assert page_width(page) <= TABLET_WIDTH
    assert axe_clean(page)
    page.get_by_role("button", name=re.compile("Run fix: clear temporary files")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**done=fix")
    assert page.get_by_text("Fix sent to the device.").is_visible()
    assert axe_clean(page)


def axe_clean(page) -> bool:
    from tests.conftest import axe_violations

    found = axe_violations(page)
    assert found == [], found
    return True
