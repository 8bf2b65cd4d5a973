"""Import legacy people into the POLE store in bulk.

Each person keeps their legacy id as a source reference (`pole_person_sources`: source name and
id), so importing the same file again adds nobody twice. Rows go in batches through multi-row
inserts: a person, their address (an existing location with the same lines and postcode is
reused), their phone and their source reference. Each batch is audited as one collection naming
every person it added.

Not atomic: each batch commits, so an interrupted import keeps what it finished, and running it
again carries on. Atomic: one transaction, and nothing at all if any row was rejected.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onbeat.core.audit.service import record as audit
from onbeat.core.events.service import emit
from onbeat.core.security import Principal
from onbeat.core.time import utcnow
from onbeat.records.merges import legacy
from onbeat.records.merges.index import refresh_after_import
from onbeat.records.pole.models import Location, Person, PersonAddress, PersonPhone, PersonSource
from onbeat.records.pole.service import fold

BATCH = 5000


def _copy(db: Session, model, rows: list[dict]) -> None:
    """Rows into the model's table by COPY, in the session's own transaction (several times
    faster than multi-row INSERTs for a large import)."""
    if not rows:
        return
    columns = list(rows[0])
    raw = db.connection().connection.driver_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])


@dataclass
class ImportResult:
    source: str
    read: int = 0
    imported: int = 0
    already: int = 0
    rejected: list[legacy.Problem] = field(default_factory=list)
    committed: bool = True
    person_ids: list[uuid.UUID] = field(default_factory=list)
    location_ids: list[uuid.UUID] = field(default_factory=list)
    indexed: str = ""

    @property
    def rejected_rows(self) -> int:
        return len({p.line for p in self.rejected})


def _locations(db: Session, me: Principal, rows: list[legacy.LegacyPerson], now,
               made: list[uuid.UUID]) -> dict[tuple[str, str], uuid.UUID]:
    """(lower-case address, postcode) -> location id, reusing locations already stored; the ids of
    new ones are added to `made`."""
    wanted = {((r.address or "").lower(), r.postcode): r for r in rows if r.postcode}
    if not wanted:
        return {}
    found: dict[tuple[str, str], uuid.UUID] = {}
    postcodes = sorted({pc for _, pc in wanted})
    for loc_id, address, postcode in db.execute(
            select(Location.id, func.lower(func.coalesce(Location.address, "")), Location.postcode)
            .where(Location.postcode.in_(postcodes), Location.place.is_(None), Location.latitude.is_(None))):
        found.setdefault((address, postcode), loc_id)
    new = []
    for key, r in wanted.items():
        if key not in found:
            found[key] = uuid.uuid4()
            new.append(dict(id=found[key], address=r.address, postcode=r.postcode, created_by_id=me.id,
                            created_at=now))
    if new:
        _copy(db, Location, new)
        made.extend(n["id"] for n in new)
    return found


def _batch(db: Session, me: Principal, source: str, rows: list[legacy.LegacyPerson], file_name: str,
           made: list[uuid.UUID]) -> tuple[int, list]:
    ids = [r.id for r in rows]
    known = set(db.execute(select(PersonSource.source_id).where(PersonSource.source == source,
                                                               PersonSource.source_id.in_(ids))).scalars())
    rows = [r for r in rows if r.id not in known]
    if not rows:
        return len(known), []
    now = utcnow()
    places = _locations(db, me, rows, now, made)
    persons, sources, addresses, phones = [], [], [], []
    for r in rows:
        pid = uuid.uuid4()
        words = fold(" ".join(x for x in (r.given_name, r.surname) if x))
        persons.append(dict(id=pid, given_name=r.given_name, family_name=r.surname, date_of_birth=r.date_of_birth,
                            search_name=f" {words} " if words else "", created_by_id=me.id, created_at=now,
                            updated_at=now))
        sources.append(dict(id=uuid.uuid4(), person_id=pid, source=source, source_id=r.id, created_at=now))
        if r.postcode:
            addresses.append(dict(id=uuid.uuid4(), person_id=pid, created_at=now,
                                  location_id=places[((r.address or "").lower(), r.postcode)]))
        if r.phone:
            phones.append(dict(id=uuid.uuid4(), person_id=pid, number=r.phone, created_at=now))
    db.flush()
    _copy(db, Person, persons)
    _copy(db, PersonSource, sources)
    _copy(db, PersonAddress, addresses)
    _copy(db, PersonPhone, phones)
    new_ids = [p["id"] for p in persons]
    audit(db, me.actor, "collect", "pole.persons.imported", "person", None,
          detail={"source": source, "file": file_name, "lines": [rows[0].line, rows[-1].line],
                  "persons": [str(i) for i in new_ids]})
    return len(known), new_ids


def import_file(db: Session, me: Principal, path: Path | str, *, source: str = "legacy", atomic: bool = False,
                progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Read and import a legacy CSV. Raises legacy.LegacyFileError if the file cannot be read at all."""
    parsed = legacy.read(path, strict=True)
    return import_people(db, me, parsed, source=source, atomic=atomic, progress=progress, file_name=Path(path).name)


def import_people(db: Session, me: Principal, parsed: legacy.LegacyFile, *, source: str = "legacy",
                  atomic: bool = False, progress: Callable[[int, int], None] | None = None,
                  file_name: str = "", commit: bool = True) -> ImportResult:
    """Import parsed rows. `commit=False` (atomic, for a caller's own transaction, e.g. the demo
    seed) writes everything and commits nothing."""
    source = source.strip()[:50] or "legacy"
    result = ImportResult(source=source, read=parsed.total, rejected=list(parsed.problems))
    if atomic and parsed.problems:
        result.committed = False
        return result
    done = 0
    for start in range(0, len(parsed.rows), BATCH):
        chunk = parsed.rows[start:start + BATCH]
        already, new_ids = _batch(db, me, source, chunk, file_name, result.location_ids)
        result.already += already
        result.imported += len(new_ids)
        result.person_ids += new_ids
        if commit and not atomic:
            db.commit()
        done += len(chunk)
        if progress:
            progress(done, len(parsed.rows))
    if result.imported:
        emit(db, "records", "persons_imported", {"source": source, "file": file_name, "count": result.imported},
             permission="persons.read")
    if commit:
        db.commit()
    result.indexed = refresh_after_import(db, result.person_ids, result.location_ids, commit=commit)
    return result

