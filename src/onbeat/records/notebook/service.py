"""The pocket notebook: write an entry (numbered and chained, idempotent by client UUID), read an
officer's entries, refuse any change, and verify an officer's whole chain.

Numbering is serialised per officer by a transaction-scoped advisory lock (held to commit), so two
devices of one officer writing at once get consecutive numbers and one unbroken chain; officers do
not wait for each other. The lock is taken before the audit chain's lock, never after it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.errors import BadRequest, Conflict, NotFound
from onbeat.core.identity.models import User
from onbeat.core.pagination import PageInfo, paginate
from onbeat.core.security import Principal
from onbeat.core.time import format_uk, utcnow
from onbeat.records.notebook.chain import GENESIS, ChainChecker, ChainResult, entry_hash, fields_of
from onbeat.records.notebook.models import NotebookEntry
from onbeat.records.notebook.schemas import EntryIn, EntryOut

# First key of pg_advisory_xact_lock(int, int); the second is a hash of the officer's id.
LOCK_NAMESPACE = 0x0B0E
# How far ahead of the server's clock an officer's "when it happened" may be (device clocks drift).
CLOCK_SKEW = timedelta(minutes=5)
CORRECT_HINT = ("Pocket notebook entries are never changed or deleted. Write a correction: a new entry "
                "whose `corrects` is the number of the entry it puts right. The original stays, shown struck "
                "through, with a link to the correction.")


def number_of(user: User) -> str:
    return user.collar_number or user.staff_number or ""


def officer_by_collar(db: Session, collar: str) -> User:
    collar = collar.strip()
    user = db.execute(select(User).where(User.collar_number == collar)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"No officer has collar number {collar}.", hint="Check the collar number.")
    return user


def _lock_notebook(db: Session, user_id: uuid.UUID) -> None:
    db.execute(text("select pg_advisory_xact_lock(:ns, hashtext(:uid))"), {"ns": LOCK_NAMESPACE, "uid": str(user_id)})


def _by_client_uuid(db: Session, me: Principal, client_uuid: uuid.UUID) -> NotebookEntry | None:
    entry = db.execute(select(NotebookEntry).where(NotebookEntry.client_uuid == client_uuid)).scalar_one_or_none()
    if entry is not None and entry.user_id != me.id:
        raise Conflict(f"The client UUID {client_uuid} already belongs to another entry.", field="client_uuid",
                       hint="Make a new UUID for each new entry.")
    return entry


def head(db: Session, user_id: uuid.UUID) -> NotebookEntry | None:
    return db.execute(select(NotebookEntry).where(NotebookEntry.user_id == user_id)
                      .order_by(NotebookEntry.number.desc()).limit(1)).scalar_one_or_none()


def get_entry(db: Session, user_id: uuid.UUID, number: int) -> NotebookEntry:
    entry = db.execute(select(NotebookEntry).where(NotebookEntry.user_id == user_id,
                                                   NotebookEntry.number == number)).scalar_one_or_none()
    if entry is None:
        raise NotFound(f"There is no entry {number} in this pocket notebook.", hint="Check the entry number.")
    return entry


def write(db: Session, me: Principal, data: EntryIn) -> tuple[NotebookEntry, bool]:
    """Append an entry to my notebook, or return the one this client UUID already wrote.

    Returns (entry, created). Nothing is written on any error."""
    now = utcnow()
    if data.occurred_at > now + CLOCK_SKEW:
        raise BadRequest(f"The time of the event ({format_uk(data.occurred_at)}) is in the future.",
                         field="occurred_at",
                         hint="Give the time it happened, by your clock; check the device's clock.")
    existing = _by_client_uuid(db, me, data.client_uuid)
    if existing is not None:
        return existing, False
    _lock_notebook(db, me.id)
    existing = _by_client_uuid(db, me, data.client_uuid)  # a second device's retry committed meanwhile
    if existing is not None:
        return existing, False
    corrects = None
    if data.corrects is not None:
        try:
            corrects = get_entry(db, me.id, data.corrects)
        except NotFound:
            raise BadRequest(f"You have no entry {data.corrects} to correct.", field="corrects",
                             hint="Give the number of one of your own earlier entries.") from None
    last = head(db, me.id)
    entry = NotebookEntry(
        id=uuid.uuid4(), client_uuid=data.client_uuid, user_id=me.id, collar_number=number_of(me.user),
        number=(last.number + 1) if last else 1, written_at=utcnow(), occurred_at=data.occurred_at,
        text=data.text, place=data.place,
        latitude=round(data.latitude, 6) if data.latitude is not None else None,
        longitude=round(data.longitude, 6) if data.longitude is not None else None,
        incident_number=data.incident_number, record_references=list(data.record_references),
        corrects_id=corrects.id if corrects else None, prev_hash=last.hash if last else GENESIS)
    entry.hash = entry_hash(fields_of(entry))
    values = {c.key: getattr(entry, c.key) for c in NotebookEntry.__table__.columns}
    inserted = db.execute(insert(NotebookEntry).values(**values)
                          .on_conflict_do_nothing(index_elements=["client_uuid"]).returning(NotebookEntry.id))
    if inserted.scalar_one_or_none() is None:  # another officer's device used this UUID at the same moment
        raise Conflict(f"The client UUID {data.client_uuid} already belongs to another entry.", field="client_uuid",
                       hint="Make a new UUID for each new entry.")
    entry = db.get(NotebookEntry, entry.id)
    audit(db, me.actor, "collect", "notebook.entry.written", "notebook", entry.id,
          detail={"collar_number": entry.collar_number, "number": entry.number, "hash": entry.hash,
                  "corrects": corrects.number if corrects else None})
    return entry, True


def refuse_change(db: Session, user_id: uuid.UUID, number: int) -> None:
    """Any attempt to change or delete an entry: 409 with how to correct it (404 if there is none)."""
    entry = get_entry(db, user_id, number)
    raise Conflict(f"Entry {entry.number} of your pocket notebook cannot be changed or deleted.", hint=CORRECT_HINT)


def entries(db: Session, user_id: uuid.UUID, page: int, size: int) -> tuple[list[NotebookEntry], PageInfo]:
    """An officer's entries, newest first."""
    stmt = select(NotebookEntry).where(NotebookEntry.user_id == user_id).order_by(NotebookEntry.number.desc())
    return paginate(db, stmt, page, size)


def outputs(db: Session, rows: list[NotebookEntry]) -> list[EntryOut]:
    """The entries as the API shows them, each with the entry it corrects and those correcting it."""
    ids = {r.id for r in rows}
    refs = {r.corrects_id for r in rows if r.corrects_id}
    numbers = dict(db.execute(select(NotebookEntry.id, NotebookEntry.number)
                              .where(NotebookEntry.id.in_(refs))).all()) if refs else {}
    corrected_by: dict[uuid.UUID, list[int]] = {i: [] for i in ids}
    if ids:
        for target, number in db.execute(select(NotebookEntry.corrects_id, NotebookEntry.number)
                                         .where(NotebookEntry.corrects_id.in_(ids)).order_by(NotebookEntry.number)):
            corrected_by[target].append(number)
    return [EntryOut(id=r.id, client_uuid=r.client_uuid, officer_id=r.user_id, collar_number=r.collar_number,
                     number=r.number, written_at=r.written_at, occurred_at=r.occurred_at, text=r.text, place=r.place,
                     latitude=r.latitude, longitude=r.longitude, incident_number=r.incident_number,
                     record_references=list(r.record_references or []),
                     corrects=numbers.get(r.corrects_id) if r.corrects_id else None,
                     corrected_by=corrected_by.get(r.id, []), prev_hash=r.prev_hash, hash=r.hash) for r in rows]


def consult(db: Session, me: Principal, officer: User, purpose: str, event: str = "notebook.viewed",
            detail: dict | None = None, action: str = "consult") -> None:
    """Audit a read (or, for an export, a disclosure) of an officer's notebook."""
    audit(db, me.actor, action, event, "notebook", officer.id, purpose=purpose,
          detail={"collar_number": number_of(officer), **(detail or {})})


OWN = "reading their own pocket notebook"


def count(db: Session, user_id: uuid.UUID) -> int:
    return db.execute(select(func.count()).select_from(NotebookEntry)
                      .where(NotebookEntry.user_id == user_id)).scalar_one()


def verify(db: Session, user_id: uuid.UUID, batch: int = 2000) -> ChainResult:
    """Walk one officer's chain in number order; name the first entry that does not hold."""
    checker = ChainChecker(str(user_id))
    after = 0
    while True:
        rows = db.execute(select(NotebookEntry).where(NotebookEntry.user_id == user_id, NotebookEntry.number > after)
                          .order_by(NotebookEntry.number).limit(batch)
                          # What is stored now, not what this session may still hold.
                          .execution_options(populate_existing=True)).scalars().all()
        if not rows:
            return checker.result()
        for row in rows:
            if not checker.add(fields_of(row), row.hash):
                return checker.result()
            after = row.number
        for row in rows:
            db.expunge(row)
