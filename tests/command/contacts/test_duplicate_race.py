"""Two handlers taking calls about the same event at the same moment open one incident, not two:
the duplicate check runs under area locks held to the commit."""

from __future__ import annotations

import math
import threading
import time

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from sqlalchemy import func, select

from onbeat import db as onbeat_db
from onbeat.command.contacts import duplicates, service
from onbeat.command.contacts.schemas import ContactIn
from onbeat.command.incidents.models import Incident
from onbeat.core.errors import Conflict
from onbeat.core.permissions import permissions_for
from onbeat.core.security import Principal
from tests.command.contacts.test_take import contact
from tests.command.incidents.factory import TOWN, stations

pytestmark = pytest.mark.timeout(60)


def _handler(make_user) -> Principal:
    user = make_user("call_handler")
    return Principal(user, permissions_for(user.role_names), roles=user.role_names)


def _race(make_user, db) -> tuple[Incident, dict]:
    """Handler A takes a call and has not committed yet; handler B takes a call about the same
    fight, 50 m away, meanwhile. Returns A's incident and what became of B."""
    stations(db)
    a, b = _handler(make_user), _handler(make_user)
    second: dict = {}

    def handler_b() -> None:
        with onbeat_db.session() as s:
            try:
                _, incident, _ = service.take(s, b, ContactIn(**contact(latitude=TOWN[0] + 0.00045,
                                                                         caller_name="Second Caller")))
                s.commit()
                second["incident"] = incident.id
            except Conflict as exc:
                s.rollback()
                second["conflict"] = exc

    with onbeat_db.session() as first:
        _, incident, found = service.take(first, a, ContactIn(**contact()))
        assert found == []
        thread = threading.Thread(target=handler_b)
        thread.start()
        time.sleep(0.6)
        second["waited"] = thread.is_alive()
        first.commit()
    thread.join(20)
    assert not thread.is_alive()
    return incident, second


def test_the_second_of_two_simultaneous_calls_is_offered_the_first_incident(make_user, db):
    incident, second = _race(make_user, db)
    assert second["waited"], "handler B should wait for handler A's commit"
    assert "incident" not in second, "two incidents were opened for one event"
    conflict = second["conflict"]
    assert incident.log_number in conflict.detail and "duplicate" in conflict.detail
    assert conflict.errors[0]["field"] == "link_to" and str(incident.id) in conflict.errors[0]["message"]
    assert db.scalar(select(func.count()).select_from(Incident)) == 1

    # B links its contact to A's incident, as offered.
    with onbeat_db.session() as s:
        b = _handler(make_user)
        _, joined, _ = service.take(s, b, ContactIn(**contact(latitude=TOWN[0] + 0.00045, link_to=str(incident.id))))
        s.commit()
    assert joined.id == incident.id and db.scalar(select(func.count()).select_from(Incident)) == 1


def test_without_the_area_lock_the_race_opens_two_incidents(make_user, db, monkeypatch):
    """The control: the check alone, with nothing held, lets both through (so the test above tests the
    lock). B may still queue behind A for the contact reference counter, but only after its check."""
    monkeypatch.setattr(duplicates, "lock_area", lambda *a, **k: 0)
    _, second = _race(make_user, db)
    assert "incident" in second
    assert db.scalar(select(func.count()).select_from(Incident)) == 2


def test_calls_far_apart_or_of_another_category_take_other_locks():
    """Only calls that could be duplicates of each other queue: 2 km apart, or a crime and a road
    collision at the same place, take different locks."""
    here = duplicates._cell_keys("crime", TOWN[0], TOWN[1], 300.0)
    assert not here & duplicates._cell_keys("crime", TOWN[0] + 0.02, TOWN[1], 300.0)
    assert not here & duplicates._cell_keys("transport", TOWN[0], TOWN[1], 300.0)


@hypothesis_settings(max_examples=300, deadline=None)
@given(lat=st.floats(-70, 70), lon=st.floats(-179, 179), dy=st.floats(-1, 1), dx=st.floats(-1, 1),
       radius=st.sampled_from([50.0, 300.0, 1000.0]))
def test_two_places_close_enough_to_be_duplicates_always_share_a_lock(lat, lon, dy, dx, radius):
    """Whatever the grid, if B lies in A's search square and A in B's, their lock sets meet."""
    dlat = radius / 111_320
    other_lat = lat + dy * dlat
    # Within both search squares in longitude (each is widened by its own latitude's cosine).
    dlon = dlat / max(0.01, math.cos(math.radians(max(abs(lat), abs(other_lat)))))
    other_lon = lon + dx * dlon
    a = duplicates._cell_keys("crime", lat, lon, radius)
    b = duplicates._cell_keys("crime", other_lat, other_lon, radius)
    assert a & b
    assert len(a) <= 4
