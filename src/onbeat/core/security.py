"""Who is asking, and may they? Every route declares one permission through `require`.

Browsers authenticate with a session cookie (http-only, SameSite=Lax, Secure off loopback) and
must send the session's CSRF token with every unsafe request (form field `csrf_token` or header
`X-CSRF-Token`). Devices and integrations send `Authorization: Bearer <token>`; bearer requests
carry no ambient credentials, so they need no CSRF token.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor
from onbeat.core.errors import Forbidden, Unauthorised
from onbeat.core.identity import service as identity
from onbeat.core.identity.models import ApiToken, User, WebSession
from onbeat.core.permissions import PERMISSIONS, permissions_for
from onbeat.db import get_db

SESSION_COOKIE = "onbeat_session"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class Principal:
    user: User
    permissions: frozenset[str]
    session: WebSession | None = None
    token: ApiToken | None = None
    roles: set[str] = field(default_factory=set)

    @property
    def id(self) -> uuid.UUID:
        return self.user.id

    @property
    def actor(self) -> Actor:
        return identity.actor_of(self.user)

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class NeedsSignIn(Unauthorised):
    """Raised for anonymous requests; pages turn it into a redirect to the sign-in page."""


def _principal(request: Request, db: Session) -> Principal | None:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found = identity.token_for(db, auth[7:].strip())
        if found is None:
            raise Unauthorised("The bearer token is not valid or has expired.", hint="Sign in again to get a new token.",
                               headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        api_token, user = found
        principal = Principal(user, permissions_for(user.role_names), token=api_token, roles=user.role_names)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        found = identity.session_for(db, cookie)
        if found is not None and not found[0].second_factor_pending:
            ws, user = found
            principal = Principal(user, permissions_for(user.role_names), session=ws, roles=user.role_names)
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    if principal.session is None or request.method in SAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        sent = (await request.form()).get("csrf_token")
    if not sent or not hmac.compare_digest(str(sent), principal.session.csrf_token):
        raise Forbidden("The form's security token is missing or out of date.",
                        hint="Reload the page and submit the form again.")


_REQUIREMENTS: dict[str, object] = {}


def require(permission: str):
    """A dependency that yields the Principal if it holds `permission`, else 401/403."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}: add it to onbeat.core.permissions")
    if permission in _REQUIREMENTS:
        return _REQUIREMENTS[permission]

    async def dependency(request: Request, db: Annotated[Session, Depends(get_db)]) -> Principal:
        principal = await run_in_threadpool(_principal, request, db)
        if principal is None:
            raise NeedsSignIn("Sign in to use this.")
        if permission not in principal.permissions:
            raise Forbidden(f"Your role does not allow this ({permission}).")
        await _check_csrf(request, principal)
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    _REQUIREMENTS[permission] = dependency
    return dependency


def public(reason: str):
    """Marks a route that anyone may call, and says why (sign-in page, health checks...)."""

    def dependency() -> None:
        return None

    dependency.public = reason  # type: ignore[attr-defined]
    return dependency


def Requires(permission: str):  # noqa: N802 - reads like a type in signatures
    return Annotated[Principal, Depends(require(permission))]


def stated_purpose(
    x_purpose: Annotated[str | None, Header(max_length=500, description="Why you need this personal data "
                                            "(e.g. an incident or crime reference); recorded in the audit log")] = None,
    purpose: Annotated[str | None, Query(max_length=500, description="The same as X-Purpose, for links")] = None,
) -> str:
    """The reason given for reading personal data: header `X-Purpose` or query `purpose`."""
    given = (x_purpose or purpose or "").strip()
    if len(given) < 3:
        from onbeat.core.errors import BadRequest

        raise BadRequest("A reason is required to view personal data.", field="purpose",
                         hint="Send the reason in the X-Purpose header or the purpose query parameter, "
                              "for example the incident or crime reference.")
    return given


Purpose = Annotated[str, Depends(stated_purpose)]


# --- the route table, as the app serves it ------------------------------------------------

@dataclass(frozen=True)
class RouteEntry:
    """One route of the app: its path as served (include prefixes applied), the route object and
    any dependencies added by `include_router(..., dependencies=[...])` on the way down."""

    path: str
    route: object  # fastapi.routing.APIRoute, or a plain Starlette Route / Mount
    include_dependencies: tuple = ()

    @property
    def methods(self) -> frozenset[str]:
        return frozenset(getattr(self.route, "methods", None) or ())


def iter_routes(app_or_router, _prefix: str = "", _deps: tuple = ()) -> Iterator[RouteEntry]:
    """Every route of an app or router, walking into included routers.

    FastAPI keeps an included router as one `_IncludedRouter` entry in `app.routes`; its own
    routes are in `.original_router.routes` (paths already carrying that router's own prefix),
    and the include's extra prefix and dependencies are in `.include_context`.
    """
    for route in app_or_router.routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            ctx = getattr(route, "include_context", None)
            yield from iter_routes(original, _prefix + (getattr(ctx, "prefix", "") or ""),
                                   _deps + tuple(getattr(ctx, "dependencies", None) or ()))
        else:
            yield RouteEntry(_prefix + getattr(route, "path", ""), route, _deps)


def route_guards(entry: RouteEntry) -> list:
    """The dependency callables of a route that are made by `require` (carry `.permission`) or
    `public` (carry `.public`), searched through the whole dependency tree."""
    found: list = []
    seen: set[int] = set()

    def visit(dependant) -> None:
        if dependant is None or id(dependant) in seen:
            return
        seen.add(id(dependant))
        call = getattr(dependant, "call", None)
        if call is not None and (hasattr(call, "permission") or hasattr(call, "public")):
            found.append(call)
        for sub in getattr(dependant, "dependencies", None) or ():
            visit(sub)

    for dep in entry.include_dependencies:
        call = getattr(dep, "dependency", None)
        if call is not None and (hasattr(call, "permission") or hasattr(call, "public")):
            found.append(call)
    visit(getattr(entry.route, "dependant", None))
    return found
