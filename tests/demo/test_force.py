"""The demo force: three Reading stations, about sixty staff, about thirty units, the same every time."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, func, select, text

from onbeat import db as onbeat_db
from onbeat.command.models import Unit
from onbeat.core.audit import service as audit
from onbeat.core.identity.models import Station, Team, User
from onbeat.core.identity.passwords import needs_rehash, verify_password
from onbeat.core.permissions import ROLES
from onbeat.demo.force import DEMO_PASSWORD, demo_logins, seed
from tests.conftest import bearer

pytestmark = pytest.mark.db

# Reading, Berkshire.
LAT = (51.38, 51.50)
LON = (-1.10, -0.85)
OFFICER_RANKS = {"PC", "PS", "Insp", "DC", "DS", "PCSO"}
TABLES = ("stations", "teams", "users", "user_roles", "units", "unit_crew", "audit_log", "event_outbox")


def in_reading(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and LAT[0] <= lat <= LAT[1] and LON[0] <= lon <= LON[1]


def row_counts(db) -> dict[str, int]:
    return {t: db.execute(text(f"select count(*) from {t}")).scalar_one() for t in TABLES}


@pytest.fixture
def seeded(db):
    created = seed(db)
    db.commit()
    return created


def test_the_demo_force(db, seeded):
    assert seeded["stations"] == 3

    stations = db.execute(select(Station)).scalars().all()
    assert {s.code for s in stations} == {"RDG", "LDV", "TIL"}
    assert all(in_reading(s.latitude, s.longitude) for s in stations)
    assert all(s.postcode.startswith("RG") for s in stations)

    users = db.execute(select(User)).scalars().all()
    assert 55 <= len(users) <= 70
    assert seeded["staff"] == len(users)
    for u in users:
        assert u.rank and u.given_name and u.family_name
        assert u.team is not None and u.station is not None
        assert u.station_id == u.team.station_id
        assert u.role_names and u.role_names <= ROLES.keys()
        if u.rank in OFFICER_RANKS:
            assert u.collar_number == u.username and u.collar_number.isdigit() and u.staff_number is None
        else:
            assert u.staff_number == u.username and u.staff_number.startswith("S") and u.collar_number is None
    assert len({u.username for u in users}) == len(users)
    assert sum(u.rank in OFFICER_RANKS for u in users) >= 35  # mostly officers...
    assert sum(u.rank not in OFFICER_RANKS for u in users) >= 10  # ...and the staff who support them
    assert {"PC", "PS", "Insp", "PCSO", "DC", "DS"} <= {u.rank for u in users}
    teams = db.execute(select(Team)).scalars().all()
    assert len(teams) >= 10
    assert len({u.team_id for u in users}) == len(teams)  # every team has people

    # Every role has a login on the sign-in page, and that login holds the role.
    logins = demo_logins(db)
    assert {row["role"] for row in logins} == set(ROLES)
    by_username = {u.username: u for u in users}
    for row in logins:
        assert row["role"] in by_username[row["username"]].role_names
        assert by_username[row["username"]].rank in row["name"]

    units = db.execute(select(Unit)).scalars().all()
    assert 25 <= len(units) <= 35
    assert seeded["units"] == len(units)
    types = {u.unit_type for u in units}
    assert {"response_car", "foot_patrol", "dog", "arv", "roads_policing"} <= types
    assert sum(u.unit_type == "response_car" for u in units) >= 5
    assert sum(u.unit_type == "foot_patrol" for u in units) >= 3
    assert all("firearms" in u.skills for u in units if u.unit_type == "arv")
    assert all("dog" in u.skills for u in units if u.unit_type == "dog")
    assert all(in_reading(u.latitude, u.longitude) for u in units), \
        [(u.call_sign, u.latitude, u.longitude) for u in units if not in_reading(u.latitude, u.longitude)]
    assert len({u.call_sign for u in units}) == len(units)
    assert all(u.crew for u in units)
    crew_ids = {c.user_id for u in units for c in u.crew}
    assert crew_ids <= {u.id for u in users}

    # Each account was created the normal way: audited and announced (the demo's people and
    # devices add their own entries after the staff's).
    result = audit.verify(db)
    assert result.ok
    created = "select count(*) from {} where {} = :what"
    assert db.execute(text(created.format("audit_log", "event")), {"what": "user.create"}).scalar_one() == len(users)
    assert db.execute(text(created.format("event_outbox", "subject")),
                      {"what": "onbeat.core.user_created"}).scalar_one() == len(users)


def test_demo_accounts_use_the_demo_password_with_full_strength_hashing(db, seeded):
    users = db.execute(select(User).order_by(User.username)).scalars().all()
    for u in users:
        assert u.password_hash.startswith("$argon2id$")
        assert not needs_rehash(u.password_hash)  # the same parameters as any other account
    for u in (users[0], users[-1]):
        assert verify_password(u.password_hash, DEMO_PASSWORD)
    assert not verify_password(users[0].password_hash, DEMO_PASSWORD + "x")


def test_a_demo_login_can_sign_in(client, db, seeded):
    officer = bearer(client, "1001", DEMO_PASSWORD)
    assert client.get("/api/me", headers=officer).json()["roles"] == ["officer"]


def test_seeding_again_adds_nothing(db, seeded):
    before = row_counts(db)
    names = sorted(db.execute(select(User.username, User.given_name, User.family_name)).all())
    again = seed(db)
    db.commit()
    assert again == {"stations": 0, "teams": 0, "staff": 0, "units": 0}
    assert row_counts(db) == before
    assert sorted(db.execute(select(User.username, User.given_name, User.family_name)).all()) == names


def _force_snapshot(session) -> tuple:
    people = sorted(session.execute(select(User.username, User.given_name, User.family_name, User.rank,
                                           User.email)).all())
    teams = dict(session.execute(select(User.username, Team.name).join(Team, Team.id == User.team_id)).all())
    units = sorted(session.execute(select(Unit.call_sign, Unit.unit_type, Unit.latitude, Unit.longitude,
                                          Unit.status)).all())
    return people, teams, units


def test_the_same_force_is_generated_on_two_fresh_databases(db, db_url, pg_admin_url, template_db):
    seed(db)
    db.commit()
    first = _force_snapshot(db)
    db.close()

    other = f"onbeat_force_{os.getpid()}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{other}" with (force)'))
        conn.execute(text(f'create database "{other}" template "{template_db}" strategy file_copy'))
    try:
        onbeat_db.configure(pg_admin_url.set(database=other))
        with onbeat_db.session() as s:
            assert s.execute(select(func.count()).select_from(User)).scalar_one() == 0
            seed(s)
            s.commit()
            second = _force_snapshot(s)
    finally:
        onbeat_db.configure(db_url)
        with admin.connect() as conn:
            conn.execute(text(f'drop database if exists "{other}" with (force)'))
        admin.dispose()
    assert second == first
