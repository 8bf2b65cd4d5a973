"""Sign-in: one generic failure message, lockout (audited), TOTP (optional, required for chosen roles).

argon2id is deliberately slow (a few hundred milliseconds per hash here), so each test signs in as
few times as it can; only the lockout property test swaps in a cheap argon2 profile.
"""

from __future__ import annotations

import re
import html
from datetime import datetime, timedelta

import time

import pyotp
import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from onbeat.core.audit.models import AuditEntry
from onbeat.core.identity import service
from onbeat.core.identity.models import User, WebSession
from onbeat.core.time import utcnow
from tests.conftest import PASSWORD, csrf_from

WRONG = "not the right password"
_ERROR = re.compile(r'<div class="error-summary"[^>]*>.*?<p>(.*?)</p>', re.S)
_SECRET = re.compile(r"Key: <code>([A-Z2-7]+)</code>")


class Clock:
    """Stands in for `utcnow` in the identity service, so lockouts expire without waiting."""

    def __init__(self, monkeypatch):
        self.now = utcnow()
        monkeypatch.setattr(service, "utcnow", lambda: self.now)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def token_login(client, username: str, password: str, **extra):
    return client.post("/api/auth/token", json={"username": username, "password": password, **extra})


def form_login(client, username: str, password: str, next_: str = "/"):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "next": next_,
                                       "csrf_token": csrf_from(page.text)}, follow_redirects=False)


def page_error(html: str) -> str:
    m = _ERROR.search(html)
    assert m, "no error summary on the page"
    return m.group(1)


def audit_events(db, user: User, event: str) -> list[AuditEntry]:
    return list(db.execute(select(AuditEntry).where(AuditEntry.event == event, AuditEntry.subject_id == str(user.id))
                           .order_by(AuditEntry.seq)).scalars())


def reload(db, user: User) -> User:
    db.expire_all()
    return db.get(User, user.id)


def enable_totp(db, user: User) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    user.totp_secret, user.totp_enabled = secret, True
    db.commit()
    return pyotp.TOTP(secret)


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step: accepted (clock drift) but not yet spent."""
    return totp.at(time.time() + totp.interval)


def wrong_code(totp: pyotp.TOTP) -> str:
    """A code that no step inside the accepted window would give."""
    moment = utcnow()
    valid = {totp.at(moment + timedelta(seconds=s)) for s in (-60, -30, 0, 30, 60)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in valid)


# --- passwords and the generic answer ----------------------------------------------------

def test_wrong_password_and_unknown_user_get_the_same_answer_and_count(client, make_user, db):
    user = make_user("officer")

    wrong = token_login(client, user.username, WRONG)
    unknown = token_login(client, "nobody-here", WRONG)
    for r in (wrong, unknown):
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["detail"] == service.GENERIC_FAILURE
    strip = lambda body: {k: v for k, v in body.items() if k not in ("request_id",)}  # noqa: E731
    assert strip(wrong.json()) == strip(unknown.json())

    wrong_page = form_login(client, user.username, WRONG)
    unknown_page = form_login(client, "nobody-here", WRONG)
    assert wrong_page.status_code == unknown_page.status_code == 401
    assert page_error(wrong_page.text) == page_error(unknown_page.text) == service.GENERIC_FAILURE
    assert "session" not in " ".join(wrong_page.headers.get_list("set-cookie"))

    # Both wrong passwords counted, each audited; the unknown name touches no account.
    assert reload(db, user).failed_logins == 2
    failed = audit_events(db, user, "auth.failed")
    assert [e.detail["failed_logins"] for e in failed] == [1, 2]
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.event == "auth.failed")) == 2

    # The right password signs in and starts the count again.
    assert token_login(client, user.username, PASSWORD).status_code == 200
    assert reload(db, user).failed_logins == 0


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(client, make_user, db, monkeypatch):
    clock = Clock(monkeypatch)
    user = make_user("officer")
    for n in range(1, 6):
        r = token_login(client, user.username, WRONG)
        assert r.status_code == 401, n
        assert r.json()["detail"] == service.GENERIC_FAILURE
        clock.advance(seconds=10)

    locked_at = clock.now - timedelta(seconds=10)
    user = reload(db, user)
    assert user.locked_until == locked_at + timedelta(minutes=15)
    assert user.failed_logins == 0  # the count starts again after the lock

    # Locked: even the right password is refused, by the API and by the sign-in page.
    r = token_login(client, user.username, PASSWORD)
    assert r.status_code == 423
    assert r.json()["title"] == "Account locked"
    assert "locked until" in r.json()["detail"]
    r = form_login(client, user.username, PASSWORD)
    assert r.status_code == 423
    assert "locked until" in page_error(r.text)
    assert db.scalar(select(func.count()).select_from(WebSession)) == 0

    # Audited: five failures, one lockout.
    assert len(audit_events(db, user, "auth.failed")) == 5
    (lockout,) = audit_events(db, user, "auth.lockout")
    assert lockout.detail["after_failures"] == 5
    assert datetime.fromisoformat(lockout.detail["locked_until"]) == user.locked_until
    assert lockout.actor_label == "sign-in"

    # After fifteen minutes the right password works again.
    clock.now = user.locked_until + timedelta(seconds=1)
    assert token_login(client, user.username, PASSWORD).status_code == 200


# --- TOTP --------------------------------------------------------------------------------

def test_totp_required_roles_setting(settings):
    assert settings().totp_roles == {"admin"}
    assert settings(demo=1).totp_roles == set()
    assert settings(demo=1, totp_required_roles="officer, supervisor").totp_roles == {"officer", "supervisor"}
    assert settings(demo=0, totp_required_roles="").totp_roles == set()


def test_admin_must_enrol_totp_before_reaching_home(client, make_user, db):
    admin = make_user("admin")

    # A token cannot be had before enrolling.
    r = token_login(client, admin.username, PASSWORD)
    assert r.status_code == 401
    assert "two-step" in r.json()["detail"]

    target = "/admin/users?q=Smith&purpose=ref-1234"
    r = form_login(client, admin.username, PASSWORD, next_=target)
    assert r.status_code == 303
    code_url = r.headers["location"]
    assert code_url.startswith("/login/code?next=")

    # Half signed in is not signed in.
    r = client.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/"
    assert client.get("/api/me").status_code == 401

    page = client.get(code_url)
    assert page.status_code == 200
    assert "Set up two-step sign-in" in page.text
    secret = _SECRET.search(page.text).group(1)
    form = {"csrf_token": csrf_from(page.text), "secret": secret, "next": target}
    assert f'name="next" value="{html.escape(target)}"' in page.text  # the whole target survived the detour

    r = client.post("/login/code", data={**form, "code": wrong_code(pyotp.TOTP(secret))}, follow_redirects=False)
    assert r.status_code == 400
    assert client.get("/api/me").status_code == 401

    r = client.post("/login/code", data={**form, "code": pyotp.TOTP(secret).now()}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == target
    assert client.get("/", follow_redirects=False).status_code == 200
    assert client.get("/api/me").json()["totp_enabled"] is True
    assert len(audit_events(db, admin, "auth.totp_enabled")) == 1

    # From now on a token needs the code too.
    r = token_login(client, admin.username, PASSWORD)
    assert r.status_code == 401
    assert r.json()["detail"] == service.GENERIC_FAILURE
    assert r.json()["errors"][0]["field"] == "totp_code"
    # The enrolment code was spent; the next step's code (within the allowed drift) works once.
    assert token_login(client, admin.username, PASSWORD, totp_code=pyotp.TOTP(secret).now()).status_code == 401
    assert token_login(client, admin.username, PASSWORD, totp_code=next_code(pyotp.TOTP(secret))).status_code == 200


def test_demo_needs_no_totp_for_admin_and_the_setting_picks_roles(client, make_user, settings):
    settings(demo=1)
    admin = make_user("admin")
    assert token_login(client, admin.username, PASSWORD).status_code == 200

    settings(demo=0, totp_required_roles="officer")
    officer = make_user("officer")
    r = form_login(client, officer.username, PASSWORD)
    assert r.status_code == 303 and r.headers["location"].startswith("/login/code")


def test_a_user_with_totp_must_give_a_valid_code(client, make_user, db):
    user = make_user("officer")
    totp = enable_totp(db, user)

    r = form_login(client, user.username, PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/login/code?next=/"
    page = client.get(r.headers["location"])
    assert "Enter your sign-in code" in page.text
    assert not _SECRET.search(page.text)  # an enrolled secret is never shown again
    csrf = csrf_from(page.text)

    r = client.post("/login/code", data={"csrf_token": csrf, "code": wrong_code(totp)}, follow_redirects=False)
    assert r.status_code == 401
    assert client.get("/api/me").status_code == 401
    assert reload(db, user).failed_logins == 1
    assert len(audit_events(db, user, "auth.failed")) == 1

    # The session's CSRF token guards the code form too.
    r = client.post("/login/code", data={"csrf_token": "forged", "code": totp.now()}, follow_redirects=False)
    assert r.status_code == 400

    r = client.post("/login/code", data={"csrf_token": csrf, "code": totp.now()}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get("/api/me").status_code == 200
    assert reload(db, user).failed_logins == 0  # the whole sign-in passed

    # Token sign-in: the code is required and checked.
    r = token_login(client, user.username, PASSWORD)
    assert r.status_code == 401 and r.json()["errors"][0]["field"] == "totp_code"
    r = token_login(client, user.username, PASSWORD, totp_code=wrong_code(totp))
    assert r.status_code == 401 and r.json()["detail"] == service.GENERIC_FAILURE
    assert reload(db, user).failed_logins == 2
    assert token_login(client, user.username, PASSWORD, totp_code=next_code(totp)).status_code == 200


def test_a_code_is_good_only_once(client, make_user, db):
    user = make_user("officer")
    totp = enable_totp(db, user)
    code = totp.now()
    assert token_login(client, user.username, PASSWORD, totp_code=code).status_code == 200
    r = token_login(client, user.username, PASSWORD, totp_code=code)
    assert r.status_code == 401 and r.json()["detail"] == service.GENERIC_FAILURE
    assert reload(db, user).failed_logins == 1


def test_a_half_finished_sign_in_expires_in_minutes(client, make_user, db, monkeypatch):
    user = make_user("officer")
    totp = enable_totp(db, user)
    form_login(client, user.username, PASSWORD)
    page = client.get("/login/code")
    later = service.utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    r = client.post("/login/code", data={"csrf_token": csrf_from(page.text), "code": totp.now()},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_wrong_codes_count_toward_lockout(client, make_user, db, settings):
    settings(lockout_threshold=3)
    user = make_user("officer")
    totp = enable_totp(db, user)

    # API: the right password with a wrong code, three times, locks the account.
    for n in range(3):
        r = token_login(client, user.username, PASSWORD, totp_code=wrong_code(totp))
        assert r.status_code == 401, n
    assert len(audit_events(db, user, "auth.lockout")) == 1
    r = token_login(client, user.username, PASSWORD, totp_code=totp.now())
    assert r.status_code == 423

    db.execute(update(User).where(User.id == user.id).values(locked_until=None, failed_logins=0))
    db.commit()

    # Page: wrong codes on a half-finished sign-in lock the account, and then even the right code
    # is refused and the half sign-in ends.
    r = form_login(client, user.username, PASSWORD)
    csrf = csrf_from(client.get(r.headers["location"]).text)
    for n in range(3):
        r = client.post("/login/code", data={"csrf_token": csrf, "code": wrong_code(totp)}, follow_redirects=False)
        assert r.status_code == 401, n
    assert len(audit_events(db, user, "auth.lockout")) == 2
    r = client.post("/login/code", data={"csrf_token": csrf, "code": totp.now()}, follow_redirects=False)
    assert r.status_code == 423
    assert "locked until" in page_error(r.text)
    assert client.get("/api/me").status_code == 401
    assert db.scalar(select(func.count()).select_from(WebSession)) == 0


# --- the lockout state machine -----------------------------------------------------------

THRESHOLD, LOCK_MINUTES = 3, 10


@pytest.fixture
def cheap_user(make_user, settings, monkeypatch):
    """A user whose password hash uses a cheap argon2 profile (the real one costs ~0.2 s a try)."""
    from onbeat.core.identity import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    settings(lockout_threshold=THRESHOLD, lockout_minutes=LOCK_MINUTES)
    return make_user("officer")


# Mostly wrong passwords (so locks happen) and time steps that land on, before and after a lock's end.
ATTEMPT = st.tuples(st.sampled_from([True, False, False]), st.sampled_from([0, 0, 1, 3, LOCK_MINUTES - 1, LOCK_MINUTES]))


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=st.lists(ATTEMPT, min_size=1, max_size=25))
def test_lockout_state_machine(client, db, cheap_user, monkeypatch, attempts):
    """Failures count since the last success; reaching the threshold locks the account for the set
    minutes and resets the count; while locked every attempt gets 423, the right password too;
    after the lock the right password works."""
    user = cheap_user
    db.execute(update(User).where(User.id == user.id).values(failed_logins=0, locked_until=None))
    db.commit()
    lockouts_before = len(audit_events(db, user, "auth.lockout"))
    clock = Clock(monkeypatch)

    failures, locked_until, lockouts = 0, None, 0
    for right, minutes in attempts:
        clock.advance(minutes=minutes)
        r = token_login(client, user.username, PASSWORD if right else WRONG)
        if locked_until is not None and clock.now < locked_until:
            expected = 423
            if right:
                event("right password refused while locked")
        elif right:
            if locked_until is not None:
                event("right password accepted after a lock ran out")
            expected, failures, locked_until = 200, 0, None
        else:
            expected, failures = 401, failures + 1
            if failures >= THRESHOLD:
                failures, locked_until, lockouts = 0, clock.now + timedelta(minutes=LOCK_MINUTES), lockouts + 1
        assert r.status_code == expected, (attempts, r.text)

    event(f"lockouts: {min(lockouts, 2)}{'+' if lockouts > 2 else ''}")
    state = reload(db, user)
    assert state.failed_logins == failures
    if locked_until is not None:
        assert state.locked_until == locked_until
    assert len(audit_events(db, user, "auth.lockout")) - lockouts_before == lockouts
