"""Right-6 deadlines in UK working days, bank holidays skipped (England and Wales by default)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from onbeat.core.time import UK
from onbeat.records.crime import deadlines

# The bank holidays the package bundles run to the end of 2028.
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 1))


def _working_days_between(start: date, end: date) -> int:
    """Working days after `start`, up to and including `end`."""
    return sum(deadlines.is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


@settings(max_examples=300, deadline=None)
@given(day=DAYS, enhanced=st.booleans())
def test_a_deadline_is_a_working_day_after_the_event_exactly_n_working_days_on(day, enhanced):
    due = deadlines.add_working_days(day, deadlines.working_days_allowed(enhanced))
    assert deadlines.is_working_day(due)
    assert due > day
    assert _working_days_between(day, due) == (1 if enhanced else 5)


@settings(max_examples=200, deadline=None)
@given(moment=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 1),
                           timezones=st.just(timezone.utc)), enhanced=st.booleans())
def test_the_count_starts_from_the_uk_date_of_the_event(moment, enhanced):
    due = deadlines.due_on(moment, enhanced)
    uk_day = moment.astimezone(UK).date()
    assert due == deadlines.add_working_days(uk_day, 1 if enhanced else 5)
    assert _working_days_between(uk_day, due) == (1 if enhanced else 5)


def _uk(*args) -> datetime:
    return datetime(*args, tzinfo=UK)


@pytest.mark.parametrize("event, enhanced, due", [
    # A Friday evening: five working days later is the next Friday; one is the Monday.
    (_uk(2026, 11, 20, 21, 30), False, date(2026, 11, 27)),
    (_uk(2026, 11, 20, 21, 30), True, date(2026, 11, 23)),
    # A weekend event counts from the Monday.
    (_uk(2026, 11, 22, 10, 0), False, date(2026, 11, 27)),
    # 23 Dec 2026 (Wed): 24th is day 1; Christmas (Fri 25th) and Boxing Day's substitute (Mon 28th)
    # are skipped, then 29, 30, 31 Dec; New Year's Day (Fri) is skipped: day 5 is Monday 4 January.
    (_uk(2026, 12, 23, 15, 0), False, date(2027, 1, 4)),
    (_uk(2026, 12, 23, 15, 0), True, date(2026, 12, 24)),
    # Christmas Eve 2026 with enhanced rights: the next working day is Tuesday 29 December.
    (_uk(2026, 12, 24, 18, 0), True, date(2026, 12, 29)),
    # Maundy Thursday 2027 (25 Mar): Good Friday 26th and Easter Monday 29th are skipped.
    (_uk(2027, 3, 25, 12, 0), False, date(2027, 4, 5)),
    (_uk(2027, 3, 25, 12, 0), True, date(2027, 3, 30)),
    # Easter 2026: Thursday 2 April; Good Friday 3rd and Easter Monday 6th skipped.
    (_uk(2026, 4, 2, 9, 0), False, date(2026, 4, 13)),
])
def test_fixed_deadlines_around_bank_holidays(event, enhanced, due):
    assert deadlines.due_on(event.astimezone(timezone.utc), enhanced) == due


def test_a_late_evening_utc_event_in_summer_is_the_next_uk_day():
    # 23:30 UTC on Friday 5 June 2026 is 00:30 BST on Saturday 6 June: counted from the Saturday.
    event = datetime(2026, 6, 5, 23, 30, tzinfo=timezone.utc)
    assert deadlines.due_on(event, True) == date(2026, 6, 8)
    assert deadlines.due_on(event, False) == date(2026, 6, 12)


def test_the_division_is_a_setting(settings):
    # St Andrew's Day (Mon 30 Nov 2026) is a bank holiday in Scotland only.
    event = _uk(2026, 11, 27, 12, 0).astimezone(timezone.utc)
    assert deadlines.division() == "england-and-wales"
    assert deadlines.due_on(event, True) == date(2026, 11, 30)
    settings(victims_bank_holiday_division="scotland")
    assert deadlines.division() == "scotland"
    assert deadlines.due_on(event, True) == date(2026, 12, 1)
    # 2 January is a Scottish bank holiday too (in 2027 a Saturday: Monday 4th is taken instead).
    assert deadlines.due_on(_uk(2026, 12, 31, 12, 0).astimezone(timezone.utc), True) == date(2027, 1, 5)
    settings(victims_bank_holiday_division="england-and-wales")
    assert deadlines.due_on(_uk(2026, 12, 31, 12, 0).astimezone(timezone.utc), True) == date(2027, 1, 4)
