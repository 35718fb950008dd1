"""Assessment periods: a month ("2026-11"), a quarter ("2026-Q4") or a year ("2026"), in the server's zone."""

import datetime
import re
from dataclasses import dataclass

from django.utils import timezone

PATTERN = re.compile(r"^(?P<year>[0-9]{4})(?:-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])))?$")
# The same for the API schema: ASCII digits, years 1900–2999.
SCHEMA_PATTERN = r"^(19|2[0-9])[0-9]{2}(-(0[1-9]|1[0-2])|-Q[1-4])?$"


def midnight(day):
    """The start of `day` in the server's zone (periods, the wall and the summaries count in it)."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_default_timezone())


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    first: datetime.date  # first day
    months: int  # 1, 3 or 12

    @property
    def start(self):
        return midnight(self.first)

    @property
    def end(self):
        return midnight(_add_months(self.first, self.months))

    @property
    def until(self):
        """The end, or now if the period is still running: its figures count up to now, as the wall's do."""
        return min(self.end, timezone.now())

    @property
    def code(self):
        if self.months == 12:
            return f"{self.first.year}"
        if self.months == 3:
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return f"{self.first:%Y-%m}"

    def previous(self):
        return Period(_add_months(self.first, -self.months), self.months)

    def last_year(self):
        return Period(self.first.replace(year=self.first.year - 1), self.months)

    def trend(self, count=12):
        """The `count` months ending with this period's last month, oldest first."""
        last = _add_months(self.first, self.months - 1)
        return [Period(_add_months(last, -back), 1) for back in range(count - 1, -1, -1)]

    def __str__(self):
        return self.code


def parse(text):
    """A Period from "2026", "2026-Q4" or "2026-11"; None if malformed."""
    match = PATTERN.match(text or "")
    if not match or not 1900 <= int(match["year"]) <= 2999:
        return None
    year = int(match["year"])
    if match["month"]:
        return Period(datetime.date(year, int(match["month"]), 1), 1)
    if match["quarter"]:
        return Period(datetime.date(year, 3 * int(match["quarter"]) - 2, 1), 3)
    return Period(datetime.date(year, 1, 1), 12)


def current_month(now=None):
    day = timezone.localtime(now or timezone.now(), timezone.get_default_timezone()).date()
    return Period(day.replace(day=1), 1)
