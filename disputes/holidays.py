"""The holiday calendar (放假调休安排): which days government offices are open.

Each year the State Council publishes the year's holidays and the weekend days worked in
exchange (调休). The county keeps them in the admin (HolidayYear, Holiday, MakeUpWorkday),
seeded from the ``chinesecalendar`` package for the years it knows. A year without a row is
counted Monday to Friday; a deadline that reaches into such a year is *provisional*
(``Case.due_provisional``) and the deadline sweeper recomputes it once the year is entered.

Read per process through core.versions ("calendar"), like the other reference data.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from core.versions import VersionedCache

logger = logging.getLogger(__name__)

# From this day of the year on, a missing next year is warned about (the notice usually
# appears in November).
WARN_FROM = (11, 1)


@dataclass(frozen=True)
class Calendar:
    """A snapshot: the years known, their days off and their make-up workdays."""

    known_years: frozenset = frozenset()
    holidays: frozenset = frozenset()
    workdays: frozenset = frozenset()

    def knows(self, day):
        return day.year in self.known_years

    def is_workday(self, day):
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def missing_next_year(self, today):
        """The next year, when it is not entered and `today` is on or after 1 November; else None."""
        if (today.month, today.day) >= WARN_FROM and today.year + 1 not in self.known_years:
            return today.year + 1
        return None


def package_arrangement():
    """{year: ([(name, first, last)], [(day, name)])} from the chinesecalendar package."""
    import chinese_calendar

    def chinese(name):
        try:
            return chinese_calendar.Holiday(name).chinese
        except ValueError:
            return str(name)

    years = {}
    run = None
    for day in sorted(chinese_calendar.holidays):
        name = chinese(chinese_calendar.holidays[day])
        if run and run[0] == name and run[2] == day - timedelta(days=1):
            run[2] = day
            continue
        if run:
            years.setdefault(run[1].year, ([], []))[0].append(tuple(run))
        run = [name, day, day]
    if run:
        years.setdefault(run[1].year, ([], []))[0].append(tuple(run))
    for day in sorted(chinese_calendar.workdays):
        years.setdefault(day.year, ([], []))[1].append((day, chinese(chinese_calendar.workdays[day])))
    return years


def from_package():
    """The calendar of the chinesecalendar package alone (tests and the seeding migration)."""
    arrangement = package_arrangement()
    holidays = {
        first + timedelta(days=offset)
        for ranges, _ in arrangement.values()
        for _name, first, last in ranges
        for offset in range((last - first).days + 1)
    }
    workdays = {day for _, days in arrangement.values() for day, _name in days}
    return Calendar(frozenset(arrangement), frozenset(holidays), frozenset(workdays))


def _load():
    from .models import Holiday, HolidayYear, MakeUpWorkday

    holidays = set()
    for first, last in Holiday.objects.values_list("first", "last"):
        holidays.update(first + timedelta(days=offset) for offset in range((last - first).days + 1))
    return Calendar(
        known_years=frozenset(HolidayYear.objects.values_list("year", flat=True)),
        holidays=frozenset(holidays),
        workdays=frozenset(MakeUpWorkday.objects.values_list("day", flat=True)),
    )


calendar = VersionedCache("calendar", _load)


def current():
    """The calendar as the database holds it now."""
    return calendar.get()


def warning(today=None):
    """The loud message for a missing next year (from 1 November), or None."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    year = current().missing_next_year(today)
    if year is None:
        return None
    return _(
        "The holidays of %(year)s are not entered: deadlines reaching into %(year)s count Monday to "
        "Friday and are provisional. Enter the State Council's notice under Holiday calendar."
    ) % {"year": year}


def seed(HolidayYear, Holiday, MakeUpWorkday, years=None):  # noqa: N803 (historical models in migrations)
    """Enter the package's years that are not entered yet; never touch a year already there."""
    arrangement = package_arrangement()
    existing = set(HolidayYear.objects.values_list("year", flat=True))
    for year in sorted(years or arrangement):
        if year in existing or year not in arrangement:
            continue
        ranges, days = arrangement[year]
        HolidayYear.objects.create(year=year, notice="chinesecalendar")
        Holiday.objects.bulk_create(
            [Holiday(year_id=year, name=name, first=first, last=last) for name, first, last in ranges]
        )
        MakeUpWorkday.objects.bulk_create([MakeUpWorkday(year_id=year, day=day, name=name) for day, name in days])
