"""Device credentials and one-time enrolment codes.

A credential is 256 random bits; only its SHA-256 is stored. That is enough for a random token
(nothing to guess from a dictionary) and costs microseconds, where argon2 would cost every
check-in tens of milliseconds. A credential lives `LIFETIME`; from `ROTATE_AFTER` of age the
check-in answer carries its successor. The old one keeps working for `OVERLAP` after that (in
case the answer was lost) unless the successor has been used, which revokes it at once.

An enrolment code is 60 random bits in Crockford's base 32 (`7KQ2-M9XD-4TRC`): short enough to
type, too many to guess before it expires; also stored as a SHA-256, used once."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onbeat.core.time import utcnow
from onbeat.fleet.devices.models import Credential, EnrolmentCode

LIFETIME = timedelta(days=14)
ROTATE_AFTER = timedelta(days=7)
OVERLAP = timedelta(hours=1)
CODE_LIFETIME = timedelta(days=14)
TOKEN_PREFIX = "obd_"
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(code: str) -> str:
    """A code as typed: any case, spaces or dashes, O for 0 and I or L for 1."""
    return "".join(ch for ch in code.upper().translate(_TYPOS) if ch in _ALPHABET)


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def issue_code(db: Session, device_id: uuid.UUID, issued_by: str) -> tuple[str, datetime]:
    """A fresh code for the device; any earlier unused code is withdrawn."""
    now = utcnow()
    db.execute(update(EnrolmentCode).where(EnrolmentCode.device_id == device_id, EnrolmentCode.withdrawn_at.is_(None))
               .values(withdrawn_at=now))
    code = new_code()
    expires = now + CODE_LIFETIME
    db.add(EnrolmentCode(device_id=device_id, code_hash=digest(normalise_code(code)), issued_by=issued_by,
                         issued_at=now, expires_at=expires))
    db.flush()
    return code, expires


def find_code(db: Session, code: str) -> EnrolmentCode | None:
    return db.execute(select(EnrolmentCode).where(EnrolmentCode.code_hash == digest(normalise_code(code)))
                      .with_for_update()).scalar_one_or_none()


def issue(db: Session, device_id: uuid.UUID, now: datetime | None = None) -> tuple[str, Credential]:
    """A new credential for the device: (the token, told to the device once; its row)."""
    now = now or utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    cred = Credential(device_id=device_id, token_hash=digest(token), issued_at=now, expires_at=now + LIFETIME)
    db.add(cred)
    db.flush()
    return token, cred


def rotate(db: Session, old_id: uuid.UUID) -> tuple[str, Credential] | None:
    """The successor of a credential that is due for rotation (or was used after being replaced,
    meaning its successor never arrived). None if the credential is no longer valid."""
    old = db.execute(select(Credential).where(Credential.id == old_id).with_for_update()).scalar_one_or_none()
    now = utcnow()
    if old is None or old.revoked_at is not None:
        return None
    if old.replaced_at is not None:
        # Its successor never reached the device: withdraw that one and issue another.
        db.execute(update(Credential).where(Credential.device_id == old.device_id, Credential.id != old.id,
                                            Credential.revoked_at.is_(None), Credential.issued_at >= old.replaced_at)
                   .values(revoked_at=now, revoked_reason="never used: the device asked again"))
    old.replaced_at = now
    return issue(db, old.device_id, now)


def first_use(db: Session, cred_id: uuid.UUID, device_id: uuid.UUID) -> None:
    """A credential used for the first time: its predecessors stop working now."""
    now = utcnow()
    db.execute(update(Credential).where(Credential.id == cred_id, Credential.first_used_at.is_(None))
               .values(first_used_at=now))
    db.execute(update(Credential).where(Credential.device_id == device_id, Credential.id != cred_id,
                                        Credential.revoked_at.is_(None), Credential.replaced_at.is_not(None))
               .values(revoked_at=now, revoked_reason="replaced: the successor is in use"))


def revoke_all(db: Session, device_id: uuid.UUID, reason: str) -> int:
    return db.execute(update(Credential).where(Credential.device_id == device_id, Credential.revoked_at.is_(None))
                      .values(revoked_at=utcnow(), revoked_reason=reason)).rowcount
