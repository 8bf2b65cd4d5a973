"""Schemathesis against the supply operations of the OpenAPI document, signed in as a fleet
engineer (who holds every fleet permission): whatever is sent, no operation answers 500 and every
answer matches the document."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.fleet.supply.sample import force

pytestmark = pytest.mark.db
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SUPPLY_PATHS = r"^/api/fleet/(models|profiles|requests|queue|runs)"


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def app(db_url):
    from onbeat.asgi import create_app

    return create_app(start_listener=False)


@pytest.fixture
def engineer_schema(app, db):
    from onbeat.core.identity.service import issue_token

    f = force(db, officers=2)
    token, _ = issue_token(db, f.engineer, "schemathesis")
    db.commit()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=schemathesis.Config.from_dict({
        "seed": 20261121, "generation": {"max-examples": 8, "deterministic": True, "database": "none"},
        # Examples and fuzzing only (the boundary and link-walking phases cost minutes for little more).
        "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": False}}}))
    schema.config.update(headers={"Authorization": f"Bearer {token}", "X-Purpose": "API conformance test"})
    return schema.include(path_regex=SUPPLY_PATHS)


engineer = schemathesis.pytest.from_fixture("engineer_schema")


@engineer.parametrize()
@pytest.mark.timeout(900)
def test_supply_operations_as_a_fleet_engineer(case):
    case.call_and_validate(checks=CHECKS)
