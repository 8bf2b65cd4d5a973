"""Errors: RFC 9457 problem details for every API error, a friendly page for people, and hostile
input that does no harm."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select

from onbeat import db as onbeat_db
from onbeat.core.audit.models import AuditEntry
from onbeat.core.identity.models import User
from tests.conftest import bearer, csrf_from

pytestmark = pytest.mark.db

PROBLEM_FIELDS = {"type", "title", "status", "detail", "instance", "request_id"}

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "1'; DROP TABLE users; --",
    "'; DELETE FROM audit_log; --",
    "\" OR \"\"=\"",
    "admin'/*",
    "%' UNION SELECT password_hash, NULL FROM users --",
    "1; TRUNCATE audit_log",
    "$$; drop table users; $$",
    "\\'; select pg_sleep(5); --",
]


def assert_problem(response, status: int, path: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == "application/problem+json"
    body = response.json()
    assert PROBLEM_FIELDS <= body.keys(), body
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    if path is not None:
        assert body["instance"] == path
    return body


def fields_of(body: dict) -> list[str]:
    return [e["field"] for e in body.get("errors", [])]


@pytest.fixture
def admin_headers(client, make_user, settings):
    settings(totp_required_roles="")
    admin = make_user("admin", username="9902")
    return bearer(client, admin.username)


def counts() -> dict[str, int]:
    with onbeat_db.session() as s:
        return {"users": s.execute(select(func.count()).select_from(User)).scalar_one(),
                "audit": s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()}


def tables() -> set[str]:
    return set(inspect(onbeat_db.engine()).get_table_names())


# --- problem details ------------------------------------------------------------------------------

def test_an_unknown_api_route_is_a_404_problem(client):
    r = client.get("/api/no-such-thing", headers={"X-Request-Id": "lost-1"})
    body = assert_problem(r, 404, "/api/no-such-thing")
    assert body["request_id"] == "lost-1"
    assert "/api/no-such-thing" in body["detail"]
    # Even a browser asking for HTML gets JSON from /api/.
    r = client.get("/api/no-such-thing", headers={"Accept": "text/html"})
    assert_problem(r, 404)


def test_a_wrong_method_is_a_405_problem(client):
    r = client.delete("/api/me")
    body = assert_problem(r, 405, "/api/me")
    assert "DELETE" in body["detail"]
    assert "GET" in r.headers["allow"]
    assert_problem(client.post("/healthz"), 405)


def test_malformed_json_is_a_400_problem(client):
    r = client.post("/api/auth/token", content=b'{"username": "1001", "password": ',
                    headers={"Content-Type": "application/json"})
    body = assert_problem(r, 400, "/api/auth/token")
    assert fields_of(body) == ["body"]
    assert "JSON" in body["errors"][0]["message"]
    r = client.post("/api/auth/token", content=b"\xff\xfe not json", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422)
    assert r.headers["content-type"].startswith("application/problem+json")


INVALID_SIGN_INS = [
    ({"password": "something long"}, "username"),  # missing
    ({"username": "1001"}, "password"),
    ({"username": "x" * 41, "password": "something long"}, "username"),  # over-long
    ({"username": "1001", "password": "p" * 257}, "password"),
    ({"username": "", "password": "something long"}, "username"),  # empty
    ({"username": "1001", "password": "something long", "name": "n" * 121}, "name"),
    ({"username": "1001", "password": "something long", "is_admin": True}, "is_admin"),  # unknown
    ({"username": ["1001"], "password": "something long"}, "username"),  # wrong type
]


def test_invalid_fields_are_a_422_problem_naming_the_field(client):
    for payload, field in INVALID_SIGN_INS:
        body = assert_problem(client.post("/api/auth/token", json=payload), 422, "/api/auth/token")
        assert fields_of(body) == [field], payload
        assert field in body["detail"]
        assert body["errors"][0]["message"]


def test_every_bad_field_is_named_at_once(client, admin_headers):
    r = client.post("/api/users", headers=admin_headers,
                    json={"username": "has spaces", "password": "short", "given_name": "", "rank": "PC",
                          "roles": []})
    body = assert_problem(r, 422, "/api/users")
    assert set(fields_of(body)) == {"username", "password", "given_name", "family_name", "roles"}


def test_query_and_path_parameters_are_named_too(client, admin_headers):
    body = assert_problem(client.get("/api/audit", params={"page": 0}, headers=admin_headers), 422)
    assert fields_of(body) == ["page"]
    body = assert_problem(client.get("/api/audit", params={"date_from": "31/12/2026"}, headers=admin_headers), 422)
    assert fields_of(body) == ["date_from"]
    body = assert_problem(client.get("/api/users/not-a-uuid", headers={**admin_headers, "X-Purpose": "testing"}), 422)
    assert fields_of(body) == ["user_id"]
    body = assert_problem(client.get("/api/users", params={"q": "q" * 81, "purpose": "testing"},
                                     headers=admin_headers), 422)
    assert fields_of(body) == ["q"]


def test_service_problems_carry_their_field(client, admin_headers):
    # A rule the service enforces, not the schema: the role must exist.
    r = client.post("/api/users", headers=admin_headers,
                    json={"username": "4100", "password": "a long enough password", "given_name": "A",
                          "family_name": "B", "rank": "PC", "roles": ["wizard"], "collar_number": "4100"})
    body = assert_problem(r, 400, "/api/users")
    assert fields_of(body) == ["roles"]
    assert "hint" in body


def test_auth_problems(client, make_user):
    body = assert_problem(client.get("/api/me"), 401, "/api/me")
    assert body["hint"]
    r = client.get("/api/me", headers={"Authorization": "Bearer obt_not-a-token"})
    assert_problem(r, 401)
    assert "invalid_token" in r.headers["www-authenticate"]
    officer = make_user("officer")
    assert_problem(client.get("/api/audit", headers=bearer(client, officer.username)), 403, "/api/audit")


def test_an_unexpected_error_is_a_500_problem_without_the_traceback(app):
    @app.get("/api/test-only/explode")
    def explode():
        raise RuntimeError("secret internals: connection string postgres://user:hunter2@db")

    @app.get("/test-only/explode")
    def explode_page():
        raise KeyError("secret internals")

    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as c:
        r = c.get("/api/test-only/explode", headers={"X-Request-Id": "boom-1"})
        assert r.status_code == 500
        assert r.headers["content-type"].split(";")[0] == "application/problem+json"
        body = r.json()
        assert PROBLEM_FIELDS <= body.keys()
        assert body["status"] == 500 and body["instance"] == "/api/test-only/explode"
        assert body["request_id"] == "boom-1"
        assert r.headers.get("x-request-id") == "boom-1"
        assert "request id" in body["hint"]
        for leak in ("Traceback", "RuntimeError", "secret", "hunter2", 'File "'):
            assert leak not in r.text

        r = c.get("/test-only/explode", headers={"Accept": "text/html"})
        assert r.status_code == 500
        assert r.headers["content-type"].startswith("text/html")
        assert "Internal error" in r.text and "request id" in r.text.lower()
        assert "Traceback" not in r.text and "secret" not in r.text and "KeyError" not in r.text


# --- pages for people ----------------------------------------------------------------------------

def test_a_browser_gets_a_friendly_page_for_an_unknown_address(client):
    r = client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in r.text
    assert "Nothing is at /no-such-page." in r.text
    assert "Check the address or reference." in r.text  # what to do
    assert 'href="/"' in r.text
    assert "Request id:" in r.text
    # Not a machine's answer.
    assert '"status":' not in r.text


def test_the_error_page_escapes_what_was_asked_for(client):
    r = client.get("/<script>alert(1)</script>", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "<script>alert(1)</script>" not in r.text


def test_a_browser_that_is_not_signed_in_is_sent_to_sign_in(client):
    r = client.get("/admin/audit?actor=x", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/admin/audit%3Factor%3Dx"


# --- hostile input --------------------------------------------------------------------------------

def test_sql_in_the_username_is_harmless(client, make_user, settings):
    settings(lockout_threshold=100)
    make_user("officer", username="1001")
    before, known = counts(), tables()
    for attempt in INJECTIONS:  # (each attempt costs a full argon2 check: keep the list short)
        r = client.post("/api/auth/token", json={"username": attempt[:40], "password": attempt + " padding"})
        assert r.status_code == 401, (attempt, r.text)
        assert_problem(r, 401)
    for attempt in INJECTIONS[:3]:
        r = client.post("/api/auth/token", json={"username": "1001", "password": attempt})
        assert r.status_code == 401
    # The sign-in form, too.
    for attempt in INJECTIONS[:2]:
        form = client.get("/login")
        r = client.post("/login", data={"username": attempt, "password": attempt,
                                        "csrf_token": csrf_from(form.text)}, follow_redirects=False)
        assert r.status_code == 401, r.text
        assert "did not match" in r.text
    assert counts()["users"] == before["users"]
    assert tables() == known
    # The one real account was not signed in to, and its failed attempts were counted.
    with onbeat_db.session() as s:
        assert s.execute(select(User.failed_logins).where(User.username == "1001")).scalar_one() > 0


def test_sql_in_the_audit_search_filters_is_harmless(client, admin_headers):
    before, known = counts(), tables()
    for attempt in INJECTIONS:
        for field in ("actor", "subject_type", "subject_id"):
            r = client.get("/api/audit", params={field: attempt}, headers=admin_headers)
            assert r.status_code == 200, (field, attempt, r.text)
            assert r.json()["total"] == 0, (field, attempt)
        r = client.get("/api/audit", params={"action": attempt}, headers=admin_headers)
        assert_problem(r, 422)
        r = client.get("/api/audit", params={"date_from": attempt}, headers=admin_headers)
        assert_problem(r, 422)
    assert counts() == before
    assert tables() == known


def test_sql_in_the_audit_page_filters_is_harmless(client, make_user, settings):
    from tests.conftest import browser_login

    settings(totp_required_roles="")
    admin = make_user("admin", username="9903")
    browser_login(client, admin.username)
    before = counts()
    for attempt in INJECTIONS:
        r = client.get("/admin/audit", params={"actor": attempt, "subject_id": attempt})
        assert r.status_code == 200
        assert "No entries match." in r.text
        # What was typed goes back into the form escaped, not as markup.
        assert f'value="{attempt}"' not in r.text or '"' not in attempt
    r = client.get("/admin/audit", params={"actor": '"><script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in r.text
    assert counts() == before


def test_sql_in_the_user_search_is_harmless(client, admin_headers, make_user):
    make_user("officer", username="1002", given_name="Jane", family_name="Doe")
    before, known = counts(), tables()
    headers = {**admin_headers, "X-Purpose": "checking'); DELETE FROM users; --"}
    for attempt in INJECTIONS:
        r = client.get("/api/users", params={"q": attempt}, headers=headers)
        assert r.status_code == 200, (attempt, r.text)
        assert r.json()["items"] == [] or attempt.startswith("%"), attempt
    assert counts()["users"] == before["users"]
    assert tables() == known
    # The hostile purpose was recorded as text, exactly as sent.
    with onbeat_db.session() as s:
        purposes = set(s.execute(select(AuditEntry.purpose).where(AuditEntry.event == "user.list")).scalars())
    assert purposes == {"checking'); DELETE FROM users; --"}


def test_a_nul_character_is_a_400_problem_not_a_500(client, admin_headers):
    before = counts()
    r = client.get("/api/users", params={"q": "a\x00b"}, headers={**admin_headers, "X-Purpose": "testing"})
    assert_problem(r, 400)
    r = client.get("/api/audit", params={"actor": "\x00"}, headers=admin_headers)
    assert_problem(r, 400)
    r = client.post("/api/auth/token", json={"username": "10\x0001", "password": "something long"})
    body = assert_problem(r, 400)
    assert "NUL" in body["detail"]
    r = client.post("/api/audit-probe", json={"note": "a\x00b"}, headers=admin_headers)
    assert_problem(r, 400)
    assert counts() == before
