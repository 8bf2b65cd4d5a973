"""The collision report form in a real Chromium at tablet width: filled in by label, a vehicle
added, errors beside the fields, saved, and every page free of accessibility violations."""

from __future__ import annotations

from datetime import datetime, timedelta

from onbeat.core.time import UK
from tests.conftest import axe_violations
from tests.web.helpers import NO_TOTP, TABLET_WIDTH, page_width, sign_in


def _choose(page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).select_option(label=option)


def test_an_officer_reports_a_collision_in_the_browser(live_server, page, make_user):
    server = live_server(NO_TOTP)
    officer = make_user("officer")
    sign_in(page, server.base, officer.username)
    page.goto(server.base + "/records/collision/new")
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
    when = datetime.now(UK) - timedelta(hours=1)
    page.get_by_label("Date", exact=True).fill(when.date().isoformat())
    page.get_by_label("Time (24-hour)").fill(when.strftime("%H:%M"))
    page.get_by_label("Place (road names, landmarks)").fill("Bath Road, Slough")
    page.get_by_label("Latitude").fill("51.5093")
    page.get_by_label("Longitude").fill("-0.6053")
    _choose(page, "Collision severity (the worst casualty's)", "Slight")
    _choose(page, "First road class", "A")
    page.get_by_label("First road number (blank for C and unclassified roads)").fill("4")
    _choose(page, "Road type", "Dual carriageway")
    _choose(page, "Speed limit", "40 mph")
    _choose(page, "Urban or rural", "Urban")
    _choose(page, "Junction detail", "Not at junction or within 20 metres")
    _choose(page, "Light", "Darkness - lights lit")
    _choose(page, "Weather", "Fine no high winds")
    _choose(page, "Road surface", "Dry")
    _choose(page, "Did a police officer attend the scene?", "Yes")
    vehicle = page.locator("fieldset", has_text="Vehicle 1").first
    vehicle.get_by_label("Vehicle type").select_option(label="Car")
    vehicle.get_by_label("Manoeuvre").select_option(label="Slowing or stopping")
    vehicle.get_by_label("First point of impact").select_option(label="Back")
    vehicle.get_by_label("Journey purpose").select_option(label="Commuting to/from work")
    vehicle.get_by_label("Driver's sex").select_option(label="Male")
    vehicle.get_by_label("Driver's age (-1 if not known)").fill("41")
    page.get_by_role("button", name="Add a vehicle").click()
    second = page.locator("fieldset", has_text="Vehicle 2").first
    assert page.get_by_label("Place (road names, landmarks)").input_value() == "Bath Road, Slough"
    second.get_by_label("Vehicle type").select_option(label="Van / Goods 3.5 tonnes mgw or under")
    second.get_by_label("Manoeuvre").select_option(label="Going ahead other")
    second.get_by_label("First point of impact").select_option(label="Front")
    second.get_by_label("Journey purpose").select_option(label="Journey as part of work")
    second.get_by_label("Driver's sex").select_option(label="Female")
    second.get_by_label("Driver's age (-1 if not known)").fill("29")
    casualty = page.locator("fieldset", has_text="Casualty 1").first
    casualty.get_by_label("Vehicle (the one they were in, or that struck them)").fill("1")
    casualty.get_by_label("Casualty class").select_option(label="Driver or rider")
    casualty.get_by_label("Severity").select_option(label="Serious")  # worse than the collision: refused
    casualty.get_by_label("Sex").select_option(label="Male")
    casualty.get_by_label("Age (-1 if not known)").fill("41")
    page.get_by_role("button", name="Save the collision report").click()
    error = page.locator("#severity-error")
    assert "worst casualty" in error.inner_text()
    assert page.get_by_label("Collision severity (the worst casualty's)").get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []
    _choose(page, "Collision severity (the worst casualty's)", "Serious")
    page.get_by_role("button", name="Save the collision report").click()
    page.wait_for_url("**/records/collision/*-*")
    assert page.get_by_role("heading", level=1).inner_text().startswith("RTC/")
    assert "Van / Goods 3.5 tonnes mgw or under" in page.content()
    assert axe_violations(page) == []
    assert page_width(page) <= TABLET_WIDTH
    page.goto(server.base + "/records/collision")
    assert axe_violations(page) == []
