"""Schemathesis against the POLE operations of the OpenAPI document, signed in as a supervisor
(who holds persons.read, persons.write and markers.manage): whatever is sent, no operation answers
500 and every answer matches the document."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

pytestmark = pytest.mark.db
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
POLE_PATHS = r"^/api/(persons|objects|locations|links|events(?!/stream))"


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def app(db_url):
    from onbeat.asgi import create_app

    return create_app(start_listener=False)


@pytest.fixture
def supervisor_schema(app, db, make_user):
    from onbeat.core.identity.service import issue_token

    token, _ = issue_token(db, make_user("supervisor", username="st-sergeant"), "schemathesis")
    db.commit()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=schemathesis.Config.from_dict({
        "seed": 20261121, "generation": {"max-examples": 4, "deterministic": True, "database": "none"}}))
    schema.config.update(headers={"Authorization": f"Bearer {token}", "X-Purpose": "API conformance test"})
    return schema.include(path_regex=POLE_PATHS)


supervisor = schemathesis.pytest.from_fixture("supervisor_schema")


@supervisor.parametrize()
@pytest.mark.timeout(900)  # some two dozen operations, each with its examples, on a shared machine
def test_pole_operations_as_a_supervisor(case):
    case.call_and_validate(checks=CHECKS)
