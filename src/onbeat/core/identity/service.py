"""Identity service: accounts, sign-in with lockout and TOTP, sessions and bearer tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from onbeat.config import get_settings
from onbeat.core.audit import service as audit
from onbeat.core.audit.service import Actor
from onbeat.core.errors import BadRequest, Conflict, Locked, NotFound, Unauthorised
from onbeat.core.events import service as events
from onbeat.core.identity.models import ApiToken, User, UserRole, WebSession
from onbeat.core.pagination import paginate
from onbeat.core.identity.passwords import hash_password, needs_rehash, password_problem, verify_password
from onbeat.core.permissions import ROLES
from onbeat.core.time import format_uk, utcnow

# One message for every sign-in failure, so it reveals nothing about which part was wrong.
GENERIC_FAILURE = "Those details did not match. Check your collar or staff number and password."


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_of(user: User) -> Actor:
    return Actor(user.id, user.display_name)


def get_user(db: Session, user_id: uuid.UUID) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"No account with id {user_id}.")
    return user


def find_user(db: Session, username: str) -> User | None:
    return db.execute(select(User).where(func.lower(User.username) == username.strip().lower())).scalar_one_or_none()


def create_user(db: Session, actor: Actor, *, username: str, password: str, given_name: str, family_name: str,
                rank: str, roles: list[str], collar_number: str | None = None, staff_number: str | None = None,
                email: str | None = None, team_id=None, station_id=None, password_hash: str | None = None) -> User:
    """`password_hash`: an argon2 hash of `password` made earlier, for loaders that create many accounts
    with one shared password (the demo force) and need not hash it again for each."""
    unknown = set(roles) - ROLES.keys()
    if unknown:
        raise BadRequest(f"Unknown role(s): {', '.join(sorted(unknown))}.", field="roles",
                         hint="Roles are: " + ", ".join(ROLES))
    if not roles:
        raise BadRequest("Give the account at least one role.", field="roles")
    collar_number = (collar_number or "").strip() or None  # "" would be a number the next account clashes with
    staff_number = (staff_number or "").strip() or None
    if not (collar_number or staff_number):
        raise BadRequest("An account needs a collar number or a staff number.", field="collar_number")
    problem = password_problem(password, username)
    if problem:
        raise BadRequest(problem, field="password")
    if find_user(db, username):
        raise Conflict(f"An account with username {username} already exists.", field="username")
    for column, value in ((User.collar_number, collar_number), (User.staff_number, staff_number)):
        if value and db.execute(select(User.id).where(column == value)).first():
            label = column.key.replace("_", " ")
            raise Conflict(f"An account with {label} {value} already exists.", field=column.key)
    user = User(username=username.strip(), collar_number=collar_number, staff_number=staff_number,
                given_name=given_name, family_name=family_name, rank=rank, email=email, team_id=team_id,
                station_id=station_id, password_hash=password_hash or hash_password(password),
                password_changed_at=utcnow(),
                roles=[UserRole(role=r) for r in sorted(set(roles))])
    db.add(user)
    db.flush()
    audit.record(db, actor, "collect", "user.create", "user", user.id,
                 detail={"username": user.username, "roles": sorted(set(roles))})
    events.emit(db, "core", "user_created", {"user_id": str(user.id), "username": user.username},
                permission="users.read")
    return user


@dataclass
class SignIn:
    user: User
    needs_totp: bool      # the account has TOTP: the code must be checked before the session is whole
    must_enrol_totp: bool  # the account's role requires TOTP but it has none yet


def authenticate(db: Session, username: str, password: str) -> SignIn:
    """Check a password, counting failures toward lockout. Commits the failure count itself."""
    settings = get_settings()
    user = find_user(db, username) if username else None
    now = utcnow()
    if user is not None and user.locked_until and user.locked_until > now:
        # Counted, but the answer stays the same whether or not the password was right.
        verify_password(user.password_hash, password)
        ensure_not_locked(user)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        if user is not None:
            count_failure(db, user)
        db.commit()
        raise Unauthorised(GENERIC_FAILURE)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.failed_logins and not user.totp_enabled:
        # With TOTP the sign-in is not whole until the code passes (`signed_in`): wrong codes keep counting.
        user.failed_logins = 0
    user.locked_until = None
    must_enrol = not user.totp_enabled and bool(user.role_names & settings.totp_roles)
    return SignIn(user, needs_totp=user.totp_enabled, must_enrol_totp=must_enrol)


def ensure_not_locked(user: User) -> None:
    if user.locked_until and user.locked_until > utcnow():
        raise Locked(f"This account is locked until {format_uk(user.locked_until)} after too many failed "
                     "sign-ins.", hint="Wait, or ask the service desk to unlock it.")


def signed_in(user: User) -> None:
    """The whole sign-in (password and any code) passed: failures start counting again."""
    if user.failed_logins:
        user.failed_logins = 0


def count_failure(db: Session, user: User) -> None:
    settings = get_settings()
    # An atomic increment: concurrent wrong guesses all count.
    failures = db.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
                          .returning(User.failed_logins)).scalar_one()
    audit.record(db, Actor.system("sign-in"), "alter", "auth.failed", "user", user.id,
                 detail={"failed_logins": failures})
    if failures >= settings.lockout_threshold:
        until = utcnow() + timedelta(minutes=settings.lockout_minutes)
        db.execute(update(User).where(User.id == user.id).values(locked_until=until, failed_logins=0))
        audit.record(db, Actor.system("sign-in"), "alter", "auth.lockout", "user", user.id,
                     detail={"locked_until": until.isoformat(), "after_failures": failures})
        events.emit(db, "core", "user_locked", {"user_id": str(user.id), "locked_until": until.isoformat()},
                    permission="users.manage")
    db.refresh(user)


def unlock(db: Session, actor: Actor, user: User) -> None:
    user.locked_until = None
    user.failed_logins = 0
    audit.record(db, actor, "alter", "auth.unlock", "user", user.id)


def check_totp(user: User, code: str | None, secret: str | None = None) -> bool:
    """Is `code` right for this step or the one either side (clock drift)? A code of the user's own
    secret is accepted once: its step is remembered and that step or an earlier one is refused."""
    secret = secret or user.totp_secret
    code = (code or "").strip().replace(" ", "")
    if not secret or not code:
        return False
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for drift in (0, -1, 1):
        moment = now + timedelta(seconds=drift * totp.interval)
        if hmac.compare_digest(totp.at(moment), code):
            step = totp.timecode(moment)
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="OnBeat")


def enable_totp(db: Session, user: User, secret: str, code: str) -> None:
    if not check_totp(user, code, secret):
        raise BadRequest("That code did not match. Check your authenticator app's clock and try the newest code.",
                         field="code")
    user.totp_secret = secret
    user.totp_enabled = True
    audit.record(db, actor_of(user), "alter", "auth.totp_enabled", "user", user.id)


def change_password(db: Session, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        # Someone holding a session must not get unlimited guesses at the password either.
        count_failure(db, user)
        db.commit()
        raise BadRequest("Your current password is not right.", field="current_password")
    problem = password_problem(new, user.username)
    if problem:
        raise BadRequest(problem, field="new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    # Every other sign-in of this account ends: whoever knew the old password is out. Tokens
    # bound to an enrolled device stay: the device, not the password, is their credential.
    db.execute(WebSession.__table__.delete().where(WebSession.user_id == user.id))
    db.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.device_id.is_(None),
                                      ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow()))
    audit.record(db, actor_of(user), "alter", "auth.password_changed", "user", user.id)


# --- sessions (browser) -----------------------------------------------------------------

def start_session(db: Session, user: User, *, second_factor_pending: bool, source: str | None,
                  agent: str | None) -> tuple[str, WebSession]:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    ws = WebSession(token_hash=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                    second_factor_pending=second_factor_pending, last_seen_at=now,
                    expires_at=now + (timedelta(minutes=get_settings().second_factor_minutes) if second_factor_pending
                                      else timedelta(hours=get_settings().session_hours)),
                    source_address=source, user_agent=(agent or "")[:300])
    db.add(ws)
    if not second_factor_pending:
        audit.record(db, actor_of(user), "consult", "auth.sign_in", "session", None, detail={"via": "password"})
    return token, ws


def complete_second_factor(db: Session, ws: WebSession, user: User) -> None:
    ws.second_factor_pending = False
    ws.expires_at = utcnow() + timedelta(hours=get_settings().session_hours)
    signed_in(user)
    audit.record(db, actor_of(user), "consult", "auth.sign_in", "session", ws.id, detail={"via": "password+totp"})


def session_for(db: Session, token: str) -> tuple[WebSession, User] | None:
    row = db.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                     .where(WebSession.token_hash == token_hash(token))).first()
    if row is None:
        return None
    ws, user = row
    now = utcnow()
    if ws.expires_at <= now or not user.active:
        return None
    if (now - ws.last_seen_at) > timedelta(minutes=1):
        # Written at most once a minute, not on every request.
        ws.last_seen_at = now
        db.commit()
    return ws, user


def end_session(db: Session, ws: WebSession, user: User) -> None:
    db.delete(ws)
    audit.record(db, actor_of(user), "consult", "auth.sign_out", "session", ws.id)


# --- bearer tokens (devices and integrations) --------------------------------------------

def issue_token(db: Session, user: User, name: str, device_id: str | None = None) -> tuple[str, ApiToken]:
    token = "obt_" + secrets.token_urlsafe(32)
    api_token = ApiToken(token_hash=token_hash(token), user_id=user.id, name=name[:120], device_id=device_id,
                         expires_at=utcnow() + timedelta(hours=get_settings().token_hours))
    db.add(api_token)
    db.flush()
    audit.record(db, actor_of(user), "consult", "auth.token_issued", "api_token", api_token.id,
                 detail={"name": api_token.name, "device_id": device_id})
    return token, api_token


def token_for(db: Session, token: str) -> tuple[ApiToken, User] | None:
    row = db.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                     .where(ApiToken.token_hash == token_hash(token))).first()
    if row is None:
        return None
    api_token, user = row
    if api_token.revoked_at or api_token.expires_at <= utcnow() or not user.active:
        return None
    return api_token, user


def revoke_token(db: Session, api_token: ApiToken, user: User) -> None:
    api_token.revoked_at = utcnow()
    audit.record(db, actor_of(user), "alter", "auth.token_revoked", "api_token", api_token.id)


def search_users(db: Session, actor: Actor, purpose: str, q: str | None, page: int, size: int):
    """A page of staff accounts matching `q`; the read is audited with its purpose and the ids shown."""
    stmt = select(User).order_by(User.family_name, User.given_name)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.given_name.ilike(like), User.family_name.ilike(like)))
    users, info = paginate(db, stmt, page, size)
    audit.record(db, actor, "consult", "user.list", "user", None, purpose=purpose,
                 detail={"q": q, "page": page, "ids": [str(u.id) for u in users]})
    return users, info


def station_names(db: Session) -> dict:
    from onbeat.core.identity.models import Station

    return {s.id: s.name for s in db.execute(select(Station)).scalars()}
