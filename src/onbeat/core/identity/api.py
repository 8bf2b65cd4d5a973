"""JSON API for sign-in tokens, the current user and staff accounts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from onbeat.core.audit import service as audit
from onbeat.core.errors import Unauthorised, problems
from onbeat.core.identity import service
from onbeat.core.identity.schemas import MeOut, PasswordChange, TokenOut, TokenRequest, UserCreate, UserOut, UserPage
from onbeat.core.pagination import PageNo, PageSize
from onbeat.core.security import Purpose, Requires, public
from onbeat.db import get_db

router = APIRouter(prefix="/api", tags=["identity"])
DB = Annotated[Session, Depends(get_db)]


@router.post("/auth/token", response_model=TokenOut, dependencies=[Depends(public("token sign-in"))],
             responses=problems(423))
def token_login(body: TokenRequest, db: DB) -> TokenOut:
    """Sign in a device or integration; the answer's bearer token goes in `Authorization`."""
    signin = service.authenticate(db, body.username, body.password)
    if signin.must_enrol_totp:
        db.rollback()
        raise Unauthorised("This account must set up two-step sign-in on the web before it can use tokens.",
                           hint="Sign in at /login and follow the steps.")
    if signin.needs_totp and not service.check_totp(signin.user, body.totp_code):
        service.count_failure(db, signin.user)
        db.commit()
        raise Unauthorised(service.GENERIC_FAILURE, field="totp_code")
    service.signed_in(signin.user)
    token, api_token = service.issue_token(db, signin.user, body.name)
    db.commit()
    return TokenOut(access_token=token, expires_at=api_token.expires_at)


@router.post("/auth/revoke", status_code=204)
def revoke(me: Requires("self.read"), db: DB) -> None:
    """End the bearer token this request was made with."""
    if me.token is None:
        raise Unauthorised("Only a bearer token can be revoked here; browsers sign out at /logout.")
    service.revoke_token(db, db.merge(me.token), me.user)
    db.commit()


@router.get("/me", response_model=MeOut)
def me(me: Requires("self.read")) -> MeOut:
    return MeOut(**UserOut.of(me.user).model_dump(), permissions=sorted(me.permissions))


@router.post("/me/password", status_code=204)
def change_password(body: PasswordChange, me: Requires("self.update"), db: DB) -> None:
    service.change_password(db, me.user, body.current_password, body.new_password)
    db.commit()


@router.get("/users", response_model=UserPage)
def list_users(me: Requires("users.read"), purpose: Purpose, db: DB, page: PageNo = 1, size: PageSize = 50,
               q: Annotated[str | None, Query(max_length=80)] = None) -> UserPage:
    users, info = service.search_users(db, me.actor, purpose, q, page, size)
    db.commit()
    return UserPage(items=[UserOut.of(u) for u in users], **info.as_dict())


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: uuid.UUID, me: Requires("users.read"), purpose: Purpose, db: DB) -> UserOut:
    user = service.get_user(db, user_id)
    audit.record(db, me.actor, "consult", "user.view", "user", user.id, purpose=purpose)
    db.commit()
    return UserOut.of(user)


@router.post("/users", response_model=UserOut, status_code=201, responses=problems(409))
def create_user(body: UserCreate, me: Requires("users.manage"), db: DB) -> UserOut:
    user = service.create_user(db, me.actor, **body.model_dump())
    db.commit()
    return UserOut.of(user)


@router.post("/users/{user_id}/unlock", response_model=UserOut)
def unlock_user(user_id: uuid.UUID, me: Requires("users.manage"), db: DB) -> UserOut:
    user = service.get_user(db, user_id)
    service.unlock(db, me.actor, user)
    db.commit()
    return UserOut.of(user)
