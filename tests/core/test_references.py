"""Human references: per-UK-day incident log numbers and per-year PREFIX/000123/26, gap-free and
unique under concurrency."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from onbeat import db as onbeat_db
from onbeat.core.references import ReferenceCounter, incident_log_number, next_reference
from onbeat.core.time import UK

pytestmark = pytest.mark.db

UTC = timezone.utc


def test_incident_log_numbers_count_per_uk_day(db):
    day = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    assert incident_log_number(db, day) == "0001-21112026"
    assert incident_log_number(db, day + timedelta(hours=5)) == "0002-21112026"
    # The next day starts again at 1.
    assert incident_log_number(db, day + timedelta(days=1)) == "0001-22112026"
    assert incident_log_number(db, day) == "0003-21112026"
    db.commit()


def test_references_count_per_prefix_and_uk_year(db):
    at = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert next_reference(db, "CRI", at) == "CRI/000001/26"
    assert next_reference(db, "CRI", at) == "CRI/000002/26"
    assert next_reference(db, "COL", at) == "COL/000001/26"
    assert next_reference(db, "CRI", datetime(2027, 3, 1, tzinfo=UTC)) == "CRI/000001/27"
    assert next_reference(db, "CRI", at) == "CRI/000003/26"
    db.commit()


def test_without_a_time_the_reference_is_for_now(db):
    now_uk = datetime.now(UK)
    assert re.fullmatch(r"\d{4}-" + now_uk.strftime("%d%m%Y"), incident_log_number(db))
    assert next_reference(db, "SS") == f"SS/000001/{now_uk.year % 100:02d}"


def test_the_day_is_the_uk_day_around_midnight(db):
    # 30 June 2026 23:30 UTC is 1 July 00:30 BST: a July incident.
    assert incident_log_number(db, datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "0001-01072026"
    # 30 June 22:59 UTC is still 23:59 BST on 30 June.
    assert incident_log_number(db, datetime(2026, 6, 30, 22, 59, tzinfo=UTC)) == "0001-30062026"
    # In winter the UK is on GMT: 23:30 UTC on 21 November is 23:30 on the 21st.
    assert incident_log_number(db, datetime(2026, 11, 21, 23, 30, tzinfo=UTC)) == "0001-21112026"
    # The clocks change: 29 March 2026 00:30 UTC is 00:30 GMT, 01:30 UTC is 02:30 BST, the same day.
    assert incident_log_number(db, datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == "0001-29032026"
    assert incident_log_number(db, datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == "0002-29032026"
    # A time given in another zone counts by its UK day too.
    new_york = timezone(timedelta(hours=-5))
    assert incident_log_number(db, datetime(2026, 11, 21, 20, 0, tzinfo=new_york)) == "0001-22112026"
    # The year of a reference turns over at UK midnight on 31 December (GMT, so UTC midnight).
    assert next_reference(db, "CRI", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)) == "CRI/000001/26"
    assert next_reference(db, "CRI", datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC)) == "CRI/000001/27"


@pytest.mark.parametrize("prefix", ["", "C", "cri", "Cri", "CR1", "TOOLONG", "CRI/", "CR I", "CRI'--", "ÉCR", "CRI\n"])
def test_an_invalid_prefix_is_refused(db, prefix):
    with pytest.raises(ValueError, match="2 to 6 capital letters"):
        next_reference(db, prefix)
    assert db.execute(select(ReferenceCounter)).first() is None


def test_a_naive_time_is_refused(db):
    with pytest.raises(ValueError, match="naive"):
        incident_log_number(db, datetime(2026, 11, 21, 9, 0))
    with pytest.raises(ValueError, match="naive"):
        next_reference(db, "CRI", datetime(2026, 11, 21, 9, 0))


def test_a_rolled_back_creation_gives_its_number_back(db):
    at = datetime(2026, 11, 21, 9, tzinfo=UTC)
    assert next_reference(db, "CRI", at) == "CRI/000001/26"
    assert incident_log_number(db, at) == "0001-21112026"
    db.rollback()
    with onbeat_db.session() as other:
        assert next_reference(other, "CRI", at) == "CRI/000001/26"
        assert incident_log_number(other, at) == "0001-21112026"
        other.commit()
    assert next_reference(db, "CRI", at) == "CRI/000002/26"
    db.rollback()
    assert next_reference(db, "CRI", at) == "CRI/000002/26"
    db.commit()


def _concurrently(db_url, n: int, work) -> list:
    """Run work(session, i) in n threads, each with its own connection and transaction, all
    released at once by a barrier; return their results."""
    engine = create_engine(db_url, pool_size=n, max_overflow=0)
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            with Session(engine) as s:
                s.connection()  # hold a connection before the start
                barrier.wait(timeout=30)
                results[i] = work(s, i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        engine.dispose()
    assert not errors, errors
    return results


def test_fifty_concurrent_creators_get_fifty_consecutive_numbers(db_url):
    at = datetime(2026, 11, 21, 9, tzinfo=UTC)

    def create(s: Session, i: int) -> tuple[str, str]:
        ref = next_reference(s, "CRI", at)
        log = incident_log_number(s, at)
        s.commit()
        return ref, log

    results = _concurrently(db_url, 50, create)
    refs = sorted(r for r, _ in results)
    logs = sorted(log for _, log in results)
    assert refs == [f"CRI/{n:06d}/26" for n in range(1, 51)]
    assert logs == [f"{n:04d}-21112026" for n in range(1, 51)]


def test_numbers_given_back_under_concurrency_leave_no_gap(db_url):
    at = datetime(2026, 11, 21, 9, tzinfo=UTC)

    def create(s: Session, i: int) -> str | None:
        ref = next_reference(s, "CRI", at)
        if i % 3 == 0:  # every third creation fails and rolls back
            s.rollback()
            return None
        s.commit()
        return ref

    results = _concurrently(db_url, 30, create)
    kept = sorted(r for r in results if r)
    assert len(kept) == 20
    assert kept == [f"CRI/{n:06d}/26" for n in range(1, 21)]


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2999, 12, 31),
                           timezones=st.sampled_from([UTC, UK, timezone(timedelta(hours=-11)),
                                                      timezone(timedelta(hours=13, minutes=45))])))
def test_the_date_part_is_always_the_uk_date(db, moment):
    uk_date = moment.astimezone(UK).date()
    log_number = incident_log_number(db, moment)
    reference = next_reference(db, "PROP", moment)
    db.rollback()  # gives the numbers back, so every example is the first of its day and year
    assert log_number == f"0001-{uk_date:%d}{uk_date:%m}{uk_date.year:04d}"
    assert reference == f"PROP/000001/{uk_date.year % 100:02d}"
