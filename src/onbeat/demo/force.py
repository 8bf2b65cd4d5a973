"""The demo force: Thames Valley-style policing of Reading, Berkshire, generated from a fixed seed.

Three stations at their real coordinates, about sixty officers and staff with collar or staff
numbers, ranks and teams (every role has at least one login), and thirty units placed around the
stations. Running `seed` twice adds nothing the second time: each thing is looked up by its
natural key (station code, username, call sign) before it is made.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from faker import Faker
from sqlalchemy import select
from sqlalchemy.orm import Session

from onbeat.command.models import Unit, UnitCrew
from onbeat.core.audit.service import Actor
from onbeat.core.identity import service as identity
from onbeat.core.identity.models import Station, Team, User
from onbeat.core.identity.passwords import hash_password
from onbeat.core.permissions import ROLES
from onbeat.fleet.supply import demo as devices
from onbeat.records.pole import demo as people

DEMO_PASSWORD = "onbeat-demo-2026"
SEED = 20261121
ACTOR = Actor.system("demo force loader")


@dataclass(frozen=True)
class StationSpec:
    code: str
    name: str
    address: str
    postcode: str
    latitude: float
    longitude: float


STATIONS = [
    StationSpec("RDG", "Reading", "Castle Street, Reading", "RG1 7TH", 51.45290, -0.97834),
    StationSpec("LDV", "Loddon Valley", "Rushey Way, Lower Earley, Reading", "RG6 4PS", 51.42640, -0.91580),
    StationSpec("TIL", "Tilehurst", "School Road, Tilehurst, Reading", "RG31 5AR", 51.45990, -1.03110),
]

# (team, station code)
TEAMS = [
    ("Response Team A", "RDG"), ("Response Team B", "RDG"), ("Response Team C", "LDV"),
    ("Neighbourhood Reading Central", "RDG"), ("Neighbourhood Earley", "LDV"), ("Neighbourhood Tilehurst", "TIL"),
    ("CID Reading", "RDG"), ("Roads Policing", "LDV"), ("Armed Response", "LDV"), ("Dog Section", "TIL"),
    ("Contact Management", "RDG"), ("Digital Services", "RDG"), ("Performance and Analysis", "RDG"),
]

# Named demo logins, one per role first (what the sign-in page lists), then the rest of the force.
# (username/number, rank, roles, team, is_officer)
DEMO_ACCOUNTS = [
    ("1001", "PC", ["officer"], "Response Team A", True),
    ("5001", "PCSO", ["pcso"], "Neighbourhood Reading Central", True),
    ("2001", "DC", ["detective"], "CID Reading", True),
    ("1501", "PS", ["supervisor", "officer"], "Response Team A", True),
    ("S7001", "Call Handler", ["call_handler"], "Contact Management", False),
    ("S7002", "Dispatcher", ["dispatcher"], "Contact Management", False),
    ("S8001", "Service Desk Analyst", ["servicedesk_agent"], "Digital Services", False),
    ("S8002", "Fleet Engineer", ["fleet_engineer"], "Digital Services", False),
    ("S8004", "Delivery Driver", ["fleet_driver"], "Digital Services", False),
    ("S8003", "Change Manager", ["change_manager"], "Digital Services", False),
    ("S9001", "Analyst", ["analyst"], "Performance and Analysis", False),
    ("S9900", "Systems Administrator", ["admin"], "Digital Services", False),
]

# The rest: (how many, rank, roles, teams to spread over, number prefix)
REST = [
    (14, "PC", ["officer"], ["Response Team A", "Response Team B", "Response Team C"], 1100),
    (3, "PS", ["supervisor", "officer"], ["Response Team B", "Response Team C", "Roads Policing"], 1510),
    (1, "Insp", ["supervisor", "officer"], ["Response Team A"], 1590),
    (5, "PC", ["officer"], ["Neighbourhood Reading Central", "Neighbourhood Earley", "Neighbourhood Tilehurst"], 1200),
    (4, "PCSO", ["pcso"], ["Neighbourhood Reading Central", "Neighbourhood Earley", "Neighbourhood Tilehurst"], 5010),
    (4, "DC", ["detective"], ["CID Reading"], 2010),
    (1, "DS", ["detective", "supervisor"], ["CID Reading"], 2090),
    (4, "PC", ["officer"], ["Roads Policing"], 1300),
    (4, "PC", ["officer"], ["Armed Response"], 1400),
    (2, "PC", ["officer"], ["Dog Section"], 1450),
    (4, "Call Handler", ["call_handler"], ["Contact Management"], 7010),
    (2, "Dispatcher", ["dispatcher"], ["Contact Management"], 7020),
    (1, "Service Desk Analyst", ["servicedesk_agent"], ["Digital Services"], 8010),
    (1, "Analyst", ["analyst"], ["Performance and Analysis"], 9010),
]

# (call sign, type, station, skills, equipment, team whose officers crew it)
UNITS = (
    [(f"RD1{i}", "response_car", "RDG", ["first_aid", "taser"] if i % 2 else ["first_aid"], ["defibrillator"],
      "Response Team A" if i < 5 else "Response Team B") for i in range(1, 9)]
    + [(f"LV1{i}", "response_car", "LDV", ["first_aid", "advanced_driver"] if i % 2 else ["first_aid"],
        ["defibrillator"], "Response Team C") for i in range(1, 6)]
    + [(f"TL1{i}", "response_car", "TIL", ["first_aid"], [], "Response Team C") for i in range(1, 3)]
    + [(f"RD2{i}", "foot_patrol", "RDG", ["first_aid"], [], "Neighbourhood Reading Central") for i in range(1, 4)]
    + [(f"LV2{i}", "foot_patrol", "LDV", ["first_aid"], [], "Neighbourhood Earley") for i in range(1, 3)]
    + [(f"TL2{i}", "foot_patrol", "TIL", ["first_aid"], [], "Neighbourhood Tilehurst") for i in range(1, 3)]
    + [("DOG1", "dog", "TIL", ["dog", "advanced_driver"], ["dog cage"], "Dog Section"),
       ("DOG2", "dog", "TIL", ["dog"], ["dog cage"], "Dog Section"),
       ("ARV1", "arv", "LDV", ["firearms", "taser", "advanced_driver", "first_aid", "tpac"], ["carbine", "shield"], "Armed Response"),
       ("ARV2", "arv", "LDV", ["firearms", "taser", "advanced_driver", "first_aid"], ["carbine"], "Armed Response"),
       ("RP1", "roads_policing", "LDV", ["advanced_driver", "tpac", "first_aid"], ["ANPR", "speed gun"], "Roads Policing"),
       ("RP2", "roads_policing", "LDV", ["advanced_driver", "first_aid"], ["ANPR"], "Roads Policing"),
       ("CID1", "cid", "RDG", [], [], "CID Reading"),
       ("PSU1", "van", "RDG", ["public_order", "first_aid"], ["shields", "cell"], "Response Team B")]
)


def _near(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    """A point within `km` of (lat, lon), uniformly over the disc."""
    r = km * math.sqrt(rng.random())
    theta = rng.random() * 2 * math.pi
    dlat = (r * math.cos(theta)) / 110.574
    dlon = (r * math.sin(theta)) / (111.320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _accounts() -> list[tuple[str, str, list[str], str, bool]]:
    accounts = list(DEMO_ACCOUNTS)
    for count, rank, roles, teams, start in REST:
        officer = rank in ("PC", "PS", "Insp", "DC", "DS", "PCSO")
        for i in range(count):
            number = str(start + i) if officer else f"S{start + i}"
            accounts.append((number, rank, roles, teams[i % len(teams)], officer))
    return accounts


def seed(db: Session) -> dict[str, int]:
    fake = Faker("en_GB")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    created = {"stations": 0, "teams": 0, "staff": 0, "units": 0}

    stations: dict[str, Station] = {s.code: s for s in db.execute(select(Station)).scalars()}
    for spec in STATIONS:
        if spec.code not in stations:
            stations[spec.code] = Station(**spec.__dict__)
            db.add(stations[spec.code])
            created["stations"] += 1
    db.flush()

    teams: dict[str, Team] = {t.name: t for t in db.execute(select(Team)).scalars()}
    for name, code in TEAMS:
        if name not in teams:
            teams[name] = Team(name=name, station_id=stations[code].id)
            db.add(teams[name])
            created["teams"] += 1
    db.flush()

    existing = set(db.execute(select(User.username)).scalars())
    users_by_team: dict[str, list[User]] = {}
    shared_hash: str | None = None  # every demo account has the same password: hash it once, not sixty times
    for number, rank, roles, team_name, officer in _accounts():
        given, family = fake.first_name(), fake.last_name()  # drawn every time so names stay stable
        team = teams[team_name]
        if number not in existing:
            shared_hash = shared_hash or hash_password(DEMO_PASSWORD)
            identity.create_user(db, ACTOR, username=number, password=DEMO_PASSWORD, password_hash=shared_hash,
                                 given_name=given, family_name=family, rank=rank, roles=roles,
                                 collar_number=number if officer else None,
                                 staff_number=None if officer else number,
                                 email=f"{given}.{family}@thames-borough.police.example".lower(),
                                 team_id=team.id, station_id=team.station_id)
            created["staff"] += 1
    db.flush()
    for user in db.execute(select(User)).scalars():
        if user.team:
            users_by_team.setdefault(user.team.name, []).append(user)

    known_units = set(db.execute(select(Unit.call_sign)).scalars())
    crew_cursor: dict[str, int] = {}
    for call_sign, unit_type, code, skills, equipment, team_name in UNITS:
        station = stations[code]
        lat, lon = _near(rng, station.latitude, station.longitude, 3.0)
        if call_sign in known_units:
            continue
        unit = Unit(call_sign=call_sign, unit_type=unit_type, station_id=station.id, skills=skills,
                    equipment=equipment, status="available" if rng.random() < 0.7 else "busy",
                    latitude=lat, longitude=lon)
        crew_pool = sorted(users_by_team.get(team_name, []), key=lambda u: u.username)
        size = 1 if unit_type in ("foot_patrol", "dog", "cid") else 2
        for _ in range(min(size, len(crew_pool))):
            i = crew_cursor.get(team_name, 0)
            unit.crew.append(UnitCrew(user_id=crew_pool[i % len(crew_pool)].id))
            crew_cursor[team_name] = i + 1
        db.add(unit)
        created["units"] += 1
    db.flush()
    created.update(people.seed(db))
    created.update(devices.seed(db))
    return created


def demo_logins(db: Session) -> list[dict[str, str]]:
    """One login per role, for the sign-in page and `make run`."""
    wanted = {number: roles[0] for number, _, roles, _, _ in DEMO_ACCOUNTS}
    users = db.execute(select(User).where(User.username.in_(wanted))).scalars().all()
    by_name = {u.username: u for u in users}
    rows = []
    for number, role in wanted.items():
        if number in by_name:
            u = by_name[number]
            rows.append({"role": role, "username": number, "name": f"{u.rank} {u.given_name} {u.family_name}"})
    assert {r["role"] for r in rows} <= set(ROLES)
    return rows
