"""/healthz answers whenever the process does; /readyz only when the database answers and its
schema is current."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy.engine import URL

from onbeat import db as onbeat_db
from onbeat.migrate import schema_status

pytestmark = pytest.mark.db


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def head_revision() -> str:
    return schema_status()[1]


def test_healthz_always_answers(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert r.headers["x-request-id"]


def test_readyz_is_ready_when_the_database_is_current(client):
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["schema"]["current"] == body["schema"]["head"] == head_revision()


@pytest.mark.parametrize("sql", [
    "update alembic_version set version_num = 'ffffffffffff'",  # a revision this code does not know
    "delete from alembic_version",  # never migrated
])
def test_readyz_is_unavailable_when_the_schema_is_not_current(client, superuser_sql, sql):
    head = head_revision()
    superuser_sql(sql)
    r = client.get("/readyz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable" and body["database"] == "ok"
    assert body["schema"]["head"] == head
    assert body["schema"]["current"] != head
    # The liveness probe does not care.
    assert client.get("/healthz").status_code == 200


def test_readyz_is_unavailable_after_a_downgrade_and_ready_after_migrating(client):
    from alembic import command

    from onbeat.migrate import alembic_config, upgrade

    cfg = alembic_config()
    with onbeat_db.engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["schema"]["current"] is None
    upgrade()
    assert client.get("/readyz").status_code == 200


def test_readyz_is_unavailable_when_the_database_is_unreachable(client, db_url):
    onbeat_db.configure(URL.create("postgresql+psycopg", username="onbeat", password="not-a-secret",
                                   host="127.0.0.1", port=closed_port(), database="onbeat"))
    try:
        r = client.get("/readyz")
        assert r.status_code == 503
        body = r.json()
        assert body["status"] == "unavailable"
        assert body["database"] == "unreachable"
        # Nothing about the server (host, port, user, password) reaches an anonymous caller.
        assert "detail" not in body
        assert "not-a-secret" not in r.text and "127.0.0.1" not in r.text
        assert client.get("/healthz").status_code == 200
    finally:
        onbeat_db.configure(db_url)
    assert client.get("/readyz").status_code == 200
