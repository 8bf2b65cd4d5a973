"""Response figures per grade over known data: median, 90th percentile, % within target."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from onbeat.command.incidents import service
from onbeat.command.incidents.figures import response_figures, uk_day_bounds
from tests.command.incidents.factory import open_incident, stations
from tests.conftest import bearer, browser_login

DAY = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


def build(db) -> None:
    stations(db)
    # Grade 1, urban (15 min target): arrivals after 5, 10, 12, 20 and 30 minutes, one never attended.
    for minutes in (5, 10, 12, 20, 30):
        incident = open_incident(db, grade=1, at=DAY)
        service.mark_arrived(db, incident, DAY + timedelta(minutes=minutes))
    open_incident(db, grade=1, at=DAY)
    # Grade 2 (60 min): 40 and 90 minutes; one opened late in the day still inside its target at "now".
    for minutes in (40, 90):
        service.mark_arrived(db, open_incident(db, grade=2, at=DAY), DAY + timedelta(minutes=minutes))
    open_incident(db, grade=2, at=DAY + timedelta(hours=12))
    # Grade 4: no target; the next day's incident is outside the range.
    open_incident(db, grade=4, at=DAY)
    service.mark_arrived(db, open_incident(db, grade=1, at=DAY + timedelta(days=1)), DAY + timedelta(days=1, minutes=1))
    db.commit()


def test_figures_over_known_data(db):
    build(db)
    now = DAY + timedelta(hours=12, minutes=30)
    figures = {g["grade"]: g for g in response_figures(db, date(2026, 3, 10), date(2026, 3, 10), now=now)["grades"]}
    one = figures[1]
    assert (one["incidents"], one["arrived"], one["judged"], one["within_target"]) == (6, 5, 6, 3)
    assert one["median_minutes"] == 12.0
    assert one["p90_minutes"] == 26.0  # 20 + 0.6 × (30 − 20), linear interpolation
    assert one["within_target_pct"] == 50.0
    two = figures[2]
    assert (two["incidents"], two["judged"], two["within_target"], two["within_target_pct"]) == (3, 2, 1, 50.0)
    assert two["median_minutes"] == 65.0
    assert figures[4]["incidents"] == 1 and figures[4]["within_target_pct"] is None and not figures[4]["has_target"]
    assert figures[3]["incidents"] == 0 and figures[3]["median_minutes"] is None

    both_days = {g["grade"]: g for g in response_figures(db, date(2026, 3, 10), date(2026, 3, 11), now=now)["grades"]}
    assert both_days[1]["incidents"] == 7 and both_days[1]["within_target"] == 4


def test_days_are_uk_days():
    start, end = uk_day_bounds(date(2026, 7, 1), date(2026, 7, 1))
    assert start == datetime(2026, 6, 30, 23, 0, tzinfo=timezone.utc)  # BST
    assert end - start == timedelta(hours=24)


def test_figures_api_and_page(client, db, make_user):
    build(db)
    analyst = make_user("analyst")
    auth = bearer(client, analyst.username)
    r = client.get("/api/incidents/figures", params={"date_from": "2026-03-10", "date_to": "2026-03-10"}, headers=auth)
    assert r.status_code == 200
    grade1 = r.json()["grades"][0]
    assert grade1["median_minutes"] == 12.0 and grade1["p90_minutes"] == 26.0
    bad = client.get("/api/incidents/figures", params={"date_from": "2026-03-11", "date_to": "2026-03-10"}, headers=auth)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "date_from"
    browser_login(client, analyst.username)
    html = client.get("/incidents/figures?date_from=2026-03-10&date_to=2026-03-10").text
    assert "1 Emergency" in html and "50.0% (3 of 6)" in html
