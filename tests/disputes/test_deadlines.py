"""disputes.deadlines: working days and working hours on the Chinese public-holiday calendar.

Holiday facts used (State Council arrangements, as shipped in chinesecalendar 1.11):
- Spring Festival 2026: off Sun 15 Feb - Mon 23 Feb; make-up workdays Sat 14 Feb and Sat 28 Feb.
- Spring Festival 2025: off Tue 28 Jan - Tue 4 Feb; make-up workdays Sun 26 Jan and Sat 8 Feb.
- National Day + Mid-autumn 2025: off Wed 1 Oct - Wed 8 Oct; make-up Sun 28 Sep and Sat 11 Oct.
- National Day 2026: off Thu 1 Oct - Wed 7 Oct; make-up Sun 20 Sep and Sat 10 Oct;
  Mid-autumn 2026 is Fri 25 Sep (off).
- chinesecalendar 1.11 has data for 2004-2026 only; 2027 falls back to Monday-Friday.
Default office hours: 08:30-12:00 and 14:30-17:30 (6.5 working hours a day).

These tests count with the package's calendar (disputes.holidays.from_package), pinned, so they
need no database; the county's own calendar in the database is tested in test_holidays.py.
"""

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from disputes import deadlines as dl
from disputes import holidays, lifecycle
from disputes.deadlines import (
    WORKING_DAYS,
    WORKING_HOURS,
    LimitUnit,
    due_at,
    elapsed_fraction,
    is_workday,
    working_days_between,
    working_time_between,
)
from disputes.lifecycle import CaseState


@pytest.fixture(autouse=True)
def package_calendar():
    with dl.use_calendar(PACKAGE):
        yield


PACKAGE = holidays.from_package()

SH = ZoneInfo("Asia/Shanghai")


def at(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def assert_due(actual, expected):
    """Same instant and expressed in Shanghai wall-clock time."""
    assert actual == expected
    assert actual.utcoffset() == timedelta(hours=8)
    assert (actual.hour, actual.minute) == (expected.hour, expected.minute)


# --- the calendar itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (at(2026, 2, 14).date(), True),  # Saturday, make-up workday (Spring Festival 2026)
        (at(2026, 2, 16).date(), False),  # Monday, Spring Festival
        (at(2026, 2, 23).date(), False),  # Monday, last day of the 2026 break
        (at(2026, 2, 28).date(), True),  # Saturday, make-up workday
        (at(2025, 9, 28).date(), True),  # Sunday, make-up workday (National Day 2025)
        (at(2025, 10, 8).date(), False),  # Wednesday, last day of National Day 2025
        (at(2025, 10, 11).date(), True),  # Saturday, make-up workday
        (at(2026, 9, 20).date(), True),  # Sunday, make-up workday (National Day 2026)
        (at(2026, 10, 7).date(), False),  # Wednesday, last day of National Day 2026
        (at(2026, 10, 10).date(), True),  # Saturday, make-up workday
    ],
)
def test_calendar_facts(day, workday):
    assert is_workday(day) is workday


# --- working days --------------------------------------------------------------------------


def test_friday_afternoon_one_working_day_is_monday_close_of_business():
    assert_due(due_at(at(2025, 3, 7, 16), 1, WORKING_DAYS), at(2025, 3, 10, 17, 30))


def test_start_day_never_counts_even_at_dawn():
    assert_due(due_at(at(2025, 3, 4, 0, 1), 1, "working_days"), at(2025, 3, 5, 17, 30))
    assert_due(due_at(at(2025, 3, 4, 8, 0), 5, LimitUnit.WORKING_DAYS), at(2025, 3, 11, 17, 30))


def test_make_up_saturday_counts_spring_festival_2026():
    # Friday 13 Feb 2026: the next working day is the make-up Saturday, then the break.
    start = at(2026, 2, 13, 16)
    assert_due(due_at(start, 1, WORKING_DAYS), at(2026, 2, 14, 17, 30))
    assert_due(due_at(start, 2, WORKING_DAYS), at(2026, 2, 24, 17, 30))
    # Mon 2 Mar: 24, 25, 26, 27 Feb, Sat 28 Feb (make-up), then 2 Mar.
    assert_due(due_at(start, 7, WORKING_DAYS), at(2026, 3, 2, 17, 30))


def test_start_on_spring_festival_holiday_2026():
    assert_due(due_at(at(2026, 2, 17, 10), 1, WORKING_DAYS), at(2026, 2, 24, 17, 30))
    assert_due(due_at(at(2026, 2, 17, 10), 2, WORKING_HOURS), at(2026, 2, 24, 10, 30))


def test_make_up_sunday_counts_spring_festival_2025():
    # Fri 24 Jan 2025 -> Sun 26 Jan (make-up) -> Mon 27 Jan -> break until Wed 5 Feb.
    start = at(2025, 1, 24, 15)
    assert_due(due_at(start, 1, WORKING_DAYS), at(2025, 1, 26, 17, 30))
    assert_due(due_at(start, 3, WORKING_DAYS), at(2025, 2, 5, 17, 30))


def test_national_day_2025():
    # Tue 30 Sep: off 1-8 Oct, Thu 9, Fri 10, Sat 11 (make-up).
    start = at(2025, 9, 30, 10)
    assert_due(due_at(start, 1, WORKING_DAYS), at(2025, 10, 9, 17, 30))
    assert_due(due_at(start, 3, WORKING_DAYS), at(2025, 10, 11, 17, 30))
    # Friday 26 Sep: the make-up Sunday 28 Sep is the next working day.
    assert_due(due_at(at(2025, 9, 26, 16), 1, WORKING_DAYS), at(2025, 9, 28, 17, 30))


def test_national_day_2026():
    assert_due(due_at(at(2026, 9, 30, 9), 1, WORKING_DAYS), at(2026, 10, 8, 17, 30))
    assert_due(due_at(at(2026, 10, 9, 16), 1, WORKING_DAYS), at(2026, 10, 10, 17, 30))  # make-up Sat
    assert_due(due_at(at(2026, 9, 18, 16), 1, WORKING_DAYS), at(2026, 9, 20, 17, 30))  # make-up Sun
    # Mid-autumn Friday 25 Sep 2026 is off: Thursday + 1 working day = Monday.
    assert_due(due_at(at(2026, 9, 24, 9), 1, WORKING_DAYS), at(2026, 9, 28, 17, 30))


def test_working_hours_across_national_day_2026():
    # Wed 30 Sep 16:00, 4 h: 1.5 h that day, 2.5 h on Thu 8 Oct.
    assert_due(due_at(at(2026, 9, 30, 16), 4, WORKING_HOURS), at(2026, 10, 8, 11, 0))


# --- working hours -------------------------------------------------------------------------


def test_overnight_working_hours():
    assert_due(due_at(at(2025, 3, 4, 16), 4, WORKING_HOURS), at(2025, 3, 5, 11, 0))


def test_working_hours_over_a_make_up_saturday():
    # Fri 13 Feb 2026 16:00 + 4 h: 1.5 h Friday, 2.5 h on the make-up Saturday.
    assert_due(due_at(at(2026, 2, 13, 16), 4, WORKING_HOURS), at(2026, 2, 14, 11, 0))
    # Sat 14 Feb 16:00 + 4 h: the break follows, so Tue 24 Feb.
    assert_due(due_at(at(2026, 2, 14, 16), 4, WORKING_HOURS), at(2026, 2, 24, 11, 0))


def test_start_during_lunch_break():
    assert_due(due_at(at(2025, 3, 4, 12, 30), 2, WORKING_HOURS), at(2025, 3, 4, 16, 30))


def test_start_before_office_opens():
    assert_due(due_at(at(2025, 3, 4, 7, 0), 1, WORKING_HOURS), at(2025, 3, 4, 9, 30))


def test_start_after_close_and_at_close():
    assert_due(due_at(at(2025, 3, 4, 20, 0), 1, WORKING_HOURS), at(2025, 3, 5, 9, 30))
    assert_due(due_at(at(2025, 3, 4, 17, 30), 1, WORKING_HOURS), at(2025, 3, 5, 9, 30))


def test_limit_ending_exactly_at_noon_is_due_at_noon():
    assert_due(due_at(at(2025, 3, 4, 8, 30), 3.5, WORKING_HOURS), at(2025, 3, 4, 12, 0))
    assert_due(due_at(at(2025, 3, 4, 8, 30), 6.5, WORKING_HOURS), at(2025, 3, 4, 17, 30))
    assert_due(due_at(at(2025, 3, 4, 8, 30), 7, WORKING_HOURS), at(2025, 3, 5, 9, 0))


def test_start_on_a_weekend_and_on_a_holiday():
    assert_due(due_at(at(2025, 3, 9, 10), 2, WORKING_HOURS), at(2025, 3, 10, 10, 30))  # Sunday
    assert_due(due_at(at(2025, 10, 3, 10), 2, WORKING_HOURS), at(2025, 10, 9, 10, 30))  # National Day


def test_fractional_and_decimal_hours():
    assert_due(due_at(at(2025, 3, 4, 9), 0.5, WORKING_HOURS), at(2025, 3, 4, 9, 30))
    assert_due(due_at(at(2025, 3, 4, 9), Decimal("2.25"), WORKING_HOURS), at(2025, 3, 4, 11, 15))


def test_input_in_another_zone_is_converted_and_result_is_in_shanghai():
    start = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    assert_due(due_at(start, 4, WORKING_HOURS), at(2025, 3, 5, 11, 0))
    assert due_at(start, 4, WORKING_HOURS).tzinfo.key == "Asia/Shanghai"


def test_long_working_hour_limit():
    # 40 h = 6 full days (39 h) + 1 h, from Monday 08:30: Mon-Fri, next Monday, Tuesday 09:30.
    assert_due(due_at(at(2025, 3, 3, 8, 30), 40, WORKING_HOURS), at(2025, 3, 11, 9, 30))


# --- zero, invalid -------------------------------------------------------------------------


def test_zero_amount_is_due_at_once():
    start = at(2025, 3, 4, 20, 15)
    assert_due(due_at(start, 0, WORKING_HOURS), start)
    assert_due(due_at(start, 0, WORKING_DAYS), start)
    assert not is_overdue(due_at(start, 0, WORKING_DAYS), start)
    assert is_overdue(due_at(start, 0, WORKING_DAYS), start + timedelta(seconds=1))


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        (-1, WORKING_DAYS, "must be a finite number >= 0, got -1"),
        (-0.5, WORKING_HOURS, "must be a finite number >= 0, got -0.5"),
        (float("nan"), WORKING_HOURS, "must be a finite number >= 0"),
        (float("inf"), WORKING_HOURS, "must be a finite number >= 0"),
        (1.5, WORKING_DAYS, "must be a whole number, got 1.5"),
        ("3", WORKING_DAYS, "must be a number, got '3'"),
        (None, WORKING_DAYS, "must be a number, got None"),
        (True, WORKING_DAYS, "must be a number, got True"),
        (3, "weeks", "unknown time-limit unit 'weeks'; expected one of 'working_days', 'working_hours'"),
        (3, "", "unknown time-limit unit ''"),
    ],
)
def test_invalid_limits(amount, unit, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        due_at(at(2025, 3, 4, 9), amount, unit)


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        due_at(datetime(2025, 3, 4, 9), 1, WORKING_DAYS)


def test_whole_float_days_accepted():
    assert_due(due_at(at(2025, 3, 4, 9), 2.0, WORKING_DAYS), at(2025, 3, 6, 17, 30))


# --- years outside the calendar data -------------------------------------------------------


@pytest.fixture
def fresh_caches():
    dl._warn_no_calendar.cache_clear()
    yield
    dl._warn_no_calendar.cache_clear()


def test_year_outside_data_falls_back_to_weekdays_and_warns_once(fresh_caches, caplog):
    caplog.set_level(logging.WARNING, logger="disputes.deadlines")
    # Thu 31 Dec 2026 (known) -> Fri 1 Jan 2027 (unknown: treated as a weekday, so working).
    assert_due(due_at(at(2026, 12, 31, 10), 1, WORKING_DAYS), at(2027, 1, 1, 17, 30))
    # Fri 8 Jan 2027 16:00 -> Mon 11 Jan 2027.
    assert_due(due_at(at(2027, 1, 8, 16), 1, WORKING_DAYS), at(2027, 1, 11, 17, 30))
    assert_due(due_at(at(2027, 1, 8, 16), 4, WORKING_HOURS), at(2027, 1, 11, 11, 0))
    assert_due(due_at(at(2028, 3, 3, 16), 1, WORKING_DAYS), at(2028, 3, 6, 17, 30))
    warnings = [r for r in caplog.records if r.name == "disputes.deadlines" and r.levelno == logging.WARNING]
    assert [r.getMessage().split(";")[0] for r in warnings] == [
        "The holidays of 2027 are not entered (admin: Holiday calendar)",
        "The holidays of 2028 are not entered (admin: Holiday calendar)",
    ]
    assert dl.is_provisional(at(2026, 12, 31, 10), at(2027, 1, 1, 17, 30))
    assert not dl.is_provisional(at(2026, 12, 1, 10), at(2026, 12, 31, 17, 30))


# --- pauses (补办 awaiting materials, 缓办 deferral) ----------------------------------------
# Base case: Tue 4 Mar 2025 09:00 + 4 working hours = 12:00 (3 h) + 14:30..15:30 (1 h).

BASE = at(2025, 3, 4, 9)


def test_base_without_pauses():
    assert_due(due_at(BASE, 4, WORKING_HOURS), at(2025, 3, 4, 15, 30))


def test_one_pause():
    pauses = [(at(2025, 3, 4, 10), at(2025, 3, 4, 11))]
    assert_due(due_at(BASE, 4, WORKING_HOURS, pauses), at(2025, 3, 4, 16, 30))


def test_pause_straddling_the_deadline_resumes_with_the_remaining_time():
    # Clock stops at 11:30 with 1.5 h left, restarts Wed 09:00 -> Wed 10:30.
    pauses = [(at(2025, 3, 4, 11, 30), at(2025, 3, 5, 9))]
    assert_due(due_at(BASE, 4, WORKING_HOURS, pauses), at(2025, 3, 5, 10, 30))


def test_several_pauses_the_second_caught_by_the_moved_deadline():
    # First pause moves 15:30 -> 16:30, which makes the 16:00-17:00 pause count too (+1 h):
    # worked 09-10, 11-12, 14:30-16:00, 17:00-17:30 = 4 h.
    pauses = [(at(2025, 3, 4, 16), at(2025, 3, 4, 17)), (at(2025, 3, 4, 10), at(2025, 3, 4, 11))]
    assert_due(due_at(BASE, 4, WORKING_HOURS, pauses), at(2025, 3, 4, 17, 30))
    # A third pause from 17:15 is caught only because of the first two; 3.75 h were worked
    # by 17:15, the clock restarts Wed 09:00 with 0.25 h left.
    pauses.append((at(2025, 3, 4, 17, 15), at(2025, 3, 5, 9, 0)))
    assert_due(due_at(BASE, 4, WORKING_HOURS, pauses), at(2025, 3, 5, 9, 15))


def test_overlapping_pauses_count_once():
    pauses = [
        (at(2025, 3, 4, 10), at(2025, 3, 4, 11)),
        (at(2025, 3, 4, 10, 30), at(2025, 3, 4, 11, 30)),
        (at(2025, 3, 4, 10, 45), at(2025, 3, 4, 11)),
    ]
    assert_due(due_at(BASE, 4, WORKING_HOURS, pauses), at(2025, 3, 4, 17, 0))


def test_pause_outside_working_time_or_after_deadline_changes_nothing():
    lunch = [(at(2025, 3, 4, 12, 15), at(2025, 3, 4, 14, 15))]
    after = [(at(2025, 3, 4, 15, 30), at(2025, 3, 5, 12))]
    assert_due(due_at(BASE, 4, WORKING_HOURS, lunch), at(2025, 3, 4, 15, 30))
    assert_due(due_at(BASE, 4, WORKING_HOURS, after), at(2025, 3, 4, 15, 30))


def test_pause_begun_before_start_only_counts_from_start():
    pauses = [(at(2025, 3, 3, 9), at(2025, 3, 4, 10))]
    assert_due(due_at(BASE, 4, WORKING_HOURS, pauses), at(2025, 3, 4, 16, 30))
    ended_before = [(at(2025, 3, 3, 9), at(2025, 3, 3, 17))]
    assert_due(due_at(BASE, 4, WORKING_HOURS, ended_before), at(2025, 3, 4, 15, 30))


def test_open_pause_means_no_deadline():
    assert due_at(BASE, 4, WORKING_HOURS, [(at(2025, 3, 4, 10), None)]) is None
    assert due_at(BASE, 2, WORKING_DAYS, [(at(2025, 3, 4, 10), at(2025, 3, 4, 11)), (at(2025, 3, 5, 9), None)]) is None
    # An open pause overlapping a closed one swallows it.
    assert (
        due_at(BASE, 4, WORKING_HOURS, [(at(2025, 3, 4, 10), at(2025, 3, 4, 11)), (at(2025, 3, 4, 9, 30), None)])
        is None
    )


def test_open_pause_begun_after_the_deadline_keeps_it():
    # The case was already late when it was paused; the pause cannot make it on time.
    assert_due(due_at(BASE, 4, WORKING_HOURS, [(at(2025, 3, 5, 9), None)]), at(2025, 3, 4, 15, 30))


def test_pause_with_working_days_limit():
    # Fri 7 Mar 16:00 + 1 working day = Mon 10 Mar 17:30; paused all of Monday (6.5 h) -> Tue 17:30.
    start = at(2025, 3, 7, 16)
    pauses = [(at(2025, 3, 10, 8), at(2025, 3, 10, 18))]
    assert_due(due_at(start, 1, WORKING_DAYS, pauses), at(2025, 3, 11, 17, 30))
    # Paused Monday 08:30-12:00 (3.5 h) -> Tue 12:00.
    pauses = [(at(2025, 3, 10, 8, 30), at(2025, 3, 10, 12))]
    assert_due(due_at(start, 1, WORKING_DAYS, pauses), at(2025, 3, 11, 12, 0))


def test_pause_across_spring_festival_2026_counts_only_working_time():
    # Start Thu 12 Feb 2026 09:00, 2 working days -> Sat 14 Feb 17:30 (make-up).
    # Paused Fri 13 Feb 08:30 -> Wed 25 Feb 08:30: Fri + Sat 14 + Tue 24 Feb = 3 x 6.5 h
    # -> 3 more working days after Sat 14 Feb: 24, 25, 26 Feb.
    start = at(2026, 2, 12, 9)
    assert_due(due_at(start, 2, WORKING_DAYS), at(2026, 2, 14, 17, 30))
    pauses = [(at(2026, 2, 13, 8, 30), at(2026, 2, 25, 8, 30))]
    assert_due(due_at(start, 2, WORKING_DAYS, pauses), at(2026, 2, 26, 17, 30))


def test_invalid_pauses():
    with pytest.raises(ValueError, match="pause ends .* before it begins"):
        due_at(BASE, 4, WORKING_HOURS, [(at(2025, 3, 4, 11), at(2025, 3, 4, 10))])
    with pytest.raises(ValueError, match="each pause must be a \\(begin, end\\) pair"):
        due_at(BASE, 4, WORKING_HOURS, [at(2025, 3, 4, 11)])


# --- measuring -----------------------------------------------------------------------------


def test_working_time_between():
    assert working_time_between(at(2025, 3, 7, 16), at(2025, 3, 10, 9, 30)) == timedelta(hours=2.5)
    assert working_time_between(at(2025, 3, 4, 11), at(2025, 3, 4, 15)) == timedelta(hours=1.5)
    assert working_time_between(at(2025, 3, 4, 12, 10), at(2025, 3, 4, 14, 0)) == timedelta(0)
    assert working_time_between(at(2025, 3, 10, 9, 30), at(2025, 3, 7, 16)) == -timedelta(hours=2.5)
    # Across Spring Festival 2026: Fri 13 Feb 17:00 -> Tue 24 Feb 09:00 = 0.5 + 6.5 (Sat 14) + 0.5.
    assert working_time_between(at(2026, 2, 13, 17), at(2026, 2, 24, 9)) == timedelta(hours=7.5)


def test_working_days_between():
    assert working_days_between(at(2025, 3, 7, 16), at(2025, 3, 10, 9)) == 1
    assert working_days_between(at(2025, 3, 7, 16), at(2025, 3, 7, 17)) == 0
    assert working_days_between(at(2026, 2, 13, 9), at(2026, 2, 28, 9)) == 6  # Sat 14, 24-28 Feb
    assert working_days_between(at(2026, 2, 28, 9), at(2026, 2, 13, 9)) == -6
    start = at(2025, 9, 30, 10)
    assert working_days_between(start, due_at(start, 3, WORKING_DAYS)) == 3


def test_elapsed_fraction():
    due = due_at(BASE, 4, WORKING_HOURS)  # Tue 15:30
    assert elapsed_fraction(BASE, due, at(2025, 3, 4, 8)) == 0.0
    assert elapsed_fraction(BASE, due, at(2025, 3, 4, 11)) == 0.5
    assert elapsed_fraction(BASE, due, at(2025, 3, 4, 13)) == 0.75  # lunch: no time used
    assert elapsed_fraction(BASE, due, at(2025, 3, 4, 15, 6)) == 0.9
    assert elapsed_fraction(BASE, due, due) == 1.0
    assert elapsed_fraction(BASE, due, at(2025, 3, 5, 9, 30)) == 1.75  # 7 h used of 4


def test_elapsed_fraction_with_pauses():
    pauses = [(at(2025, 3, 4, 10), at(2025, 3, 4, 11))]
    due = due_at(BASE, 4, WORKING_HOURS, pauses)  # Tue 16:30
    assert elapsed_fraction(BASE, due, at(2025, 3, 4, 11, 30), pauses) == 0.375  # 1.5 h of 4
    assert elapsed_fraction(BASE, due, due, pauses) == 1.0
    # While an open pause runs there is no deadline, hence no fraction.
    open_pauses = [(at(2025, 3, 4, 10), None)]
    assert elapsed_fraction(BASE, due_at(BASE, 4, WORKING_HOURS, open_pauses), at(2025, 3, 4, 12), open_pauses) is None


def test_elapsed_fraction_working_days():
    start = at(2025, 3, 7, 16)  # Fri; due Mon 17:30; allowed 1.5 h + 6.5 h = 8 h
    due = due_at(start, 1, WORKING_DAYS)
    assert elapsed_fraction(start, due, at(2025, 3, 10, 15, 54)) == 0.8  # 1.5 + 3.5 + 1.4 = 6.4 h


def test_elapsed_fraction_zero_limit():
    start = at(2025, 3, 4, 9)
    assert elapsed_fraction(start, start, at(2025, 3, 4, 8)) == 0.0
    assert elapsed_fraction(start, start, at(2025, 3, 4, 10)) == 1.0


def is_overdue(due, now):
    """The overdue rule (disputes/lifecycle.py) for a case whose clock runs."""
    return lifecycle.is_overdue(CaseState.IN_PROGRESS, due, now)


def test_is_overdue():
    due = at(2025, 3, 10, 17, 30)
    assert not is_overdue(due, due)
    assert is_overdue(due, due + timedelta(microseconds=1))
    assert not is_overdue(due, at(2025, 3, 10, 9))
    assert not is_overdue(None, at(2030, 1, 1))
    assert is_overdue(due, datetime(2025, 3, 10, 9, 31, tzinfo=UTC))  # 17:31 in Shanghai


# --- configuration -------------------------------------------------------------------------


@override_settings(WORKING_HOURS=[("09:00", "12:00"), ("13:00", "17:00")])
def test_configured_working_hours():
    assert_due(due_at(at(2025, 3, 7, 16), 1, WORKING_DAYS), at(2025, 3, 10, 17, 0))
    assert_due(due_at(at(2025, 3, 4, 16), 4, WORKING_HOURS), at(2025, 3, 5, 12, 0))
    assert_due(due_at(at(2025, 3, 4, 12, 30), 1, WORKING_HOURS), at(2025, 3, 4, 14, 0))
    assert working_time_between(at(2025, 3, 4, 0), at(2025, 3, 5, 0)) == timedelta(hours=7)


@pytest.mark.parametrize(
    "bad",
    [
        [],
        [("08:30", "08:00")],
        [("14:30", "17:30"), ("08:30", "12:00")],
        [("08:30", "12:00"), ("11:00", "17:30")],
        [("8h30", "12:00")],
        [("08:30",)],
        None,
    ],
)
def test_invalid_working_hours_setting(bad):
    with override_settings(WORKING_HOURS=bad), pytest.raises(ImproperlyConfigured):
        due_at(at(2025, 3, 4, 9), 1, WORKING_HOURS)
