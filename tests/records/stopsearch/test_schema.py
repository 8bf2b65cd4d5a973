"""Schemathesis over the stop-search operations, signed in as an officer (who may record and read):
whatever a client sends, no answer is a server error and every answer matches the document."""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.db
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    if not hasattr(request.node, "_nodeid"):  # see tests/test_openapi.py
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def app(db_url):
    from onbeat.asgi import create_app

    return create_app(start_listener=False)


@pytest.fixture
def officer_schema(app, db, make_user):
    from onbeat.core.identity.service import issue_token

    token, _ = issue_token(db, make_user("officer"), "schemathesis")
    db.commit()
    config = schemathesis.Config.from_dict({
        "seed": 20261121, "generation": {"max-examples": 15, "deterministic": True, "database": "none"}})
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    schema.config.update(headers={"Authorization": f"Bearer {token}", "X-Purpose": "API conformance test"})
    return schema


officer = schemathesis.pytest.from_fixture("officer_schema").include(path_regex="^/api/records/stop-searches")


@officer.parametrize()
def test_stop_search_operations_as_an_officer(case):
    case.call_and_validate(checks=CHECKS)
