"""Case deadlines counted in working time (工作日 / 工作时).

Time limits are set per sub-category in working days or working hours, and the clock only
runs while government offices are open: public holidays (春节, 国庆 …) do not count, while
make-up workdays (调休, a Saturday or Sunday worked in exchange) do. The holiday calendar is
the county's (disputes/holidays.py: entered in the admin, seeded from ``chinesecalendar``);
years not entered fall back to Monday–Friday with one logged warning per year, so a sweeper
never crashes on 1 January, and a deadline reaching into them is provisional (`is_provisional`).

Everything here is pure apart from fetching the calendar, once per top-level call (or pinned
with `use_calendar`), so a sweeper can run it for every open case. Instants are
timezone-aware; they are converted to the project time zone (settings.TIME_ZONE, Asia/Shanghai)
because office hours are wall-clock hours there, and results are returned in that zone.

Settings read (optional):
    WORKING_HOURS: list of ("HH:MM", "HH:MM") office periods of a working day,
    default [("08:30", "12:00"), ("14:30", "17:30")].
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import threading
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_WORKING_HOURS",
    "LimitUnit",
    "WORKING_DAYS",
    "WORKING_HOURS",
    "due_at",
    "elapsed_fraction",
    "is_provisional",
    "is_workday",
    "rest_of_working_day",
    "use_calendar",
    "working_days_between",
    "working_time_between",
]

DEFAULT_WORKING_HOURS = (("08:30", "12:00"), ("14:30", "17:30"))
ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)

Pause = tuple[datetime, datetime | None]


class LimitUnit(models.TextChoices):
    """Unit of a sub-category's time limit; a TextChoices so models can use it as choices."""

    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")


WORKING_DAYS = LimitUnit.WORKING_DAYS
WORKING_HOURS = LimitUnit.WORKING_HOURS


# --- calendar ------------------------------------------------------------------------------


_pinned = threading.local()


@contextlib.contextmanager
def use_calendar(calendar=None):
    """Count with `calendar` (a disputes.holidays.Calendar; default: the database's) inside the block.

    Every public function here pins the current calendar for its own duration, so a deadline is
    counted with one calendar however many days it walks."""
    outer = getattr(_pinned, "calendar", None)
    if outer is not None and calendar is None:
        yield outer
        return
    if calendar is None:
        from . import holidays

        calendar = holidays.current()
    _pinned.calendar = calendar
    try:
        yield calendar
    finally:
        _pinned.calendar = outer


def _one_calendar(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with use_calendar():
            return function(*args, **kwargs)

    return wrapper


@functools.cache
def _warn_no_calendar(year: int) -> None:
    # Cached so the warning is logged once per year and process, not once per case and day.
    logger.warning(
        "The holidays of %s are not entered (admin: Holiday calendar); counting Monday-Friday as "
        "working days, and deadlines reaching into %s are provisional.",
        year,
        year,
    )


@_one_calendar
def is_workday(day: date) -> bool:
    """True if offices are open on ``day`` (holidays off, make-up 调休 weekend days on)."""
    return _is_workday(day)


def _is_workday(day: date) -> bool:
    calendar = _pinned.calendar
    if not calendar.knows(day):
        # A guess beats a crashed sweeper; the deadline is marked provisional.
        _warn_no_calendar(day.year)
    return calendar.is_workday(day)


@_one_calendar
def is_provisional(start: datetime | None, due: datetime | None) -> bool:
    """True when a deadline from ``start`` to ``due`` counts days of a year not entered."""
    if start is None or due is None:
        return False
    first, last = _local(start, "start").year, _local(due, "due").year
    return any(year not in _pinned.calendar.known_years for year in range(first, last + 1))


# --- office hours --------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _parse_periods(raw: tuple[tuple[str, str], ...]) -> tuple[tuple[time, time], ...]:
    periods = []
    for item in raw:
        try:
            begin, end = (time.fromisoformat(str(x)) for x in item)
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(f"WORKING_HOURS entries must be ('HH:MM', 'HH:MM') pairs, got {item!r}") from exc
        periods.append((begin, end))
    if not periods:
        raise ImproperlyConfigured("WORKING_HOURS must list at least one period")
    for begin, end in periods:
        if begin >= end:
            raise ImproperlyConfigured(f"WORKING_HOURS period {begin}-{end} ends before it begins")
    for (_b1, e1), (b2, _e2) in zip(periods, periods[1:], strict=False):
        if b2 < e1:
            raise ImproperlyConfigured("WORKING_HOURS periods must be in order and must not overlap")
    return tuple(periods)


def _periods() -> tuple[tuple[time, time], ...]:
    # Read on every call (cheap, parsing is cached) so override_settings works in tests.
    raw = getattr(settings, "WORKING_HOURS", DEFAULT_WORKING_HOURS)
    try:
        key = tuple(tuple(p) for p in raw)
    except TypeError as exc:
        raise ImproperlyConfigured("WORKING_HOURS must be a list of ('HH:MM', 'HH:MM') pairs") from exc
    return _parse_periods(key)


def _span(day: date, begin: time, end: time) -> timedelta:
    return datetime.combine(day, end) - datetime.combine(day, begin)


def _work_in_day(day: date, lo: time | None = None, hi: time | None = None) -> timedelta:
    """Working time on ``day`` between wall-clock times lo and hi (None = start/end of day)."""
    if not _is_workday(day):
        return ZERO
    total = ZERO
    for begin, end in _periods():
        b = begin if lo is None else max(begin, lo)
        e = end if hi is None else min(end, hi)
        if b < e:
            total += _span(day, b, e)
    return total


# --- instants ------------------------------------------------------------------------------


def _local(value: datetime, name: str = "datetime") -> datetime:
    # Naive datetimes are refused: guessing their zone is how deadlines end up 8 hours off.
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if timezone.is_naive(value):
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(timezone.get_default_timezone())


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=timezone.get_default_timezone())


@_one_calendar
def working_time_between(a: datetime, b: datetime) -> timedelta:
    """Working time from ``a`` to ``b`` (negative if b is before a).

    Walks day by day: partial first and last days, whole working days in between.
    """
    a, b = _local(a, "a"), _local(b, "b")
    if b < a:
        return -working_time_between(b, a)
    if a.date() == b.date():
        return _work_in_day(a.date(), a.time(), b.time())
    # Whole days in between: count working days and multiply (the sweeper measures long spans).
    full_days, day = 0, a.date() + ONE_DAY
    while day < b.date():
        full_days += _is_workday(day)
        day += ONE_DAY
    day_length = sum((_span(day, begin, end) for begin, end in _periods()), ZERO)
    return _work_in_day(a.date(), lo=a.time()) + full_days * day_length + _work_in_day(b.date(), hi=b.time())


@_one_calendar
def working_days_between(a: datetime, b: datetime) -> int:
    """Working days after a's day up to and including b's day (negative if b is before a).

    The inverse of the working-days rule: working_days_between(start, due_at(start, n, days)) == n.
    """
    a, b = _local(a, "a"), _local(b, "b")
    if b < a:
        return -working_days_between(b, a)
    count, day = 0, a.date() + ONE_DAY
    while day <= b.date():
        count += _is_workday(day)
        day += ONE_DAY
    return count


def _add_working_time(start: datetime, amount: timedelta) -> datetime:
    """The earliest instant at which ``amount`` of working time has passed since ``start``.

    A limit that runs out exactly at 12:00 is due at 12:00, not after lunch at 14:30.
    """
    if amount <= ZERO:
        return start
    start = _local(start)
    day, lo, remaining = start.date(), start.time(), amount
    while True:
        if _is_workday(day):
            for begin, end in _periods():
                b = begin if lo is None else max(begin, lo)
                if b >= end:
                    continue
                available = _span(day, b, end)
                if remaining <= available:
                    return _at(day, b) + remaining
                remaining -= available
        day, lo = day + ONE_DAY, None


def _close_of_business(start: datetime, days: int) -> datetime:
    """End of the last office period of the ``days``-th working day after start's day."""
    day, counted = _local(start).date(), 0
    while counted < days:
        day += ONE_DAY
        counted += _is_workday(day)
    return _at(day, _periods()[-1][1])


@_one_calendar
def rest_of_working_day(start: datetime) -> timedelta:
    """The working time left from ``start`` to the close of business of its day: what an item
    settled at once (即办) is allowed. When none is left (after hours, a weekend or a holiday),
    the whole of the next working day, so it is due at that day's close, never at once.

    As a working-hours limit from ``start`` it is due exactly at that close of business."""
    start = _local(start, "start")
    left = _work_in_day(start.date(), lo=start.time())
    day = start.date()
    while left <= ZERO:
        day += ONE_DAY
        left = _work_in_day(day)
    return left


# --- pauses --------------------------------------------------------------------------------


def _merged_pauses(pauses: Iterable[Pause], start: datetime) -> list[tuple[datetime, datetime | None]]:
    """Pauses clipped to start and merged, so overlapping 补办/缓办 periods count once."""
    clipped = []
    for pause in pauses:
        try:
            begin, end = pause
        except (TypeError, ValueError) as exc:
            raise ValueError(f"each pause must be a (begin, end) pair, got {pause!r}") from exc
        begin = _local(begin, "pause begin")
        end = None if end is None else _local(end, "pause end")
        if end is not None and end < begin:
            raise ValueError(f"pause ends ({end.isoformat()}) before it begins ({begin.isoformat()})")
        if end is not None and end <= start:
            continue  # the clock was not running yet
        clipped.append((max(begin, start), end))
    clipped.sort(key=lambda p: p[0])
    merged: list[tuple[datetime, datetime | None]] = []
    for begin, end in clipped:
        if merged and (merged[-1][1] is None or begin <= merged[-1][1]):
            last_begin, last_end = merged[-1]
            merged[-1] = (last_begin, None if end is None or last_end is None else max(last_end, end))
        else:
            merged.append((begin, end))
    return merged


def _apply_pauses(start: datetime, due: datetime, pauses: Iterable[Pause]) -> datetime | None:
    # Each pause that begins before the current deadline pushes it later by the working time
    # it covers; the pushed deadline may then catch the next pause, hence the ordered walk.
    # A pause that begins after the deadline changes nothing: the case was already late.
    for begin, end in _merged_pauses(pauses, start):
        if begin >= due:
            break
        if end is None:
            return None  # still waiting for materials / deferred: no deadline for now
        due = _add_working_time(due, working_time_between(begin, end))
    return due


def _paused_time(pauses: Iterable[Pause], start: datetime, until: datetime) -> timedelta:
    total = ZERO
    for begin, end in _merged_pauses(pauses, start):
        if begin >= until:
            break
        total += working_time_between(begin, until if end is None else min(end, until))
    return total


# --- public API ----------------------------------------------------------------------------


def _check_limit(amount, unit) -> tuple[LimitUnit, int | timedelta]:
    try:
        unit = LimitUnit(unit)
    except ValueError:
        valid = ", ".join(repr(u.value) for u in LimitUnit)
        raise ValueError(f"unknown time-limit unit {unit!r}; expected one of {valid}") from None
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
        raise ValueError(f"time-limit amount must be a number, got {amount!r}")
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"time-limit amount must be a finite number >= 0, got {amount!r}")
    if unit == LimitUnit.WORKING_DAYS:
        if amount != int(amount):
            raise ValueError(f"a limit in working days must be a whole number, got {amount!r}")
        return unit, int(amount)
    return unit, timedelta(hours=float(amount))


@_one_calendar
def due_at(
    start: datetime, amount: int | float | Decimal, unit: LimitUnit | str, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The deadline of a limit of ``amount`` ``unit`` starting at ``start``, or None.

    working_days: close of business of the amount-th working day after start's day (the
    start day never counts, whatever the hour). working_hours: only office time counts, so a
    start outside hours or on a holiday begins at the next office period. A zero limit is due
    at once (returns start). ``pauses`` are (begin, end) intervals that stop the clock; an
    open one (end None) that began before the deadline means there is no deadline: None.
    """
    unit, limit = _check_limit(amount, unit)
    start = _local(start, "start")
    if unit == LimitUnit.WORKING_DAYS:
        due = _close_of_business(start, limit) if limit else start
    else:
        due = _add_working_time(start, limit)  # returns start itself for a zero limit
    return _apply_pauses(start, due, pauses)


@_one_calendar
def elapsed_fraction(
    start: datetime, due: datetime | None, now: datetime, pauses: Iterable[Pause] = ()
) -> float | None:
    """Share of the allowed working time used by ``now``: 0.0 at start, 1.0 at the deadline.

    Measured in working time (pauses excluded) so that 80 % means the same thing for a
    4-hour and a 20-day limit. Above 1.0 when overdue; None when there is no deadline.
    """
    if due is None:
        return None
    start, due, now = _local(start, "start"), _local(due, "due"), _local(now, "now")
    pauses = list(pauses)
    allowed = working_time_between(start, due) - _paused_time(pauses, start, due)
    if now <= start:
        return 0.0
    used = working_time_between(start, now) - _paused_time(pauses, start, now)
    if allowed <= ZERO:
        # A zero limit: nothing to divide; report it as all used once its instant is reached.
        return 1.0 if now >= due else 0.0
    return used / allowed
