"""The county's holiday calendar (disputes/holidays.py): seeded from chinesecalendar, entered in the
admin, used by every deadline, and deadlines past it provisional until the year is entered.

The 2027 arrangement here is the one a clerk types from the notice; the test's own assumption:
春节 off Sat 6 Feb – Fri 12 Feb 2027, make-up workday Sat 20 Feb 2027.
"""

import datetime
from datetime import date

import pytest
from django.utils import timezone

from disputes import deadlines, holidays, sweeper
from disputes.models import AuditEntry, Case, Holiday, HolidayYear, MakeUpWorkday
from disputes.workflow.core import set_due
from tests.disputes.stories import new_case, shift
from tests.factories import client_for

TZ = timezone.get_default_timezone()


def at(*args):
    return datetime.datetime(*args, tzinfo=TZ)


@pytest.fixture
def staff(world, client):
    client.force_login(world.admin)
    return client


def enter_2027(client, **overrides):
    data = {
        "year": "2027",
        "notice": "国办发明电〔2026〕号",
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
        "holidays-0-name": "春节",
        "holidays-0-first": "2027-02-06",
        "holidays-0-last": "2027-02-12",
        "workdays-TOTAL_FORMS": "1",
        "workdays-INITIAL_FORMS": "0",
        "workdays-0-day": "2027-02-20",
        "workdays-0-name": "春节",
        **overrides,
    }
    return client.post("/admin/disputes/holidayyear/add/", data)


@pytest.fixture
def november(monkeypatch):
    """Today is 15 November 2026 for the warnings (they start on 1 November)."""
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: date(2026, 11, 15))


def test_the_migrations_seed_the_years_the_package_knows(db):
    package = holidays.from_package()
    calendar = holidays.current()
    assert calendar.known_years == package.known_years and max(calendar.known_years) == 2026
    assert calendar.holidays == package.holidays and calendar.workdays == package.workdays
    spring = Holiday.objects.get(year=2026, name="春节")
    assert (spring.first, spring.last) == (date(2026, 2, 15), date(2026, 2, 23))
    assert set(MakeUpWorkday.objects.filter(year=2026, name="春节").values_list("day", flat=True)) == {
        date(2026, 2, 14),
        date(2026, 2, 28),
    }


def test_a_deadline_over_the_2027_spring_festival_once_the_year_is_entered(world, staff):
    start = at(2027, 2, 1, 9)  # Monday
    # Not entered: Monday to Friday, and provisional.
    assert deadlines.due_at(start, 15, deadlines.WORKING_DAYS) == at(2027, 2, 22, 17, 30)
    assert deadlines.is_provisional(start, at(2027, 2, 22, 17, 30))
    response = enter_2027(staff)
    assert response.status_code == 302, response.content.decode()[:2000]
    # Entered: 4 days before the holiday, 5 after it, the Saturday worked, then 5 more.
    assert deadlines.due_at(start, 15, deadlines.WORKING_DAYS) == at(2027, 2, 26, 17, 30)
    assert not deadlines.is_provisional(start, at(2027, 2, 26, 17, 30))
    assert deadlines.is_workday(date(2027, 2, 20)) and not deadlines.is_workday(date(2027, 2, 10))


def test_a_provisional_deadline_is_recomputed_by_the_sweeper_once_the_year_is_entered(world, staff):
    case = new_case(world)
    shift(case, stage_started_at=at(2027, 2, 1, 9), stage_limit={"amount": 15, "unit": "working_days"})
    changes = {}
    set_due(case, changes)
    Case.objects.filter(pk=case.pk).update(**changes)
    case.refresh_from_db()
    assert (case.due_at, case.due_provisional) == (at(2027, 2, 22, 17, 30), True)
    # The year still missing: the sweeper leaves it alone, however often it passes.
    assert sweeper.sweep(now=at(2027, 1, 4, 10))["recomputed"] == 0
    assert enter_2027(staff).status_code == 302
    assert sweeper.sweep(now=at(2027, 1, 4, 10))["recomputed"] == 1
    case.refresh_from_db()
    assert (case.due_at, case.due_provisional) == (at(2027, 2, 26, 17, 30), False)
    entry = AuditEntry.objects.filter(case=case, action="deadline_recomputed").get()
    assert entry.details["provisional"] is False and entry.details["due_at"].startswith("2027-02-26T17:30")
    assert sweeper.sweep(now=at(2027, 1, 4, 10))["recomputed"] == 0  # once


def test_the_case_api_says_when_a_deadline_is_provisional(world):
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(due_provisional=True)
    detail = client_for(world.operator).get(f"/api/cases/{case.pk}/").json()
    assert detail["due_provisional"] is True


def test_a_make_up_workday_on_a_weekday_or_a_reversed_holiday_is_refused_and_nothing_is_saved(world, staff):
    response = enter_2027(staff, **{"workdays-0-day": "2027-02-17"})  # a Wednesday
    assert response.status_code == 200
    assert "调休上班日应为星期六或星期日" in response.content.decode()
    response = enter_2027(staff, **{"holidays-0-first": "2027-02-12", "holidays-0-last": "2027-02-06"})
    assert response.status_code == 200 and "末日不能早于首日" in response.content.decode()
    assert not HolidayYear.objects.filter(year=2027).exists()
    assert 2027 not in holidays.current().known_years


def test_from_1_november_the_admin_the_wall_and_the_sweeper_warn_while_next_year_is_missing(
    world, staff, november, caplog
):
    page = staff.get("/admin/").content.decode()
    assert 'id="holiday-calendar-warning"' in page and "2027 年节假日安排尚未录入" in page
    assert "2027 年节假日安排尚未录入" in staff.get("/admin/disputes/holidayyear/").content.decode()
    board = client_for(world.county_operator).get("/api/wall/").json()
    assert any("2027" in notice for notice in board["notices"])
    with caplog.at_level("WARNING", logger="disputes.sweeper"):
        sweeper.sweep()
    assert any("2027" in record.getMessage() for record in caplog.records)

    assert enter_2027(staff).status_code == 302
    assert 'id="holiday-calendar-warning"' not in staff.get("/admin/").content.decode()
    assert client_for(world.county_operator).get("/api/wall/").json()["notices"] == []


def test_before_november_nobody_is_warned(db):
    assert holidays.current().missing_next_year(date(2026, 10, 31)) is None
    assert holidays.current().missing_next_year(date(2026, 11, 1)) == 2027
