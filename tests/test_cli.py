"""The `onbeat` command, run as the installed entry point against the test's database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from onbeat import db as onbeat_db
from onbeat.core.audit import service as audit
from onbeat.core.identity.models import User
from onbeat.core.identity.passwords import verify_password
from onbeat.migrate import schema_status

pytestmark = pytest.mark.db

PASSWORD = "a long and good password"


def onbeat(db_url, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "onbeat"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "onbeat.cli"]
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith("ONBEAT_") and k not in ("NATS_URL", "DATABASE_URL")}
    environ["DATABASE_URL"] = db_url.render_as_string(hide_password=False)
    environ.update(env or {})
    return subprocess.run(command + list(args), env=environ, capture_output=True, text=True, timeout=120)


def row_counts() -> dict[str, int]:
    with onbeat_db.engine().connect() as conn:
        return {t: conn.execute(text(f"select count(*) from {t}")).scalar_one()
                for t in ("stations", "teams", "users", "user_roles", "units", "unit_crew", "audit_log",
                          "event_outbox")}


def test_migrate_is_idempotent(db_url):
    head = schema_status()[1]
    for _ in range(2):
        r = onbeat(db_url, "migrate")
        assert r.returncode == 0, r.stderr
        assert "Database is up to date" in r.stdout
    assert schema_status() == (head, head)


def test_migrate_brings_an_empty_database_to_head(db_url):
    from alembic import command

    from onbeat.migrate import alembic_config

    cfg = alembic_config()
    with onbeat_db.engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert schema_status()[0] is None
    r = onbeat(db_url, "migrate")
    assert r.returncode == 0, r.stderr
    current, head = schema_status()
    assert current == head


def test_seed_demo_is_idempotent(db_url):
    r = onbeat(db_url, "seed-demo")
    assert r.returncode == 0, r.stderr
    assert "3 stations" in r.stdout and "staff" in r.stdout and "units" in r.stdout
    first = row_counts()
    assert first["stations"] == 3 and first["users"] >= 55 and first["units"] >= 25

    r = onbeat(db_url, "seed-demo")
    assert r.returncode == 0, r.stderr
    assert "already loaded, nothing added" in r.stdout
    assert row_counts() == first

    r = onbeat(db_url, "demo-logins")
    assert r.returncode == 0
    assert "admin" in r.stdout and "S9900" in r.stdout


def test_create_user(db_url, db):
    r = onbeat(db_url, "create-user", "--username", "S9950", "--given-name", "Grace", "--family-name", "Hopper",
               "--rank", "Staff", "--role", "admin", "--role", "analyst", "--staff-number", "S9950",
               env={"ONBEAT_PASSWORD": PASSWORD})
    assert r.returncode == 0, r.stderr
    assert "Created Staff Grace Hopper (S9950) with roles admin, analyst." in r.stdout
    assert PASSWORD not in r.stdout + r.stderr
    user = db.execute(select(User).where(User.username == "S9950")).scalar_one()
    assert user.role_names == {"admin", "analyst"}
    assert user.staff_number == "S9950" and user.collar_number is None
    assert verify_password(user.password_hash, PASSWORD)
    assert user.password_hash.startswith("$argon2id$")
    # Recorded in the audit log as the command line's doing.
    entries = audit.verify(db)
    assert entries.ok and entries.checked == 1

    # The same username again is refused.
    r = onbeat(db_url, "create-user", "--username", "S9950", "--given-name", "G", "--family-name", "H",
               "--rank", "Staff", "--role", "admin", "--staff-number", "S9951", env={"ONBEAT_PASSWORD": PASSWORD})
    assert r.returncode == 2
    assert "already exists" in r.stderr


@pytest.mark.parametrize("args, password, message", [
    (["--role", "officer", "--collar-number", "4200"], "short", "at least 12 characters"),
    (["--role", "wizard", "--collar-number", "4200"], PASSWORD, "Unknown role(s): wizard"),
    (["--role", "officer"], PASSWORD, "collar number or a staff number"),
])
def test_create_user_refuses_bad_input(db_url, args, password, message):
    r = onbeat(db_url, "create-user", "--username", "4200", "--given-name", "A", "--family-name", "B",
               "--rank", "PC", *args, env={"ONBEAT_PASSWORD": password})
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Not created" in r.stderr and message in r.stderr
    assert "Traceback" not in r.stderr
    with onbeat_db.session() as s:
        assert s.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_audit_verify_on_an_intact_log(db_url, db):
    r = onbeat(db_url, "audit", "verify")
    assert r.returncode == 0, r.stderr
    assert "Audit log intact: 0 entries" in r.stdout
    for i in range(3):
        audit.record(db, audit.Actor.system("test"), "collect", "test.entry", "probe", i)
        db.commit()
    r = onbeat(db_url, "audit", "verify")
    assert r.returncode == 0, r.stderr
    assert "Audit log intact: 3 entries" in r.stdout


def test_events_relay_needs_a_nats_url(db_url):
    r = onbeat(db_url, "events", "relay")
    assert r.returncode == 2
    assert "Set NATS_URL" in r.stderr
    assert "Traceback" not in r.stderr


def test_help_lists_the_commands(db_url):
    r = onbeat(db_url, "--help")
    assert r.returncode == 0
    for name in ("serve", "migrate", "seed-demo", "create-user", "audit", "events", "run-jobs", "persons", "suggest"):
        assert name in r.stdout


def test_run_jobs_runs_each_periodic_job_once(db_url):
    r = onbeat(db_url, "run-jobs")
    assert r.returncode == 0, r.stderr
    assert "command.units_moved: units_moved 0" in r.stdout
    assert "command.attendance_targets: targets_breached 0" in r.stdout
    assert "fleet.sweep: commands_expired 0, not_seen_raised 0" in r.stdout
