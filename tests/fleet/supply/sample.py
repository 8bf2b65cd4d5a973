"""A small force for the supply tests: two stations, a fleet engineer, two drivers, a supervisor
and as many officers as a test needs, with the demo's catalogue and role profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy.orm import Session

from onbeat.core.audit.service import Actor
from onbeat.core.identity import service as identity
from onbeat.core.identity.models import Station, User
from onbeat.core.identity.passwords import hash_password
from onbeat.fleet.supply import demo
from tests.conftest import PASSWORD


@lru_cache(maxsize=1)
def _hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class Force:
    stations: list[Station]
    engineer: User
    drivers: list[User]
    supervisor: User
    officers: list[User] = field(default_factory=list)

    @property
    def actor(self) -> Actor:
        return identity.actor_of(self.engineer)


def _user(db: Session, username: str, roles: list[str], station: Station, *, staff: bool = False,
          rank: str = "PC", family_name: str | None = None) -> User:
    return identity.create_user(
        db, Actor.system("test"), username=username, password=PASSWORD, password_hash=_hash(),
        given_name="Sam", family_name=family_name or f"Officer{username}", rank=rank, roles=roles,
        collar_number=None if staff else username, staff_number=username if staff else None, station_id=station.id)


def force(db: Session, officers: int = 3) -> Force:
    stations = [Station(code="RDG", name="Reading", address="Castle Street, Reading", postcode="RG1 7TH",
                        latitude=51.4529, longitude=-0.97834),
                Station(code="TIL", name="Tilehurst", address="School Road, Tilehurst", postcode="RG31 5AR",
                        latitude=51.4599, longitude=-1.0311)]
    db.add_all(stations)
    db.flush()
    f = Force(stations=stations,
              engineer=_user(db, "S8002", ["fleet_engineer"], stations[0], staff=True, rank="Fleet Engineer"),
              drivers=[_user(db, f"S880{i}", ["fleet_driver"], stations[0], staff=True, rank="Driver")
                       for i in (4, 5)],
              supervisor=_user(db, "1501", ["supervisor", "officer"], stations[0], rank="PS"))
    f.officers = [_user(db, str(3000 + i), ["officer"], stations[i % 2]) for i in range(officers)]
    demo._catalogue(db, f.actor)
    db.commit()
    return f
