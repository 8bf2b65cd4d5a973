"""Whatever is typed into a suggestion (any text, any length, control characters, odd dates), no
operation answers 500: a 200 with candidates, or a 4xx problem document naming the field."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from onbeat.core.errors import PROBLEM_JSON
from tests.conftest import bearer
from tests.records.suggest.builders import location, principal, store, vehicle

pytestmark = pytest.mark.db

typed = st.one_of(st.none(), st.text(max_size=40), st.text(alphabet="0123456789/-. OIoi", max_size=12),
                  st.sampled_from(["", " ", "\x00", "31/02/1990", "1980-03-07", "RG1 1AA", "rg11aa", "Bob", "%", "_",
                                   "O'Brien", "Zoë", "x" * 400]))
ROUTES = {
    "/api/records/persons/suggest": ["given_name", "surname", "date_of_birth", "postcode", "address", "town", "phone"],
    "/api/records/vehicles/suggest": ["registration", "make", "model", "colour"],
    "/api/records/addresses/suggest": ["postcode", "address"],
}


@pytest.fixture
def auth(client, db, make_user):
    user = make_user("officer")
    me = principal(user)
    store(db, me)
    vehicle(db, me, "AB12 CDE", make="Ford")
    location(db, me, "12 High Street, Reading", "RG1 1AA")
    return bearer(client, user.username) | {"X-Purpose": "API conformance test"}


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(sorted(ROUTES)), data=st.data())
def test_any_input_gets_candidates_or_a_problem_never_a_server_error(client, auth, route, data):
    params = {name: value for name in ROUTES[route] if (value := data.draw(typed, label=name)) is not None}
    r = client.get(route, params=params, headers=auth)
    assert r.status_code in (200, 422), r.text
    if r.status_code == 200:
        assert isinstance(r.json()["items"], list)
    else:
        body = r.json()
        assert r.headers["content-type"].startswith(PROBLEM_JSON) and body["errors"][0]["field"]
