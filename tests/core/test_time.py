from datetime import datetime, timezone

import pytest
from hypothesis import given, strategies as st

from onbeat.core.time import UK, format_uk, uk, uk_today


def test_winter_times_are_gmt_and_summer_times_bst():
    assert format_uk(datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)) == "15/01/2026 12:00 GMT"
    assert format_uk(datetime(2026, 7, 15, 12, 0, tzinfo=timezone.utc)) == "15/07/2026 13:00 BST"


def test_the_uk_day_changes_at_uk_midnight():
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    assert uk_today(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)).isoformat() == "2026-07-01"


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        uk(datetime(2026, 1, 1))


def test_nothing_to_show_is_an_empty_string():
    assert format_uk(None) == ""


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)))
def test_uk_time_is_the_same_instant(moment):
    local = uk(moment)
    # Compared as instants: Python (PEP 495) never finds an ambiguous local time equal to another zone's.
    assert local.timestamp() == moment.timestamp()
    assert local.tzinfo == UK
    assert local.utcoffset().total_seconds() in (0, 3600)
