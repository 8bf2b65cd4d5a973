"""The person search and person pages: the reason asked first, every record naming the person
(of every kind, paginated), markers beside them, and managing markers from the page."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from onbeat.core.audit.models import AuditEntry
from onbeat.records.core import service as records
from onbeat.records.core.kinds import KINDS
from onbeat.records.pole import markers
from onbeat.records.pole.models import Marker
from onbeat.records.pole.schemas import MarkerExpiry, MarkerIn
from tests.conftest import browser_login
from tests.records.pole.builders import person, principal


def record_naming(db, me, kind, person_id, role, days_ago=0):
    record, _ = records.create(db, me, kind, uuid.uuid4(), summary=f"{kind} summary",
                               occurred_at=datetime(2026, 11, 1, tzinfo=timezone.utc) - timedelta(days=days_ago))
    records.link(db, record, "person", person_id, role)
    db.commit()
    return record


def test_person_page_asks_why_then_lists_records_of_every_kind(client, db, make_user):
    user = make_user("officer")
    me = principal(user)
    pid = person(db, me, given_name="Kelly", family_name="Price", date_of_birth="1995-05-17",
                 address="3 Caversham Road, Reading", postcode="RG1 8BB")
    made = [record_naming(db, me, "witness_statement", pid, "witness", 3),
            record_naming(db, me, "crime", pid, "victim", 2),
            record_naming(db, me, "stop_search", pid, "person_searched", 1)]
    other = person(db, me, family_name="Nobody")
    record_naming(db, me, "collision", other, "driver")
    browser_login(client, user.username)

    ask = client.get(f"/persons/{pid}")
    assert ask.status_code == 200 and "Why do you need this person" in ask.text
    assert db.execute(select(AuditEntry).where(AuditEntry.event == "pole.person.viewed")).first() is None

    html = client.get(f"/persons/{pid}", params={"purpose": "CRI/000001/26"}).text
    assert "PRICE, Kelly (17/05/1995)" in html and "3 Caversham Road, Reading, RG1 8BB" in html
    for r in made:
        assert f'href="{KINDS[r.kind].path}/{r.id}"' in html and r.reference in html
    assert "Witness" in html and "Victim" in html and "Person searched" in html
    assert "RTC/" not in html  # the collision names someone else
    # newest first
    refs = re.findall(r">((?:WS|CRI|SS)/\d+/\d+)<", html)
    assert refs == [made[2].reference, made[1].reference, made[0].reference]
    [entry] = db.execute(select(AuditEntry).where(AuditEntry.event == "pole.person.viewed")).scalars().all()
    assert entry.purpose == "CRI/000001/26"


def test_person_page_records_paginate(client, db, make_user):
    user = make_user("officer")
    me = principal(user)
    pid = person(db, me, family_name="Many")
    for i in range(23):
        record_naming(db, me, "crime", pid, "suspect", i)
    browser_login(client, user.username)
    first = client.get(f"/persons/{pid}", params={"purpose": "review"}).text
    second = client.get(f"/persons/{pid}", params={"purpose": "review", "page": 2}).text
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert len(re.findall(r">CRI/\d+/\d+<", first)) == 20 and len(re.findall(r">CRI/\d+/\d+<", second)) == 3


def test_person_page_shows_markers_and_expired_only_on_request_to_managers(client, db, make_user):
    sergeant = make_user("supervisor")
    officer = make_user("officer")
    me = principal(sergeant)
    pid = person(db, me, family_name="Walsh")
    markers.add_marker(db, me, pid, MarkerIn(kind="firearms", detail="Access to a shotgun", source="INT/77"))
    gone = markers.add_marker(db, me, pid, MarkerIn(kind="drugs", detail="Supplied heroin in 2019", source="PNC"))
    db.commit()
    markers.expire_marker(db, me, gone, MarkerExpiry(reason="Old"))
    db.commit()

    browser_login(client, officer.username)
    html = client.get(f"/persons/{pid}", params={"purpose": "stop check"}).text
    assert "Warning markers (1)" in html and "Access to a shotgun" in html
    assert "Supplied heroin" not in html and "Show expired markers" not in html
    assert client.get(f"/persons/{pid}", params={"purpose": "stop check", "expired": "1"}).status_code == 403

    client.cookies.clear()
    browser_login(client, sergeant.username)
    html = client.get(f"/persons/{pid}", params={"purpose": "review"}).text
    assert "Show expired markers" in html and "Supplied heroin" not in html
    html = client.get(f"/persons/{pid}", params={"purpose": "review", "expired": "1"}).text
    assert "Expired markers" in html and "Supplied heroin in 2019" in html


def test_marker_added_and_expired_through_the_page(client, db, make_user):
    sergeant = make_user("supervisor")
    pid = person(db, principal(sergeant), family_name="Walsh")
    csrf = browser_login(client, sergeant.username)
    form = client.get(f"/persons/{pid}", params={"purpose": "review"}).text
    assert re.search(rf'action="/persons/{pid}/markers">\s*<input type="hidden" name="csrf_token" value="{csrf}"', form)
    bad = client.post(f"/persons/{pid}/markers", data={"csrf_token": csrf, "kind": "violence", "detail": "x",
                                                      "source": "PNC", "purpose": "review"})
    assert bad.status_code == 400 and "at least 3 characters" in bad.text
    assert db.execute(select(Marker)).first() is None
    r = client.post(f"/persons/{pid}/markers", data={"csrf_token": csrf, "kind": "violence", "source": "PNC",
                                                    "detail": "Spat at staff", "purpose": "review"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/persons/{pid}?purpose=review")
    marker = db.execute(select(Marker)).scalar_one()
    r = client.post(f"/persons/{pid}/markers/{marker.id}/expire",
                    data={"csrf_token": csrf, "reason": "Entered in error", "purpose": "review"})
    assert r.status_code == 200 and "No active warning markers" in r.text and "Entered in error" in r.text
    # without the CSRF token nothing changes
    assert client.post(f"/persons/{pid}/markers", data={"kind": "violence", "detail": "abc", "source": "PNC",
                                                       "purpose": "x"}).status_code == 403


def test_search_page_needs_a_reason_and_shows_markers(client, db, make_user):
    sergeant = make_user("supervisor")
    me = principal(sergeant)
    for i in range(27):
        person(db, me, given_name=f"Kid{i:02d}", family_name="Jenkins")
    pid = person(db, me, given_name="Aaron", family_name="Jenkins")
    markers.add_marker(db, me, pid, MarkerIn(kind="self_harm", detail="Cut himself in custody", source="PNC"))
    db.commit()
    browser_login(client, sergeant.username)
    refused = client.get("/persons", params={"name": "jenkins"})
    assert refused.status_code == 400 and "Say why you are searching" in refused.text
    html = client.get("/persons", params={"name": "jenkins", "purpose": "missing person"}).text
    assert "JENKINS, Aaron" in html and "Self-harm" in html and "Page 1 of 2" in html
    assert f'href="/persons/{pid}?purpose=missing+person"' in html
    second = client.get("/persons", params={"name": "jenkins", "purpose": "missing person", "page": 2}).text
    assert "Page 2 of 2" in second and len(re.findall(r'href="/persons/[0-9a-f-]{36}\?', second)) == 3
    bad = client.get("/persons", params={"postcode": "zzz", "purpose": "missing person"})
    assert bad.status_code == 400 and "not a UK postcode" in bad.text
