"""Writing and verifying the pocket notebook against the database: numbering, the chain, idempotency,
concurrency, corrections, the append-only guard and tamper detection."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from onbeat import db as onbeat_db
from onbeat.core.audit.models import AuditEntry
from onbeat.core.errors import BadRequest, Conflict
from onbeat.records.notebook import service
from onbeat.records.notebook.chain import GENESIS
from onbeat.records.notebook.models import NotebookEntry
from tests.records.notebook.samples import entry, principal


def _count(db) -> int:
    return db.execute(select(func.count()).select_from(NotebookEntry)).scalar_one()


def test_entries_are_numbered_per_officer_and_chained(db, make_user):
    one, two = principal(make_user("officer")), principal(make_user("pcso"))
    written = []
    for n in range(3):
        e, created = service.write(db, one, entry(f"note {n}"))
        db.commit()
        assert created
        written.append(e)
    other, _ = service.write(db, two, entry("the other officer's first note"))
    db.commit()

    assert [e.number for e in written] == [1, 2, 3] and other.number == 1
    assert written[0].prev_hash == GENESIS and other.prev_hash == GENESIS
    assert written[1].prev_hash == written[0].hash and written[2].prev_hash == written[1].hash
    assert written[0].collar_number == one.user.collar_number
    assert written[0].written_at <= datetime.now(timezone.utc)
    result = service.verify(db, one.id)
    assert result.ok and result.checked == 3 and result.head_hash == written[2].hash
    assert service.verify(db, two.id).checked == 1
    # Each entry is audited as a collection, in the same transaction.
    events = db.execute(select(AuditEntry.event, AuditEntry.subject_id)
                        .where(AuditEntry.subject_type == "notebook")).all()
    assert sorted(str(e.id) for e in written + [other]) == sorted(s for _, s in events)
    assert {event for event, _ in events} == {"notebook.entry.written"}


def test_the_same_client_uuid_returns_the_entry_already_written(db, make_user):
    me = principal(make_user("officer"))
    data = entry()
    first, created = service.write(db, me, data)
    db.commit()
    again, created_again = service.write(db, me, data.model_copy(update={"text": "a different text"}))
    db.commit()
    assert created and not created_again
    assert again.id == first.id and again.text == first.text and _count(db) == 1


def test_another_officers_client_uuid_is_refused(db, make_user):
    one, two = principal(make_user("officer")), principal(make_user("officer"))
    data = entry()
    service.write(db, one, data)
    db.commit()
    with pytest.raises(Conflict) as exc:
        service.write(db, two, data)
    assert exc.value.field == "client_uuid"
    db.rollback()
    assert _count(db) == 1


def test_concurrent_writes_by_one_officer_number_one_to_ten_without_a_break(db, make_user):
    me = principal(make_user("officer"))
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with onbeat_db.session() as s:
                barrier.wait(10)
                service.write(s, me, entry(f"device write {n}"))
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    numbers = db.execute(select(NotebookEntry.number).where(NotebookEntry.user_id == me.id)
                         .order_by(NotebookEntry.number)).scalars().all()
    assert numbers == list(range(1, 11))
    result = service.verify(db, me.id)
    assert result.ok and result.checked == 10


def test_concurrent_retries_of_one_entry_write_it_once(db, make_user):
    me = principal(make_user("officer"))
    data = entry("sent from two devices at once")
    barrier = threading.Barrier(6)
    ids, errors = [], []

    def send() -> None:
        try:
            with onbeat_db.session() as s:
                barrier.wait(10)
                e, _ = service.write(s, me, data)
                s.commit()
                ids.append(e.id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(set(ids)) == 1 and len(ids) == 6 and _count(db) == 1


def test_a_correction_points_at_the_entry_it_corrects_which_is_unchanged(db, make_user):
    me = principal(make_user("officer"))
    original, _ = service.write(db, me, entry("The car was blue."))
    db.commit()
    before = (original.text, original.hash)
    fix, _ = service.write(db, me, entry("Correction to entry 1: the car was dark green, not blue.", corrects=1))
    db.commit()
    assert fix.number == 2 and fix.corrects_id == original.id
    db.expire_all()
    stored = db.get(NotebookEntry, original.id)
    assert (stored.text, stored.hash) == before
    shown = {e.number: e for e in service.outputs(db, [stored, fix])}
    assert shown[1].corrected_by == [2] and shown[2].corrects == 1
    assert service.verify(db, me.id).ok


def test_correcting_an_entry_that_is_not_mine_writes_nothing(db, make_user):
    one, two = principal(make_user("officer")), principal(make_user("officer"))
    service.write(db, one, entry())
    db.commit()
    with pytest.raises(BadRequest) as exc:
        service.write(db, two, entry("fix", corrects=1))
    assert exc.value.field == "corrects"
    db.rollback()
    assert _count(db) == 1


def test_an_event_in_the_future_is_refused(db, make_user):
    me = principal(make_user("officer"))
    with pytest.raises(BadRequest) as exc:
        service.write(db, me, entry(occurred_at=datetime.now(timezone.utc) + timedelta(hours=2)))
    assert exc.value.field == "occurred_at"
    db.rollback()
    assert _count(db) == 0


def test_the_service_refuses_any_change_with_the_hint_to_correct(db, make_user):
    me = principal(make_user("officer"))
    service.write(db, me, entry())
    db.commit()
    with pytest.raises(Conflict) as exc:
        service.refuse_change(db, me.id, 1)
    assert "correction" in exc.value.hint


@pytest.mark.parametrize("sql", ["update notebook_entries set text = 'changed'", "delete from notebook_entries",
                                 "truncate notebook_entries"])
def test_the_database_refuses_update_delete_and_truncate(db, make_user, sql):
    me = principal(make_user("officer"))
    service.write(db, me, entry())
    db.commit()
    with pytest.raises(DBAPIError) as exc:
        db.execute(text(sql))
    assert "never changed or removed" in str(exc.value)
    db.rollback()
    assert _count(db) == 1


def _tamper(superuser_sql, sql: str, **params) -> None:
    superuser_sql("alter table notebook_entries disable trigger all")
    superuser_sql(sql, **params)
    superuser_sql("alter table notebook_entries enable trigger all")


def _three(db, me):
    for n in range(3):
        service.write(db, me, entry(f"note {n + 1}"))
        db.commit()


def test_verify_names_an_altered_entry(db, make_user, superuser_sql):
    me = principal(make_user("officer"))
    _three(db, me)
    _tamper(superuser_sql, "update notebook_entries set text = 'nothing happened' where user_id = :u and number = 2",
            u=me.id)
    result = service.verify(db, me.id)
    assert not result.ok and result.broken_number == 2 and result.checked == 1
    assert "altered" in result.reason


def test_verify_names_an_entry_whose_hash_was_rewritten_too(db, make_user, superuser_sql):
    me = principal(make_user("officer"))
    _three(db, me)
    row = db.execute(select(NotebookEntry).where(NotebookEntry.number == 2)).scalar_one()
    from onbeat.records.notebook.chain import entry_hash, fields_of

    fields = fields_of(row)
    fields["text"] = "rewritten"
    _tamper(superuser_sql, "update notebook_entries set text = 'rewritten', hash = :h where id = :i",
            h=entry_hash(fields), i=row.id)
    result = service.verify(db, me.id)
    assert result.broken_number == 3 and "previous-entry hash" in result.reason


def test_verify_names_the_entry_after_a_removed_one(db, make_user, superuser_sql):
    me = principal(make_user("officer"))
    _three(db, me)
    _tamper(superuser_sql, "delete from notebook_entries where user_id = :u and number = 2", u=me.id)
    result = service.verify(db, me.id)
    assert result.broken_number == 3 and "entry 2 is missing" in result.reason


def test_an_empty_notebook_verifies(db, make_user):
    me = principal(make_user("officer"))
    result = service.verify(db, me.id)
    assert result.ok and result.checked == 0 and result.head_hash == GENESIS


def test_verify_reads_in_batches(db, make_user):
    me = principal(make_user("officer"))
    for n in range(7):
        service.write(db, me, entry(f"n{n}"))
        db.commit()
    assert service.verify(db, me.id, batch=3).checked == 7
    assert service.verify(db, uuid.uuid4()).checked == 0
