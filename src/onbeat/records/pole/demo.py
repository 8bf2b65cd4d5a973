"""The demo force's people: about three hundred residents of Reading with addresses, phones and
some warning markers, and a handful of deliberate duplicates (a nickname, a misspelt surname,
day and month swapped, first and last names swapped, an old address) so that the merge review
queue and the suggestions have something to show.

Generated from a fixed seed and loaded through the legacy import (source "demo", each person's
demo id kept), so running it again adds nobody twice. The duplicates are then found by the
store's deduplication and wait in the review queue (/persons/merges).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.core.identity.models import User
from onbeat.core.permissions import permissions_for
from onbeat.core.security import Principal
from onbeat.records.merges import dedupe, imports
from onbeat.records.merges.legacy import LegacyFile, LegacyPerson
from onbeat.records.pole import markers
from onbeat.records.pole.models import PersonSource
from onbeat.records.pole.schemas import MarkerIn

SEED = 20261121
SOURCE = "demo"
HOW_MANY = 300
# Whoever the demo's people are recorded as collected by: the demo response sergeant.
COLLECTOR = "1501"

# (street, town, outward code) in and around Reading.
STREETS = [
    ("Oxford Road", "Reading", "RG1"), ("London Road", "Reading", "RG1"), ("Erleigh Road", "Reading", "RG1"),
    ("Kings Road", "Reading", "RG1"), ("Queens Road", "Reading", "RG1"), ("Southampton Street", "Reading", "RG1"),
    ("Castle Hill", "Reading", "RG1"), ("Addington Road", "Reading", "RG1"), ("Basingstoke Road", "Reading", "RG2"),
    ("Northumberland Avenue", "Reading", "RG2"), ("Shinfield Road", "Reading", "RG2"),
    ("Christchurch Road", "Reading", "RG2"), ("Whitley Wood Road", "Reading", "RG2"),
    ("Gosbrook Road", "Caversham", "RG4"), ("Henley Road", "Caversham", "RG4"), ("Peppard Road", "Caversham", "RG4"),
    ("Wokingham Road", "Earley", "RG6"), ("Beech Lane", "Earley", "RG6"), ("Rushey Way", "Lower Earley", "RG6"),
    ("Norcot Road", "Tilehurst", "RG30"), ("Wantage Road", "Reading", "RG30"), ("Tidmarsh Street", "Reading", "RG30"),
    ("Elm Park Road", "Reading", "RG30"), ("School Road", "Tilehurst", "RG31"), ("Bath Road", "Calcot", "RG31"),
]
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# The people the duplicates copy, with fixed details so each duplicate's kind of error is clear.
ORIGINALS = [
    ("O1", "Robert", "Smith", date(1980, 3, 7), 12, 0, "07700900101"),
    ("O2", "William", "Hughes", date(1955, 6, 15), 21, 16, "07700900102"),
    ("O3", "Margaret", "Okafor", date(1969, 11, 21), 3, 2, None),
    ("O4", "Daniel", "Whitfield", date(1990, 9, 4), 40, 0, "07700900104"),
    ("O5", "Aisha", "Begum", date(2001, 2, 5), 8, 1, None),
    ("O6", "Connor", "Walsh", date(1987, 4, 29), 77, 8, "07700900106"),
    ("O7", "Elizabeth", "Turner", date(1972, 8, 13), 5, 13, None),
    ("O8", "Jamal", "Edwards", date(1995, 12, 1), 19, 20, "07700900108"),
]
# (id, copies, what differs): given, family, date of birth, house number, street index.
DUPLICATES = [
    ("D1", "O1", "nickname", dict(given="Bob")),
    ("D2", "O2", "nickname, no phone", dict(given="Bill", phone=None)),
    ("D3", "O3", "nickname", dict(given="Peggy")),
    ("D4", "O4", "misspelt surname", dict(family="Whitfeild")),
    ("D5", "O5", "day and month swapped", dict(born=date(2001, 5, 2))),
    ("D6", "O6", "first and last names swapped", dict(given="Walsh", family="Connor")),
    ("D7", "O7", "an old address", dict(given="Liz", number=44, street=21)),
    ("D8", "O8", "typo in the given name", dict(given="Jamaal")),
]
MARKED = [
    ("O1", "violence", "Assaulted a door supervisor, Friar Street, 2025"),
    ("O4", "drugs", "Found in possession of class A with intent to supply"),
    ("O6", "weapons", "Carried a lock knife when stopped in 2025"),
]
MARKER_TEXTS = {
    "violence": "Violent towards officers when arrested",
    "weapons": "Known to carry a bladed article",
    "drugs": "Supplies class B in the town centre",
    "self_harm": "History of self-harm in custody",
    "mental_health": "Detained under MHA s136 in the last year",
    "ailment": "Diabetic: needs insulin",
    "escaper": "Ran from custody in 2024",
}


def _postcodes(rng: random.Random) -> list[list[str]]:
    """Each street's postcodes: one per ten house numbers, all different."""
    seen: set[str] = set()
    out = []
    for _, _, outward in STREETS:
        codes = []
        while len(codes) < 16:
            code = f"{outward} {rng.randint(1, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
            if code not in seen:
                seen.add(code)
                codes.append(code)
        out.append(codes)
    return out


def _row(pid, given, family, born, number, street, phone, codes) -> LegacyPerson:
    name, town, _ = STREETS[street]
    return LegacyPerson(line=0, id=pid, given_name=given, surname=family, date_of_birth=born,
                        street_number=str(number), address_1=name, town=town, postcode=codes[street][number // 10],
                        phone=phone)


def people(rng: random.Random, fake: Faker) -> list[LegacyPerson]:
    codes = _postcodes(rng)
    rows = []
    taken = {(street, number // 10) for _, _, _, _, number, street, _ in ORIGINALS} | {(21, 4)}
    phones = rng.sample(range(200, 1000), HOW_MANY)
    for i in range(1, HOW_MANY - len(ORIGINALS) - len(DUPLICATES) + 1):
        born = date(1940, 1, 1) + timedelta(days=rng.randint(0, 68 * 365))
        phone = f"07700900{phones[i]}" if rng.random() < 0.6 else None
        # One household per postcode, so that only the deliberate duplicates share an address.
        while (place := (rng.randrange(len(STREETS)), rng.randint(1, 159))) and (place[0], place[1] // 10) in taken:
            pass
        taken.add((place[0], place[1] // 10))
        rows.append(_row(f"P{i:03d}", fake.first_name(), fake.last_name(), born, place[1], place[0], phone, codes))
    originals = {}
    for pid, given, family, born, number, street, phone in ORIGINALS:
        originals[pid] = dict(given=given, family=family, born=born, number=number, street=street, phone=phone)
        rows.append(_row(pid, given, family, born, number, street, phone, codes))
    for pid, copies, _, changes in DUPLICATES:
        d = originals[copies] | changes
        rows.append(_row(pid, d["given"], d["family"], d["born"], d["number"], d["street"], d["phone"], codes))
    for n, row in enumerate(rows, start=2):
        row.line = n
    return rows


def seed(db: Session) -> dict[str, int]:
    """Load the demo people (once) and propose their duplicates for review."""
    if db.execute(select(PersonSource.id).where(PersonSource.source == SOURCE).limit(1)).first():
        return {}
    user = db.execute(select(User).where(User.username == COLLECTOR)).scalar_one_or_none() \
        or db.execute(select(User).order_by(User.created_at)).scalars().first()
    if user is None:
        return {}
    me = Principal(user, permissions_for(user.role_names), roles=user.role_names)
    fake = Faker("en_GB")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    rows = people(rng, fake)
    parsed = LegacyFile(columns={}, ignored=[], rows=rows, total=len(rows))
    result = imports.import_people(db, me, parsed, source=SOURCE, file_name="demo people", atomic=True,
                                   commit=False)
    ids = dict(db.execute(select(PersonSource.source_id, PersonSource.person_id)
                          .where(PersonSource.source == SOURCE)).all())
    marked = list(MARKED) + [(f"P{i:03d}", kind, text) for i, (kind, text) in
                             zip(rng.sample(range(1, 280), len(MARKER_TEXTS) * 3), list(MARKER_TEXTS.items()) * 3)]
    for pid, kind, detail in marked:
        markers.add_marker(db, me, ids[pid], MarkerIn(kind=kind, detail=detail, source="PNC"))
    db.flush()
    proposals = dedupe.dedupe_store(db, commit=False, min_train=200, save_model=False).new_proposals
    return {"people": result.imported, "warning markers": len(marked), "merge proposals": proposals}
