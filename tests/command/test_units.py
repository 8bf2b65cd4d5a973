from sqlalchemy import select

from onbeat.command.models import Unit
from onbeat.demo.force import seed
from tests.conftest import bearer, browser_login


def test_units_list_paginates_and_filters(client, db, make_user):
    seed(db)
    db.commit()
    officer = make_user("officer")
    auth = bearer(client, officer.username)
    total = len(db.execute(select(Unit)).scalars().all())

    first = client.get("/api/units", params={"size": 10}, headers=auth).json()
    assert first["total"] == total and first["pages"] == -(-total // 10) and len(first["items"]) == 10
    second = client.get("/api/units", params={"size": 10, "page": 2}, headers=auth).json()
    assert {u["call_sign"] for u in first["items"]}.isdisjoint(u["call_sign"] for u in second["items"])

    armed = client.get("/api/units", params={"unit_type": "arv"}, headers=auth).json()["items"]
    assert armed and all("firearms" in u["skills"] for u in armed)


def test_unknown_filter_value_names_the_field(client, make_user):
    officer = make_user("officer")
    r = client.get("/api/units", params={"status": "asleep"}, headers=bearer(client, officer.username))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "status"


def test_units_page_lists_call_signs(client, db, make_user):
    seed(db)
    db.commit()
    officer = make_user("officer")
    browser_login(client, officer.username)
    html = client.get("/units").text
    assert "ARV1" in html and "Page 1 of 2" in html
