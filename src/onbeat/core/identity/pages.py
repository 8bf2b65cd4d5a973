"""Staff pages for signing in and out, the home page, the user's account and the staff list."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote, urlencode

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from onbeat.config import get_settings
from onbeat.core.errors import BadRequest, Locked, Unauthorised
from onbeat.core.identity import service
from onbeat.core.identity.models import User
from onbeat.core.pagination import PageQuery
from onbeat.core.security import SESSION_COOKIE, Requires, public
from onbeat.core.time import uk, utcnow
from onbeat.db import get_db
from onbeat.web.render import page

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(get_db)]
ANON_CSRF_COOKIE = "onbeat_csrf"
PENDING = "The sign-in has expired. Please sign in again."


def _secure(request: Request) -> bool:
    return request.url.hostname not in ("127.0.0.1", "localhost", "::1")


def _start_session(request: Request, db: Session, user: User, target: str, *,
                   second_factor_pending: bool) -> Response:
    """Start a browser session (committed) and redirect to `target` with its cookie set."""
    token, _ = service.start_session(db, user, second_factor_pending=second_factor_pending,
                                     source=request.client.host if request.client else None,
                                     agent=request.headers.get("user-agent"))
    db.commit()
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=get_settings().session_hours * 3600)
    return response


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _anon_csrf(request: Request) -> str:
    token = request.cookies.get(ANON_CSRF_COOKIE) or secrets.token_urlsafe(32)
    request.state.anon_csrf = token
    return token


def _with_anon_csrf(request: Request, response: Response) -> Response:
    response.set_cookie(ANON_CSRF_COOKIE, request.state.anon_csrf, httponly=True, samesite="strict",
                        secure=_secure(request), max_age=3600)
    return response


def _check_anon_csrf(request: Request, sent: str) -> None:
    expected = request.cookies.get(ANON_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(sent, expected):
        raise BadRequest("The sign-in form had expired.", field="csrf_token",
                         hint="Reload the sign-in page and try again.")


def _login_page(request: Request, db: Session, *, error: str | None = None, username: str = "", next_: str = "/",
                status: int = 200) -> Response:
    _anon_csrf(request)
    context = {"error": error, "username": username, "next": _safe_next(next_)}
    if get_settings().demo:
        from onbeat.demo.force import DEMO_PASSWORD, demo_logins

        context |= {"demo_logins": demo_logins(db), "demo_password": DEMO_PASSWORD}
    return _with_anon_csrf(request, page(request, "login.html", context, status_code=status))


@router.get("/login", dependencies=[Depends(public("the sign-in page"))])
def login_form(request: Request, db: DB, next: str = "/") -> Response:
    return _login_page(request, db, next_=next)


@router.post("/login", dependencies=[Depends(public("the sign-in page"))])
def login(request: Request, db: DB, username: Annotated[str, Form(max_length=80)] = "",
          password: Annotated[str, Form(max_length=256)] = "", csrf_token: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/") -> Response:
    _check_anon_csrf(request, csrf_token)
    try:
        signin = service.authenticate(db, username, password)
    except (Unauthorised, Locked) as exc:
        return _login_page(request, db, error=exc.detail, username=username, next_=next, status=exc.status)
    pending = signin.needs_totp or signin.must_enrol_totp
    target = f"/login/code?next={quote(_safe_next(next), safe='/')}" if pending else _safe_next(next)
    response = _start_session(request, db, signin.user, target, second_factor_pending=pending)
    response.delete_cookie(ANON_CSRF_COOKIE)
    return response


def _pending(request: Request, db: Session):
    found = service.session_for(db, request.cookies.get(SESSION_COOKIE, ""))
    if found is None or not found[0].second_factor_pending:
        return None
    return found


def _qr(uri: str) -> str:
    return segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator app")


@router.get("/login/code", dependencies=[Depends(public("second sign-in step"))])
def code_form(request: Request, db: DB, next: str = "/") -> Response:
    found = _pending(request, db)
    if found is None:
        return RedirectResponse("/login", status_code=303)
    ws, user = found
    request.state.anon_csrf = ws.csrf_token
    if user.totp_enabled:
        return page(request, "login_totp.html", {"next": _safe_next(next)})
    secret = service.new_totp_secret()
    return page(request, "totp_setup.html", {"secret": secret, "qr_svg": _qr(service.totp_uri(user, secret)),
                                             "required": True, "action": "/login/code", "next": _safe_next(next)})


@router.post("/login/code", dependencies=[Depends(public("second sign-in step"))])
def code_submit(request: Request, db: DB, code: Annotated[str, Form(max_length=12)] = "",
                csrf_token: Annotated[str, Form()] = "", secret: Annotated[str, Form(max_length=64)] = "",
                next: Annotated[str, Form()] = "/") -> Response:
    found = _pending(request, db)
    if found is None:
        return RedirectResponse("/login", status_code=303)
    ws, user = found
    request.state.anon_csrf = ws.csrf_token
    if not hmac.compare_digest(csrf_token, ws.csrf_token):
        raise BadRequest(PENDING, field="csrf_token")
    try:
        service.ensure_not_locked(user)
    except Locked as exc:
        # Locked part-way through (wrong codes count too): no code is checked, and the half sign-in ends.
        db.delete(ws)
        db.commit()
        response = _login_page(request, db, error=exc.detail, status=exc.status)
        response.delete_cookie(SESSION_COOKIE)
        return response
    if user.totp_enabled:
        if not service.check_totp(user, code):
            service.count_failure(db, user)
            db.commit()
            return page(request, "login_totp.html", {"error": "That code did not match. Try the newest code.",
                                                     "next": _safe_next(next)}, status_code=401)
    else:
        try:
            service.enable_totp(db, user, secret, code)
        except BadRequest as exc:
            return page(request, "totp_setup.html", {"secret": secret, "qr_svg": _qr(service.totp_uri(user, secret)),
                                                     "required": True, "errors": {"code": exc.detail},
                                                     "action": "/login/code", "next": _safe_next(next)},
                        status_code=400)
    service.complete_second_factor(db, ws, user)
    db.commit()
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(me: Requires("self.read"), db: DB) -> Response:
    if me.session is not None:
        service.end_session(db, db.merge(me.session), me.user)
        db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, me: Requires("self.read")) -> Response:
    hour = uk(utcnow()).hour
    greeting = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
    return page(request, "home.html", {"greeting": greeting, "now": utcnow(), "roles": sorted(me.roles)})


@router.get("/account")
def account(request: Request, me: Requires("self.read")) -> Response:
    return page(request, "account.html")


@router.post("/account/password")
def account_password(request: Request, me: Requires("self.update"), db: DB,
                     current_password: Annotated[str, Form(max_length=256)] = "",
                     new_password: Annotated[str, Form(max_length=256)] = "") -> Response:
    try:
        service.change_password(db, me.user, current_password, new_password)
    except BadRequest as exc:
        return page(request, "account.html", {"errors": {exc.field: exc.detail}}, status_code=400)
    # The password change ended every session, this one too: start a fresh one.
    return _start_session(request, db, me.user, "/account?changed=1", second_factor_pending=False)


@router.get("/account/totp")
def totp_form(request: Request, me: Requires("self.update")) -> Response:
    secret = service.new_totp_secret()
    return page(request, "totp_setup.html", {"secret": secret, "qr_svg": _qr(service.totp_uri(me.user, secret))})


@router.post("/account/totp")
def totp_enable(request: Request, me: Requires("self.update"), db: DB,
                secret: Annotated[str, Form(max_length=64)] = "", code: Annotated[str, Form(max_length=12)] = "") -> Response:
    try:
        service.enable_totp(db, me.user, secret, code)
    except BadRequest as exc:
        return page(request, "totp_setup.html", {"secret": secret, "qr_svg": _qr(service.totp_uri(me.user, secret)),
                                                 "errors": {"code": exc.detail}}, status_code=400)
    db.commit()
    return RedirectResponse("/account?totp=1", status_code=303)


@router.get("/admin/users")
def users_page(request: Request, me: Requires("users.read"), db: DB, page_no: PageQuery = 1, q: str | None = None,
               purpose: str | None = None) -> Response:
    users = info = None
    if purpose and len(purpose.strip()) >= 3:
        users, info = service.search_users(db, me.actor, purpose.strip()[:500], (q or "")[:80] or None, page_no, 25)
        db.commit()
    base = "/admin/users?" + urlencode({"q": q or "", "purpose": purpose or ""}) + "&"
    return page(request, "users.html", {"users": users, "pg": info, "q": q, "purpose": purpose, "base": base,
                                        "now": utcnow()})
