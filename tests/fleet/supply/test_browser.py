"""The supply pages in a real browser at a tablet's width, with no accessibility violations: the
build queue and plan, a request, a CSV with its progress, a run, and the driver's page with a
signature drawn on the screen."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from onbeat.fleet.supply import runs, service
from tests.conftest import axe_violations
from tests.fleet.supply.sample import force
from tests.web.helpers import NO_TOTP, TABLET_WIDTH, page_width, sign_in

pytestmark = pytest.mark.db


def check(page) -> None:
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH


def test_the_engineer_builds_checks_and_sends_out(live_server, page, db):
    f = force(db, officers=3)
    for o in f.officers[:2]:
        r = service.create(db, f.actor, service.NewRequest(person_id=o.id, needs="Screen reader"))
        service.transition(db, f.actor, service.transition(db, f.actor, r, "approved"), "building")
    db.commit()
    server = live_server(NO_TOTP)
    sign_in(page, server.base, f.engineer.username)

    page.goto(server.base + "/fleet/queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Build queue and plan")
    check(page)
    serial = page.get_by_label("Serial number of", exact=False).first
    serial.fill("5CG-BROWSER-1")
    serial.press("Enter")  # by keyboard
    expect(page.get_by_role("status")).to_contain_text("built (5CG-BROWSER-1)")

    page.get_by_role("link", name="Requests", exact=True).click()
    page.get_by_label("State").select_option("built")
    page.get_by_role("button", name="Filter").click()
    page.locator("tbody a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Device request")
    check(page)
    page.get_by_role("button", name="Checks passed").click()
    expect(page.locator("#state-value")).to_have_text("Checked")

    page.goto(server.base + "/fleet/runs")
    check(page)
    page.get_by_label("Driver").select_option(label=f.drivers[0].display_name)
    page.get_by_role("button", name="Make the runs").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delivery run RUN/")
    check(page)
    page.get_by_role("button", name="Send out for delivery").click()
    expect(page.locator("#run-state")).to_contain_text("Out for delivery")

    page.goto(server.base + "/fleet/requests/import")
    check(page)
    page.get_by_label("CSV file").set_input_files(files=[{
        "name": "team.csv", "mimeType": "text/csv",
        "buffer": f"number,role\n{f.officers[2].collar_number},officer\n".encode()}])
    page.get_by_role("button", name="Check and create the requests").click()
    expect(page.get_by_role("status")).to_contain_text("All 1 requests created")
    check(page)


def test_the_driver_takes_a_signature(live_server, page, db):
    f = force(db, officers=1)
    r = service.create(db, f.actor, service.NewRequest(person_id=f.officers[0].id))
    for step in ("approved", "building"):
        service.transition(db, f.actor, r, step)
    service.mark_built(db, f.actor, r, "SN-SIGN-1")
    service.transition(db, f.actor, r, "checked")
    (run,) = runs.plan_runs(db, f.actor, date.today(), driver_id=f.drivers[0].id)
    db.commit()
    server = live_server(NO_TOTP)
    sign_in(page, server.base, f.drivers[0].username)

    page.goto(server.base + "/fleet/deliveries")
    check(page)
    page.get_by_role("link", name=run.reference).click()
    check(page)
    page.get_by_role("button", name="Set off").click()
    page.get_by_text("Delivered", exact=False).first.click()
    pad = page.locator("canvas.signature-pad")
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for x, y in ((60, 80), (120, 30), (180, 90), (240, 50)):
        page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.up()
    expect(page.get_by_label("Their signature")).to_be_checked()
    check(page)
    page.get_by_role("button", name="Record delivered").click()
    expect(page.locator(f"#stop-{r.id} .state")).to_have_text("Delivered")
    db.expire_all()
    delivered = service.get(db, r.id)
    assert delivered.proof_kind == "signature" and delivered.signature.startswith("M ")
