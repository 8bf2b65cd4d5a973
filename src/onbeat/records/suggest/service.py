"""Suggestions while an officer types: the people, vehicles and addresses already known that best
match what has been typed so far, ranked by match probability, each with why it matched.

People: the blocking keys of the query (and of its usual slips) pick candidates from the index in
one query; the match model (`matching.scoring.score_many` with the store's current model) scores
them; only candidates at or above a minimum probability are shown, so nobody is shown whose
details merely resemble the query. Vehicles: the registration folded for O/0 and I/1 and compared
exactly and by trigram; make, model and colour add to the rank. Addresses: the postcode (or its
sector), and the first line compared fuzzily.

Nothing here audits: the API records one consultation per call, naming who was shown."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import date

import jellyfish
from sqlalchemy import Float, Uuid, column, select, text
from sqlalchemy.orm import Session

from onbeat.core.errors import Problem
from onbeat.records.matching import normalise as norm
from onbeat.records.matching.scoring import Address, Match, PersonFacts, score_many
from onbeat.records.pole import service as pole
from onbeat.records.pole.codes import VEHICLE_COLOURS
from onbeat.records.suggest import index
from onbeat.records.suggest.keys import Description, query_keys

CANDIDATES = 30       # scored by the model per query
MIN_PROBABILITY = 0.01


class Unprocessable(Problem):
    status, title = 422, "Invalid input"


# --- people ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonQuery:
    """What the officer has typed so far; any part may be missing."""
    given_name: str | None = None
    surname: str | None = None
    date_of_birth: date | None = None
    postcode: str | None = None
    address: str | None = None
    town: str | None = None
    phone: str | None = None

    def given(self) -> list[str]:
        return [k for k, v in self.__dict__.items() if v not in (None, "")]


PERSON_FIELDS_THAT_HELP = ("surname", "given_name", "date_of_birth", "postcode", "phone")


@dataclass
class PersonSuggestion:
    id: uuid.UUID
    facts: pole.PersonFacts
    probability: float
    match_weight: float
    reasons: list = field(default_factory=list)


def split_address(lines: str | None) -> tuple[str | None, str | None]:
    """(first line, town) of stored address lines 'Flat 2, 12 High Street, Reading'. The first line
    keeps a flat or house name with the street: the comparison finds the house number in it."""
    parts = [p.strip() for p in (lines or "").split(",") if p.strip()]
    if not parts:
        return None, None
    take = 2 if len(parts) > 2 and parts[0].lower().startswith(_FLAT) else 1
    return ", ".join(parts[:take]), (parts[-1] if len(parts) > take else None)


_FLAT = ("flat", "apartment", "studio", "unit", "room")


def to_match_facts(f: pole.PersonFacts) -> PersonFacts:
    """The store's facts in the shape the match model scores: the first address without an end
    date is the current one, the others earlier ones."""
    current = next((a for a in f.addresses if a[3] is None), f.addresses[0] if f.addresses else None)
    earlier = tuple(Address(*split_address(a[0]), postcode=a[1]) for a in f.addresses if a is not current)
    line, town = split_address(current[0]) if current else (None, None)
    return PersonFacts(given_name=f.given_name, surname=f.family_name, date_of_birth=f.date_of_birth,
                       postcode=current[1] if current else None, address_1=line, town=town,
                       phone=f.phones[0] if f.phones else None, aliases=tuple(f.aliases), previous_addresses=earlier,
                       key=f.id)


def usable(q: PersonQuery) -> bool:
    return bool(norm.fold_name(q.surname) or norm.fold_name(q.given_name) or q.date_of_birth
                or norm.postcode(q.postcode).full or norm.phone(q.phone))


_CANDIDATES_SQL = text("""
    select k.person_id, sum(q.w) as w
    from unnest(cast(:keys as bigint[]), cast(:weights as real[])) as q(key, w)
    join suggest_person_keys k on k.key = q.key
    group by k.person_id
    order by w desc
    limit :n
""")


def _keys(q: PersonQuery) -> dict[int, float]:
    return query_keys(Description(given_name=q.given_name, family_name=q.surname, date_of_birth=q.date_of_birth,
                                  postcodes=(q.postcode,) if q.postcode else (), phones=(q.phone,) if q.phone else ()))


def _candidates(keys: dict[int, float], n: int):
    return (_CANDIDATES_SQL.bindparams(keys=list(keys), weights=list(keys.values()), n=n)
            .columns(column("person_id", Uuid), column("w", Float)))


def candidate_ids(db: Session, q: PersonQuery, n: int = CANDIDATES) -> list[uuid.UUID]:
    """The people sharing the most (weighted) blocking keys with the query, most first."""
    keys = _keys(q)
    return [r[0] for r in db.execute(_candidates(keys, n))] if keys else []


def candidate_facts(db: Session, q: PersonQuery, n: int = CANDIDATES) -> dict[uuid.UUID, pole.PersonFacts]:
    """What the store knows of each candidate, found and read in one round trip."""
    keys = _keys(q)
    if not keys:
        return {}
    return pole.person_facts(db, select(_candidates(keys, n).subquery().c.person_id))


_model: tuple[float, object] | None = None
MODEL_RECHECK_S = 5.0


def current_model(db: Session):
    """The matching module's current model, asked for again at most every few seconds (a newly
    trained model is in use within MODEL_RECHECK_S; each request saves a round trip)."""
    global _model
    from onbeat.records.matching.model import current_model as model_of

    now = time.monotonic()
    if _model is None or now - _model[0] > MODEL_RECHECK_S:
        _model = (now, model_of(db))
    return _model[1]


def suggest_persons(db: Session, q: PersonQuery, limit: int = 5,
                    min_probability: float = MIN_PROBABILITY) -> list[PersonSuggestion]:
    """The best `limit` people already known for the query, best first."""
    if not usable(q):
        raise Unprocessable("Type something that identifies the person.", field="surname",
                            hint="These fields help: " + ", ".join(PERSON_FIELDS_THAT_HELP)
                                 + " (an address line or town alone is not enough).")
    facts = candidate_facts(db, q)
    query = PersonFacts(given_name=q.given_name, surname=q.surname, date_of_birth=q.date_of_birth,
                        postcode=q.postcode, address_1=q.address, town=q.town, phone=q.phone)
    ranked: list[Match] = score_many(current_model(db), query, [to_match_facts(f) for f in facts.values()])
    return [PersonSuggestion(m.key, facts[m.key], m.probability, m.match_weight, list(m.reasons))
            for m in ranked if m.probability >= min_probability][:limit]


# --- vehicles ----------------------------------------------------------------------------------------

@dataclass
class VehicleSuggestion:
    vehicle: object
    score: float
    reasons: list[str]


def suggest_vehicles(db: Session, registration: str | None, make: str | None = None, model: str | None = None,
                     colour: str | None = None, limit: int = 5) -> list[VehicleSuggestion]:
    """Vehicles whose registration matches the one typed allowing for spacing, case and O/0, I/1
    (exact), then those one or two characters away (trigrams); make, model and colour add to the rank."""
    key = index.reg_key(registration)
    if not key:
        raise Unprocessable("Type the registration, or part of it.", field="registration",
                            hint="These fields help: registration (make, model and colour then rank the matches).")
    rows = db.execute(text("""
        (select object_id, reg_key, 1.0 as sim from suggest_vehicles where reg_key = :k)
        union all
        (select object_id, reg_key, similarity(reg_key, :k) from suggest_vehicles
         where reg_key % :k and reg_key <> :k order by similarity(reg_key, :k) desc limit 30)
        union all
        (select object_id, reg_key, 0.5 from suggest_vehicles where reg_key like :prefix and reg_key <> :k
         order by reg_key limit 20)
    """), {"k": key, "prefix": key.replace("%", "").replace("_", "") + "%"}).all()
    vehicles = pole.vehicles_by_id(db, [r[0] for r in rows])
    typed = (registration or "").upper().replace(" ", "")
    out: dict[uuid.UUID, VehicleSuggestion] = {}
    for object_id, found_key, _ in rows:
        v = vehicles.get(object_id)
        if v is None or object_id in out:
            continue
        reasons: list[str] = []
        if found_key == key:
            reasons.append("registration matches" if v.registration == typed
                           else "registration matches allowing for spacing and O/0, I/1")
            score = 10.0
        elif found_key.startswith(key):
            reasons.append("registration starts with what was typed")
            score = 4.0
        else:
            distance = jellyfish.damerau_levenshtein_distance(found_key, key)
            if distance > 2:
                continue
            reasons.append(f"registration {distance} character{'s' if distance > 1 else ''} different")
            score = 6.0 - 2 * distance
        for name, want, have in (("make", make, v.make), ("model", model, v.model)):
            if want and have:
                if norm.fold(want) == norm.fold(have):
                    score += 1.5
                    reasons.append(f"{name} agrees")
                else:
                    score -= 1.0
                    reasons.append(f"{name} differs ({have})")
        if colour and v.colour:
            if colour.strip().lower() in (v.colour, VEHICLE_COLOURS.get(v.colour, "").lower()):
                score += 1.0
                reasons.append("colour agrees")
            else:
                score -= 0.5
                reasons.append(f"colour differs ({VEHICLE_COLOURS.get(v.colour, v.colour).lower()})")
        out[object_id] = VehicleSuggestion(v, score, reasons)
    return sorted(out.values(), key=lambda s: (-s.score, s.vehicle.registration or ""))[:limit]


# --- addresses ---------------------------------------------------------------------------------------

@dataclass
class AddressSuggestion:
    location: object
    score: float
    reasons: list[str]


def suggest_addresses(db: Session, postcode: str | None, address: str | None,
                      limit: int = 5) -> list[AddressSuggestion]:
    """Addresses at the postcode typed (or in its sector when the postcode has a slip), and any
    whose first line is like the one typed; ranked by how alike the lines are."""
    full, sector = index.postcode_parts(postcode)
    line = index.address_line(address)
    if not full and len(line) < 3:
        raise Unprocessable("Type a postcode or the first line of the address.", field="postcode",
                            hint="These fields help: postcode, address (the first line, e.g. 12 High Street).")
    parts, params = [], {"pc": full, "sector": sector, "line": line}
    if full:
        parts.append("(select location_id from suggest_addresses where postcode = :pc limit 200)")
    if sector and line:
        parts.append("(select location_id from suggest_addresses where sector = :sector and line % :line "
                     "order by similarity(line, :line) desc limit 50)")
    if line and len(line) >= 3:
        parts.append("(select location_id from suggest_addresses where line % :line "
                     "order by similarity(line, :line) desc limit 50)")
    rows = db.execute(text(" union ".join(parts)), params).scalars().all()
    locations = pole.locations_by_id(db, list(rows))
    typed_number = norm.house_number(line)
    out = []
    for loc in locations.values():
        their_pc, their_sector = index.postcode_parts(loc.postcode)
        their_line = index.address_line(loc.address)
        reasons, score = [], 0.0
        if full and their_pc == full:
            score += 5
            reasons.append("postcode matches")
        elif sector and their_sector == sector:
            score += 2
            reasons.append("same postcode sector")
        elif full and their_pc:
            score -= 2
            reasons.append(f"postcode differs ({loc.postcode})")
        if line and their_line:
            sim = jellyfish.jaro_winkler_similarity(line, their_line[:len(line) + 4]) if their_line else 0
            number = norm.house_number(their_line)
            if typed_number and number and typed_number != number:
                score -= 3
                reasons.append(f"house number differs ({number})")
            elif typed_number and number == typed_number:
                score += 2
                reasons.append("house number matches")
            score += 4 * sim
            if sim >= 0.97:
                reasons.append("first line matches")
            elif sim >= 0.85:
                reasons.append("first line is alike")
        out.append(AddressSuggestion(loc, score, reasons))
    return sorted(out, key=lambda s: -s.score)[:limit]
