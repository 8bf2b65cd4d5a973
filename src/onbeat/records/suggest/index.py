"""The candidate indexes: kept in step with the POLE store as people, vehicles and addresses are
created or changed (in the same transaction), and rebuilt whole by `rebuild` (the CLI's
`onbeat suggest reindex`).

A rebuild loads fresh tables beside the live ones by COPY, indexes them, then swaps them in one
short transaction, so suggestions keep working meanwhile; people changed during the rebuild are
refreshed again after the swap."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, insert, text
from sqlalchemy.orm import Session

from onbeat.core.time import utcnow
from onbeat.records.matching import normalise as norm
from onbeat.records.pole import service as pole
from onbeat.records.suggest.keys import Description, person_keys
from onbeat.records.suggest.models import AddressEntry, PersonKey, VehicleEntry

Progress = Callable[[str, int, int | None], None]  # (what, done so far, total or None)

# Letters keyed for digits (and the reverse) on a registration plate: read alike for look-up.
_PLATE = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1"})
_STREET_WORDS = {"rd": "road", "st": "street", "ave": "avenue", "av": "avenue", "ln": "lane", "dr": "drive",
                 "cl": "close", "ct": "court", "cres": "crescent", "pl": "place", "sq": "square", "gdns": "gardens",
                 "gr": "grove", "terr": "terrace", "tce": "terrace", "pk": "park", "hse": "house", "apt": "flat",
                 "apartment": "flat", "nth": "north", "sth": "south", "upr": "upper", "lwr": "lower"}


# --- folding ---------------------------------------------------------------------------------------

def reg_key(registration: str | None) -> str | None:
    """'ab12 cde' -> 'AB12CDE' with O/Q/D read as 0 and I/L as 1: 'B0B 1' and 'BOB I' file together."""
    if not registration:
        return None
    compact = re.sub(r"[^0-9A-Za-z]", "", registration).upper()
    return compact.translate(_PLATE)[:12] or None


def address_line(address: str | None) -> str:
    """The address lines folded, common abbreviations written out: '12 High St.' -> '12 high street'."""
    words = (norm.fold(address) or "").split()
    return " ".join(_STREET_WORDS.get(w, w) for w in words)


def postcode_parts(postcode: str | None) -> tuple[str | None, str | None]:
    """(full postcode, sector) as the index holds them: ('RG1 1AA', 'RG1 1')."""
    pc = norm.postcode(postcode)
    return pc.full, pc.sector


def describe(facts: pole.PersonFacts) -> Description:
    return Description(given_name=facts.given_name, family_name=facts.family_name,
                       date_of_birth=facts.date_of_birth,
                       postcodes=tuple(pc for _, pc, _, _ in facts.addresses if pc),
                       phones=tuple(facts.phones), other_names=tuple(facts.aliases))


# --- kept in step ------------------------------------------------------------------------------------

def refresh_person(db: Session, person_id: uuid.UUID) -> None:
    db.execute(delete(PersonKey).where(PersonKey.person_id == person_id))
    facts = pole.person_facts(db, [person_id]).get(person_id)
    if facts is not None:
        keys = person_keys(describe(facts))
        if keys:
            db.execute(insert(PersonKey), [{"key": k, "person_id": person_id} for k in keys])


def refresh_vehicle(db: Session, object_id: uuid.UUID) -> None:
    db.execute(delete(VehicleEntry).where(VehicleEntry.object_id == object_id))
    vehicle = pole.vehicles_by_id(db, [object_id]).get(object_id)
    if vehicle is not None and (key := reg_key(vehicle.registration)):
        db.execute(insert(VehicleEntry).values(object_id=object_id, reg_key=key))


def refresh_location(db: Session, location_id: uuid.UUID) -> None:
    db.execute(delete(AddressEntry).where(AddressEntry.location_id == location_id))
    loc = pole.locations_by_id(db, [location_id]).get(location_id)
    if loc is not None and (loc.address or loc.postcode):
        full, sector = postcode_parts(loc.postcode)
        db.execute(insert(AddressEntry).values(location_id=location_id, postcode=full, sector=sector,
                                               line=address_line(loc.address)))


_REFRESH = {"person": refresh_person, "object": refresh_vehicle, "location": refresh_location}


@pole.watch_changes
def _on_change(db: Session, entity_type: str, entity_id: uuid.UUID) -> None:
    _REFRESH[entity_type](db, entity_id)


# --- rebuilt whole -----------------------------------------------------------------------------------

_PERSON_DDL = ("create unlogged table {t} (key bigint not null, person_id uuid not null)",
               "alter table {t} set logged",
               "alter table {t} add constraint pk_{t} primary key (key, person_id)",
               "create index ix_{t}_person_id on {t} (person_id)")
_VEHICLE_DDL = ("create unlogged table {t} (object_id uuid not null, reg_key varchar(12) not null)",
                "alter table {t} set logged",
                "alter table {t} add constraint pk_{t} primary key (object_id)",
                "create index ix_{t}_reg_key on {t} (reg_key)",
                "create index ix_{t}_reg_trgm on {t} using gin (reg_key gin_trgm_ops)")
_ADDRESS_DDL = ("create unlogged table {t} (location_id uuid not null, postcode varchar(8), sector varchar(6), "
                "line text not null)",
                "alter table {t} set logged",
                "alter table {t} add constraint pk_{t} primary key (location_id)",
                "create index ix_{t}_postcode on {t} (postcode)",
                "create index ix_{t}_sector on {t} (sector)",
                "create index ix_{t}_line_trgm on {t} using gin (line gin_trgm_ops)")


def _count(db: Session, sql: str) -> int:
    return db.execute(text(sql)).scalar_one()


def _load(db: Session, table: str, ddl: tuple[str, ...], columns: str, batches, rows_of, what: str,
          total: int, progress: Progress) -> None:
    """Fill `table`_build by COPY from `batches` (each turned into rows by `rows_of`), index it and
    swap it in for `table`."""
    build = f"{table}_build"
    db.execute(text(f"drop table if exists {build}"))
    db.execute(text(ddl[0].format(t=build)))
    db.commit()
    done = 0
    progress(what, 0, total)
    raw = db.connection().connection.dbapi_connection
    for batch in batches:
        with raw.cursor() as cur, cur.copy(f"copy {build} ({columns}) from stdin") as copy:
            for row in rows_of(batch):
                copy.write_row(row)
        done += len(batch)
        progress(what, done, total)
    db.commit()
    progress(f"{what}: indexing", done, total)
    for statement in ddl[1:]:
        db.execute(text(statement.format(t=build)))
    db.commit()
    # The swap: a moment's lock on the live table, then the new one takes its name and its indexes' names.
    db.execute(text(f"lock table {table} in access exclusive mode"))
    db.execute(text(f"drop table {table}"))
    db.execute(text(f"alter table {build} rename to {table}"))
    db.execute(text(f"alter table {table} rename constraint pk_{build} to pk_{table}"))
    for statement in ddl[3:]:
        index = statement.split(" on ")[0].split()[-1].format(t=build)
        db.execute(text(f"alter index {index} rename to {index.replace(build, table)}"))
    db.commit()


def rebuild(db: Session, progress: Progress | None = None, *, what: tuple[str, ...] = ("persons", "vehicles",
                                                                                      "addresses")) -> dict[str, int]:
    """Rebuild the chosen indexes from the POLE store; returns the rows each now holds."""
    progress = progress or (lambda *_: None)
    started: datetime = utcnow()
    out: dict[str, int] = {}
    if "persons" in what:
        total = pole.count_persons(db)

        def person_rows(batch):
            for facts in batch:
                for k in person_keys(describe(facts)):
                    yield (k, facts.id)

        _load(db, "suggest_person_keys", _PERSON_DDL, "key, person_id", pole.iter_person_facts(db),
              person_rows, "persons", total, progress)
        for person_id in pole.persons_changed_since(db, started):
            refresh_person(db, person_id)
        db.commit()
        out["person keys"] = _count(db, "select count(*) from suggest_person_keys")
    if "vehicles" in what:
        def vehicle_rows(batch):
            for object_id, registration in batch:
                if key := reg_key(registration):
                    yield (object_id, key)

        _load(db, "suggest_vehicles", _VEHICLE_DDL, "object_id, reg_key", pole.iter_vehicles(db), vehicle_rows,
              "vehicles", None, progress)
        out["vehicles"] = _count(db, "select count(*) from suggest_vehicles")
    if "addresses" in what:
        def address_rows(batch):
            for location_id, address, postcode in batch:
                full, sector = postcode_parts(postcode)
                yield (location_id, full, sector, address_line(address))

        _load(db, "suggest_addresses", _ADDRESS_DDL, "location_id, postcode, sector, line", pole.iter_addresses(db),
              address_rows, "addresses", None, progress)
        out["addresses"] = _count(db, "select count(*) from suggest_addresses")
    return out
