"""Incident log numbers from one sequence per UK day: counted per day, never waited for, after any
number already used that day; a rolled-back incident leaves a gap (documented)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from onbeat import db as onbeat_db
from onbeat.command.incidents import numbers
from tests.command.incidents.factory import open_incident, stations

DAY = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)


def test_numbers_count_per_uk_day_and_a_rollback_leaves_a_gap(db):
    stations(db)
    assert open_incident(db, at=DAY).log_number == "0001-21112026"
    assert open_incident(db, at=DAY + timedelta(hours=5)).log_number == "0002-21112026"
    # 23:30 UTC on 30 June is 00:30 on 1 July in the UK (BST).
    assert open_incident(db, at=datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)).log_number == "0001-01072026"
    db.commit()
    open_incident(db, at=DAY)
    db.rollback()
    assert open_incident(db, at=DAY).log_number == "0004-21112026"
    db.commit()


def test_a_new_days_sequence_starts_after_numbers_already_used_that_day(db, superuser_sql):
    stations(db)
    first = open_incident(db, at=DAY)
    db.commit()
    # As if the day had been numbered by the earlier counter, up to 41, and its sequence lost.
    superuser_sql(f"update incidents set log_number = '0041-21112026' where id = '{first.id}'")
    superuser_sql(f"drop sequence {numbers.sequence_name(DAY.date())}")
    assert open_incident(db, at=DAY + timedelta(minutes=1)).log_number == "0042-21112026"
    db.commit()


def test_two_handlers_never_wait_for_each_others_number(db):
    stations(db)
    open_incident(db, at=DAY)
    db.commit()
    with onbeat_db.session() as a, onbeat_db.session() as b:
        first = open_incident(a, at=DAY, summary="a")  # not committed: holds no row a number needs
        started = time.perf_counter()
        # b's event and audit entry would queue for a's chain lock: take only the number here.
        second = numbers.next_log_number(b, DAY)
        assert time.perf_counter() - started < 2
        a.commit()
    assert {first.log_number, second} == {"0002-21112026", "0003-21112026"}
