"""The audit log (DPA 2018 s62): append-only, hash-chained, written with the change it records,
searchable by an administrator, and a stated purpose for every read of personal data."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from onbeat import db as onbeat_db
from onbeat.core.audit import service as audit
from onbeat.core.audit.models import ACTIONS, AuditEntry
from onbeat.core.audit.service import Actor
from onbeat.core.errors import BadRequest
from onbeat.core.time import uk_today
from tests.conftest import PASSWORD, bearer, browser_login

pytestmark = pytest.mark.db

TEST_ACTOR = Actor.system("test")


# --- helpers ------------------------------------------------------------------------------------

def onbeat_cli(db_url, *args: str) -> subprocess.CompletedProcess:
    """Run the installed `onbeat` command against the test's database."""
    script = Path(sys.executable).parent / "onbeat"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "onbeat.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONBEAT_") or k == "ONBEAT_DATA"}
    env["DATABASE_URL"] = db_url.render_as_string(hide_password=False)
    return subprocess.run(command + list(args), env=env, capture_output=True, text=True, timeout=120)


def write_entries(db, n: int) -> list[AuditEntry]:
    """n entries, each committed on its own."""
    entries = []
    for i in range(n):
        entries.append(audit.record(db, TEST_ACTOR, "collect", "test.entry", "probe", i, detail={"i": i}))
        db.commit()
    return entries


def all_entries(db) -> list[AuditEntry]:
    db.expire_all()
    return list(db.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())


def count_entries(**where) -> int:
    with onbeat_db.session() as s:
        stmt = select(func.count()).select_from(AuditEntry)
        for column, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, column) == value)
        return s.execute(stmt).scalar_one()


@pytest.fixture
def no_totp(settings):
    """Administrators normally need TOTP; these tests sign in with a password alone."""
    return settings(totp_required_roles="")


@pytest.fixture
def admin(no_totp, make_user):
    return make_user("admin", username="9901", rank="Systems Administrator", given_name="Ada", family_name="Admin")


# --- written with the change it records -----------------------------------------------------------

def test_a_rolled_back_change_leaves_no_audit_row_and_a_committed_one_leaves_exactly_one(db):
    from onbeat.core.identity.models import User
    from onbeat.core.identity.service import create_user

    fields = dict(password=PASSWORD, given_name="Roll", family_name="Back", rank="PC", roles=["officer"])
    user = create_user(db, TEST_ACTOR, username="4001", collar_number="4001", **fields)
    user_id = str(user.id)
    # Inside the transaction the entry is there...
    assert db.execute(select(func.count()).select_from(AuditEntry)
                      .where(AuditEntry.subject_id == user_id)).scalar_one() == 1
    db.rollback()
    # ...and it went with the change.
    assert count_entries(subject_id=user_id) == 0
    assert count_entries() == 0
    with onbeat_db.session() as s:
        assert s.execute(select(func.count()).select_from(User)).scalar_one() == 0

    user = create_user(db, TEST_ACTOR, username="4002", collar_number="4002", **fields)
    db.commit()
    assert count_entries(subject_id=str(user.id)) == 1
    assert count_entries(subject_id=str(user.id), action="collect", event="user.create") == 1
    assert audit.verify(db).ok


def test_an_entry_records_the_dpa_fields_and_chains_from_genesis(db):
    first, second = write_entries(db, 2)
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    assert re.fullmatch(r"[0-9a-f]{64}", first.hash)
    assert first.hash == audit.compute_hash(first)
    stored = all_entries(db)[0]
    assert stored.actor_label == "test" and stored.actor_id is None
    assert stored.action == "collect" and stored.subject_type == "probe" and stored.subject_id == "0"
    assert stored.occurred_at.tzinfo is not None
    assert abs(stored.occurred_at - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_only_the_six_dpa_actions_are_accepted(db):
    assert ACTIONS == ("collect", "alter", "consult", "disclose", "combine", "erase")
    for action in ACTIONS:
        audit.record(db, TEST_ACTOR, action, "test.action", "probe", None, purpose="testing")
    db.commit()
    with pytest.raises(ValueError):
        audit.record(db, TEST_ACTOR, "peek", "test.action", "probe")
    # The database refuses one too, whatever the code does.
    with pytest.raises(DBAPIError):
        db.execute(text("insert into audit_log (occurred_at, actor_label, action, event, subject_type, detail, "
                        "prev_hash, hash) values (now(), 'x', 'peek', 'x', 'x', '{}', 'x', 'x')"))
    db.rollback()
    assert count_entries() == 6


def test_reading_personal_data_needs_a_purpose(db):
    with pytest.raises(BadRequest) as exc:
        audit.record(db, TEST_ACTOR, "consult", "user.view", "user", "some-id")
    assert exc.value.field == "purpose"
    with pytest.raises(BadRequest):
        audit.record(db, TEST_ACTOR, "consult", "user.view", "user", "some-id", purpose="   ")
    entry = audit.record(db, TEST_ACTOR, "consult", "user.view", "user", "some-id", purpose=" Incident 0042 ")
    assert entry.purpose == "Incident 0042"
    # Something that is not personal data needs none.
    audit.record(db, TEST_ACTOR, "consult", "probe.view", "probe", None)
    db.commit()


def test_numbers_that_jsonb_rewrites_do_not_break_the_chain(db):
    # jsonb stores 1e+20 as 100000000000000000000 and -0.0 as 0.0: the hash is of what is stored.
    for detail in ({"x": 1e20}, {"x": -0.0}, {"x": 2 ** 70, "y": [1.5e-10, 1.0]}, {"nested": {"b": 1, "a": None}}):
        audit.record(db, TEST_ACTOR, "collect", "test.numbers", "probe", None, detail=detail)
        db.commit()
    db.expire_all()
    result = audit.verify(db)
    assert result.ok and result.checked == 4


_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)  # valid UTF-8, no NUL
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12)


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(detail=st.dictionaries(_text, _json, max_size=5), purpose=st.none() | _text)
def test_any_detail_and_purpose_verify(db, detail, purpose):
    try:
        entry = audit.record(db, TEST_ACTOR, "collect", "test.property", "probe", None, purpose=purpose,
                             detail=detail)
        db.commit()
    finally:
        db.rollback()  # a failed example must not leave the next one an aborted transaction
    db.expire_all()
    stored = db.get(AuditEntry, entry.seq)
    assert audit.compute_hash(stored) == stored.hash


# --- append-only ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "update audit_log set purpose = 'rewritten'",
    "update audit_log set detail = '{}'::jsonb where seq = (select min(seq) from audit_log)",
    "delete from audit_log",
    "delete from audit_log where seq = (select max(seq) from audit_log)",
    "truncate audit_log",
])
def test_the_application_cannot_change_or_remove_entries(db, sql):
    write_entries(db, 2)
    with onbeat_db.engine().connect() as conn:
        with pytest.raises(DBAPIError) as exc:
            conn.execute(text(sql))
        conn.rollback()
    assert exc.value.orig.sqlstate == "42501"  # insufficient_privilege
    assert "append-only" in str(exc.value.orig)
    assert count_entries() == 2
    assert audit.verify(db).ok


# --- verification --------------------------------------------------------------------------------

def tamper(superuser_sql, sql: str) -> None:
    """As the superuser, with the append-only trigger off for this one session."""
    superuser_sql("set session_replication_role = replica; " + sql)


@pytest.mark.parametrize("how", ["detail", "purpose", "actor", "delete_middle", "rehashed"])
def test_verify_names_the_first_broken_entry(db, db_url, superuser_sql, how):
    entries = write_entries(db, 5)
    seqs = [e.seq for e in entries]
    middle = seqs[2]
    assert audit.verify(db).ok
    if how == "detail":
        tamper(superuser_sql, f"""update audit_log set detail = '{{"i": 99}}' where seq = {middle}""")
        broken = middle
    elif how == "purpose":
        tamper(superuser_sql, f"update audit_log set purpose = 'covering tracks' where seq = {middle}")
        broken = middle
    elif how == "actor":
        tamper(superuser_sql, f"update audit_log set actor_label = 'someone else' where seq = {middle}")
        broken = middle
    elif how == "delete_middle":
        tamper(superuser_sql, f"delete from audit_log where seq = {middle}")
        broken = seqs[3]  # the entry after the gap no longer links to the one before it
    else:
        # A careful forger recomputes the altered entry's own hash: the next link still breaks.
        entry = all_entries(db)[2]
        entry.detail = {"i": 99}
        new_hash = audit.compute_hash(entry)
        db.rollback()
        tamper(superuser_sql, f"""update audit_log set detail = '{{"i": 99}}', hash = '{new_hash}' """
                              f"where seq = {middle}")
        broken = seqs[3]

    # The session still holds the entries as written (no expire_all): verify must read what is stored now.
    result = audit.verify(db)
    assert not result.ok
    assert result.broken_seq == broken
    survivors_before = [s for s in seqs if s < broken and not (how == "delete_middle" and s == middle)]
    assert result.checked == len(survivors_before)
    assert result.reason

    if how in ("detail", "purpose", "delete_middle"):  # the real command too (a subprocess: not for every case)
        cli = onbeat_cli(db_url, "audit", "verify")
        assert cli.returncode == 1, cli.stdout + cli.stderr
        assert f"BROKEN at entry {broken}:" in cli.stderr
        assert f"{result.checked} entries before it are intact" in cli.stderr
    # The trigger is still on for everyone else.
    with onbeat_db.engine().connect() as conn, pytest.raises(DBAPIError):
        conn.execute(text(f"update audit_log set purpose = 'x' where seq = {seqs[0]}"))


def test_verify_reads_what_is_stored_not_what_the_session_remembers(db, superuser_sql):
    entries = write_entries(db, 3)  # still in the session's identity map, as written
    tamper(superuser_sql, f"update audit_log set purpose = 'covering tracks' where seq = {entries[1].seq}")
    result = audit.verify(db)
    assert result.broken_seq == entries[1].seq


def test_verify_walks_in_batches(db):
    write_entries(db, 7)
    seen = []
    result = audit.verify(db, batch=3, progress=lambda done, total: seen.append((done, total)))
    assert result.ok and result.checked == 7
    assert seen == [(3, 7), (6, 7), (7, 7)]


def test_the_verify_api_answers_for_an_administrator(client, db, admin, make_user, superuser_sql):
    write_entries(db, 3)
    headers = bearer(client, admin.username)
    r = client.post("/api/audit/verify", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True and body["broken_seq"] is None and body["checked"] >= 4  # + the token issue

    first = all_entries(db)[0].seq
    tamper(superuser_sql, f"update audit_log set purpose = 'x' where seq = {first}")
    body = client.post("/api/audit/verify", headers=headers).json()
    assert body["ok"] is False and body["broken_seq"] == first

    officer = make_user("officer")
    assert client.post("/api/audit/verify", headers=bearer(client, officer.username)).status_code == 403


# --- concurrency ---------------------------------------------------------------------------------

def test_entries_written_from_eight_threads_at_once_form_one_chain(db):
    threads, per_thread = 8, 10
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with onbeat_db.session() as s:
                barrier.wait(timeout=30)
                for i in range(per_thread):
                    audit.record(s, Actor.system(f"thread {n}"), "collect", "test.concurrent", "probe", f"{n}-{i}")
                    s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert not errors, errors

    entries = all_entries(db)
    assert len(entries) == threads * per_thread
    assert len({e.subject_id for e in entries}) == threads * per_thread
    assert len({e.hash for e in entries}) == threads * per_thread
    prev = audit.GENESIS
    for e in entries:
        assert e.prev_hash == prev
        prev = e.hash
    result = audit.verify(db)
    assert result.ok and result.checked == threads * per_thread


# --- HTTP: request id, source address, purpose ----------------------------------------------------

def test_request_id_and_source_address_are_recorded(client, db, admin):
    headers = bearer(client, admin.username)
    r = client.post("/api/audit-probe", json={"note": "hello"}, headers={**headers, "X-Request-Id": "req-7f3a-0042"})
    assert r.status_code == 201, r.text
    assert r.headers["x-request-id"] == "req-7f3a-0042"
    seq = r.json()["seq"]
    entry = db.get(AuditEntry, seq)
    assert entry.request_id == "req-7f3a-0042"
    assert entry.source_address == "testclient"
    assert entry.actor_id == admin.id and entry.actor_label == admin.display_name
    assert entry.detail == {"note": "hello"}

    # Without a header, the server makes one up and still records it.
    r = client.post("/api/audit-probe", json={}, headers=headers)
    generated = r.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert db.get(AuditEntry, r.json()["seq"]).request_id == generated
    # Entries written outside a request have neither.
    outside = audit.record(db, TEST_ACTOR, "collect", "test.entry", "probe")
    assert outside.request_id is None and outside.source_address is None
    db.rollback()


def test_reading_a_user_needs_a_purpose_header(client, db, make_user):
    desk = make_user("servicedesk_agent", username="S8101", given_name="Sam", family_name="Desk")
    subject = make_user("officer", username="1234", given_name="Jane", family_name="Doe")
    headers = bearer(client, desk.username)
    before = count_entries(action="consult", event="user.view")

    r = client.get(f"/api/users/{subject.id}", headers=headers)
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 400
    assert [e["field"] for e in problem["errors"]] == ["purpose"]
    assert count_entries(action="consult", event="user.view") == before

    r = client.get(f"/api/users/{subject.id}", headers={**headers, "X-Purpose": "ab"})
    assert r.status_code == 400

    r = client.get(f"/api/users/{subject.id}",
                   headers={**headers, "X-Purpose": "Incident 0042-21112026", "X-Request-Id": "purpose-1"})
    assert r.status_code == 200, r.text
    assert r.json()["username"] == "1234"
    entries = [e for e in all_entries(db) if e.event == "user.view"]
    assert len(entries) == 1
    (entry,) = entries
    assert entry.action == "consult" and entry.subject_type == "user" and entry.subject_id == str(subject.id)
    assert entry.purpose == "Incident 0042-21112026"
    assert entry.actor_id == desk.id and entry.request_id == "purpose-1"

    # The query parameter works too.
    r = client.get(f"/api/users/{subject.id}", params={"purpose": "CRI/000123/26"}, headers=headers)
    assert r.status_code == 200
    assert any(e.purpose == "CRI/000123/26" for e in all_entries(db))
    assert audit.verify(db).ok


# --- search: API and page ------------------------------------------------------------------------

@pytest.fixture
def varied_log(db, monkeypatch):
    """Entries from several actors, actions and subjects, one of them just after midnight UK time."""
    import uuid

    alice = Actor(uuid.uuid4(), "PC Alice Smith (1111)")
    bob = Actor(uuid.uuid4(), "PS Bob Jones (1501)")
    audit.record(db, alice, "collect", "crime.create", "crime", "CRI/000001/26", detail={})
    audit.record(db, alice, "consult", "crime.view", "crime", "CRI/000001/26", purpose="investigation")
    audit.record(db, bob, "alter", "crime.update", "crime", "CRI/000001/26")
    audit.record(db, bob, "disclose", "crime.disclose", "crime", "CRI/000002/26", purpose="CPS file")
    # 30 June 2026 23:30 UTC is 1 July 2026 00:30 BST.
    with monkeypatch.context() as m:
        m.setattr(audit, "utcnow", lambda: datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc))
        audit.record(db, bob, "erase", "crime.erase", "crime", "CRI/000003/26")
    db.commit()
    return alice, bob


def test_the_audit_api_searches_and_paginates(client, db, admin, varied_log):
    alice, bob = varied_log
    headers = bearer(client, admin.username)

    def search(**params):
        r = client.get("/api/audit", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()

    everything = search()
    assert everything["total"] == count_entries()
    seqs = [e["seq"] for e in everything["items"]]
    assert seqs == sorted(seqs, reverse=True)  # newest first

    consults = search(action="consult")["items"]
    assert {e["action"] for e in consults} == {"consult"}
    assert {e["event"] for e in consults} == {"crime.view", "auth.token_issued"}
    assert {e["event"] for e in search(action="consult", subject_type="crime")["items"]} == {"crime.view"}
    assert {e["actor_label"] for e in search(actor="alice")["items"]} == {alice.label}
    assert search(actor="1501")["total"] == 3
    assert search(actor=str(bob.id))["total"] == 3
    assert search(subject_type="crime", subject_id="CRI/000001/26")["total"] == 3
    assert search(subject_type="crime")["total"] == 5

    july = search(date_from="2026-07-01", date_to="2026-07-01")
    assert [e["event"] for e in july["items"]] == ["crime.erase"]
    assert search(date_from="2026-06-30", date_to="2026-06-30")["total"] == 0
    today = uk_today().isoformat()
    assert search(date_from=today, date_to=today)["total"] == everything["total"] - 1

    page1, page2 = search(size=2, page=1), search(size=2, page=2)
    assert page1["pages"] == -(-everything["total"] // 2) and page1["size"] == 2
    assert len(page1["items"]) == 2 and len(page2["items"]) == 2
    assert not {e["seq"] for e in page1["items"]} & {e["seq"] for e in page2["items"]}
    assert search(size=2, page=999)["items"] == []

    r = client.get("/api/audit", params={"action": "peek"}, headers=headers)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["action"]
    r = client.get("/api/audit", params={"size": 500}, headers=headers)
    assert r.status_code == 422


def test_only_those_allowed_can_search_the_log(client, make_user):
    officer = make_user("officer")
    assert client.get("/api/audit", headers=bearer(client, officer.username)).status_code == 403
    r = client.get("/api/audit")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")


def test_the_audit_page_searches_and_shows_uk_times(client, db, admin, varied_log):
    browser_login(client, admin.username)
    write_entries(db, 60)  # more than one page
    total = count_entries()

    r = client.get("/admin/audit")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Audit log</h1>" in r.text
    assert r.text.count("<tr><td>") == 50
    assert f"of {total}" in r.text
    assert 'href="/admin/audit?page=2"' in r.text

    r = client.get("/admin/audit", params={"page": 2})
    assert r.text.count("<tr><td>") == total - 50

    # UK time: the entry written at 23:30 UTC on 30 June shows as 00:30 BST on 1 July.
    r = client.get("/admin/audit", params={"date_from": "2026-07-01", "date_to": "2026-07-01"})
    assert r.text.count("<tr><td>") == 1
    assert "01/07/2026 00:30:00 BST" in r.text and "crime.erase" in r.text

    r = client.get("/admin/audit", params={"actor": "Alice", "action": "consult"})
    assert r.text.count("<tr><td>") == 1
    assert "investigation" in r.text
    # Filters are kept in the pager's links and the form.
    r = client.get("/admin/audit", params={"subject_type": "probe"})
    assert r.text.count("<tr><td>") == 50
    assert 'href="/admin/audit?subject_type=probe&amp;page=2"' in r.text
    assert 'value="probe"' in r.text

    r = client.get("/admin/audit", params={"actor": "nobody at all"})
    assert "No entries match." in r.text


def test_the_audit_page_is_for_administrators(client, make_user):
    r = client.get("/admin/audit", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    officer = make_user("officer")
    browser_login(client, officer.username)
    r = client.get("/admin/audit", headers={"Accept": "text/html"})
    assert r.status_code == 403
    assert "Not allowed" in r.text


def _holds_chain_lock(db) -> bool:
    return db.execute(text("select exists (select 1 from pg_locks where locktype = 'advisory' "
                           "and pid = pg_backend_pid() and objid = :k)"),
                      {"k": audit.CHAIN_LOCK_KEY & 0xFFFFFFFF}).scalar_one()


def test_the_chain_lock_is_held_to_the_end_of_each_transaction_and_taken_again_in_the_next(db):
    audit.record(db, TEST_ACTOR, "collect", "test.lock", "probe")
    assert _holds_chain_lock(db)
    db.commit()
    assert not _holds_chain_lock(db)
    db.commit()
    # A transaction whose first statement is an event, not an audit entry, takes it too.
    from onbeat.core.events.service import emit

    emit(db, "core", "probe_recorded", {}, permission="platform.probe")
    assert _holds_chain_lock(db)
    db.rollback()
    audit.record(db, TEST_ACTOR, "collect", "test.lock", "probe")
    assert _holds_chain_lock(db)
    db.commit()
    assert audit.verify(db).ok
