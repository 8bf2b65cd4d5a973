"""Every route declares its permission, and the app enforces it.

The walker reads the real app's route table (`onbeat.core.security.iter_routes`): a new route
without `require(...)` or `public(...)` fails here. Then every guarded route is called anonymously
and by a user of every role that lacks its permission; both must be refused before the request
body is even validated (a 422 where a 401/403 belongs is a failure).
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import quote

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount

from onbeat.core.permissions import PERMISSIONS, ROLE_PERMISSIONS, ROLES, permissions_for, roles_without
from onbeat.core.security import SESSION_COOKIE, iter_routes, public, require, route_guards

# FastAPI's own documentation routes: the only routes allowed to carry no guard.
FASTAPI_DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Query parameters a route needs to answer a plain GET quickly (the event stream otherwise never ends).
EXTRA_QUERY = {"/api/events/stream": {"once": "true"}}
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def _fill(path: str) -> str:
    return _PARAM.sub(lambda m: str(uuid.uuid4()) if m.group(1) == "id" or m.group(1).endswith("_id") else "x", path)


def _is_api(path: str) -> bool:
    return path.startswith("/api/")


def guarded_routes(app) -> list[tuple[str, str, str | None]]:
    """(method, path, permission or None when public) for every API route of the app."""
    out = []
    for entry in iter_routes(app):
        if not isinstance(entry.route, APIRoute):
            continue
        (guard,) = route_guards(entry)
        for method in sorted(entry.methods):
            out.append((method, entry.path, getattr(guard, "permission", None)))
    return out


@pytest.fixture(scope="module")
def real_app():
    from onbeat.asgi import create_app

    return create_app(start_listener=False)


# --- the declaration ---------------------------------------------------------------------

def test_every_route_declares_exactly_one_permission_or_public(real_app):
    problems = []
    api_routes = 0
    for entry in iter_routes(real_app):
        route = entry.route
        if not isinstance(route, APIRoute):
            if entry.path in FASTAPI_DOCS:
                continue
            if isinstance(route, Mount) and entry.path == "/static":
                continue
            problems.append(f"{entry.path}: {type(route).__name__} is not an APIRoute, so it declares no permission")
            continue
        api_routes += 1
        guards = route_guards(entry)
        where = f"{'/'.join(sorted(entry.methods))} {entry.path}"
        if len(guards) != 1:
            problems.append(f"{where}: {len(guards)} permission/public declarations, want exactly 1")
            continue
        guard = guards[0]
        if hasattr(guard, "permission") == hasattr(guard, "public"):
            problems.append(f"{where}: a guard must be either require(...) or public(...)")
        elif hasattr(guard, "permission") and guard.permission not in PERMISSIONS:
            problems.append(f"{where}: unknown permission {guard.permission!r}")
        elif hasattr(guard, "public") and not (isinstance(guard.public, str) and guard.public.strip()):
            problems.append(f"{where}: public(...) must say why")
    assert not problems, "\n".join(problems)
    # The walker really reached into the included routers.
    assert api_routes >= 20
    paths = {e.path for e in iter_routes(real_app)}
    assert {"/api/me", "/api/auth/token", "/login", "/", "/api/units", "/api/audit"} <= paths


def test_the_walker_finds_routes_without_a_guard_nested_prefixes_and_include_dependencies():
    inner = APIRouter(prefix="/inner")

    @inner.get("/open", dependencies=[Depends(public("test"))])
    def open_():
        return {}

    @inner.get("/naked")
    def naked():
        return {}

    outer = APIRouter(prefix="/outer")
    outer.include_router(inner, prefix="/mid")

    @outer.get("/guarded")
    def guarded(me=Depends(require("self.read"))):
        return {}

    @outer.get("/twice", dependencies=[Depends(require("self.read"))])
    def twice(me=Depends(require("self.read"))):
        return {}

    app = FastAPI()
    app.include_router(outer, prefix="/top")
    app.include_router(APIRouter(routes=[APIRoute("/by-include", lambda: {})]),
                       dependencies=[Depends(require("users.read"))])

    found = {e.path: route_guards(e) for e in iter_routes(app) if isinstance(e.route, APIRoute)}
    assert set(found) == {"/top/outer/mid/inner/open", "/top/outer/mid/inner/naked", "/top/outer/guarded",
                          "/top/outer/twice", "/by-include"}
    assert [g.public for g in found["/top/outer/mid/inner/open"]] == ["test"]
    assert found["/top/outer/mid/inner/naked"] == []
    assert [g.permission for g in found["/top/outer/guarded"]] == ["self.read"]
    assert len(found["/top/outer/twice"]) == 2
    assert [g.permission for g in found["/by-include"]] == ["users.read"]


def test_role_map_is_complete():
    assert set(ROLE_PERMISSIONS) == set(ROLES) == {
        "officer", "pcso", "detective", "supervisor", "call_handler", "dispatcher", "servicedesk_agent",
        "fleet_engineer", "fleet_driver", "change_manager", "analyst", "admin"}
    for role, perms in ROLE_PERMISSIONS.items():
        assert perms <= PERMISSIONS.keys(), role
        assert {"self.read", "self.update"} <= perms, role
    assert permissions_for(["officer", "servicedesk_agent"]) == ROLE_PERMISSIONS["officer"] | ROLE_PERMISSIONS["servicedesk_agent"]
    assert permissions_for(["no-such-role"]) == frozenset()
    assert "admin" not in roles_without("users.manage") and "officer" in roles_without("users.manage")
    with pytest.raises(ValueError):
        require("no.such.permission")


# --- the enforcement ---------------------------------------------------------------------

def _role_users(db) -> dict[str, dict]:
    """One user per role, each with a bearer token and a browser session.

    The accounts are made straight in the database with an unusable password hash, and the token
    and session issued by the identity service: the sign-in itself (and its deliberately slow
    argon2) is tested in test_auth.py; here only what the credentials allow matters.
    """
    from onbeat.core.identity import service
    from onbeat.core.identity.models import User, UserRole

    out = {}
    for n, role in enumerate(ROLES):
        user = User(username=f"perm{n}", collar_number=f"P{n:04d}", given_name="Role", family_name=role,
                    rank="PC", password_hash="!", roles=[UserRole(role=role)])
        db.add(user)
        db.flush()
        token, _ = service.issue_token(db, user, "permissions test")
        cookie, ws = service.start_session(db, user, second_factor_pending=False, source=None, agent="test")
        out[role] = {"bearer": {"Authorization": f"Bearer {token}"},
                     "session": {"Cookie": f"{SESSION_COOKIE}={cookie}", "X-CSRF-Token": ws.csrf_token,
                                 "Accept": "text/html"}}
    db.commit()
    return out


def _call(client, method: str, path: str, headers: dict | None = None, params: dict | None = None):
    kwargs = {"headers": headers or {}, "follow_redirects": False, "params": params}
    if method in BODY_METHODS:
        kwargs["json"] = {}
    return client.request(method, path, **kwargs)


def test_guarded_routes_refuse_anonymous_and_roles_without_the_permission(client, db):
    users = _role_users(db)
    failures = []
    checked = 0
    for method, template, permission in guarded_routes(client.app):
        if permission is None:
            continue
        path = _fill(template)
        where = f"{method} {template} ({permission})"

        # Anonymous: 401 problem+json for the API; a browser is sent to the sign-in page.
        if _is_api(path):
            r = _call(client, method, path)
            if r.status_code != 401 or not r.headers.get("content-type", "").startswith("application/problem+json"):
                failures.append(f"{where} anonymous: {r.status_code} {r.headers.get('content-type')}")
        else:
            r = _call(client, method, path, {"Accept": "text/html"})
            want = f"/login?next={quote(path)}"
            if r.status_code != 303 or r.headers.get("location") != want:
                failures.append(f"{where} anonymous page: {r.status_code} location={r.headers.get('location')!r}")
        checked += 1

        # Every role without the permission: 403 (never 422: refused before the body is read).
        for role in roles_without(permission):
            creds = users[role]["bearer" if _is_api(path) else "session"]
            r = _call(client, method, path, creds)
            if r.status_code != 403:
                failures.append(f"{where} as {role}: {r.status_code} {r.text[:120]}")
            elif _is_api(path) and not r.headers["content-type"].startswith("application/problem+json"):
                failures.append(f"{where} as {role}: 403 but {r.headers['content-type']}")
            checked += 1
    assert not failures, "\n".join(failures)
    assert checked > 50


def test_every_role_reaches_the_get_routes_its_permissions_allow(client, db):
    users = _role_users(db)
    failures = []
    for role in ROLES:
        granted = ROLE_PERMISSIONS[role]
        for method, template, permission in guarded_routes(client.app):
            if method != "GET" or permission is None or permission not in granted:
                continue
            path = _fill(template)
            headers = dict(users[role]["bearer" if _is_api(path) else "session"])
            headers["X-Purpose"] = "permissions test"
            r = _call(client, method, path, headers, EXTRA_QUERY.get(template))
            if r.status_code in (401, 403) or r.status_code >= 500:
                failures.append(f"GET {template} as {role}: {r.status_code} {r.text[:160]}")
        r = client.get("/api/me", headers=users[role]["bearer"])
        assert r.status_code == 200, (role, r.text)
        assert r.json()["roles"] == [role]
        assert set(r.json()["permissions"]) == set(ROLE_PERMISSIONS[role])
    assert not failures, "\n".join(failures)


def test_bearer_token_does_not_open_pages_for_a_role_without_the_permission(client, db):
    """The same refusal whatever the credential: a page reached with a bearer token still checks."""
    users = _role_users(db)
    r = client.get("/admin/audit", headers={**users["officer"]["bearer"], "Accept": "text/html"},
                   follow_redirects=False)
    assert r.status_code == 403
    r = client.get("/admin/audit", headers={**users["admin"]["bearer"], "Accept": "text/html"})
    assert r.status_code == 200
