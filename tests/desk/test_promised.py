"""A service matter's handling runs on its catalogue item's promise (承诺时限) in working days, on
the county's holiday calendar, instead of the category's limit; an item settled at once (即办) is
due at the close of that working day. Overdue stays one rule: the figures and the sweeper agree."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from desk import services
from desk.models import ServiceItem
from disputes import deadlines, lifecycle, workflow
from disputes.lifecycle import Stage
from disputes.models import AuditEntry, Case, CaseState, LimitUnit
from disputes.sweeper import sweep
from tests.desk.conftest import call_data
from tests.desk.test_matters import matter_data

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
CLOSE = datetime.time(17, 30)
PENSION = "城乡居民基本养老保险参保登记"  # 即办, 0 days: 身份证；户口簿


def at(*args):
    return datetime.datetime(*args, tzinfo=SH)


@pytest.fixture
def three_days(world):
    pension = ServiceItem.objects.get(name=PENSION)
    return ServiceItem.objects.create(
        name="土地承包经营权证变更登记",
        deciding_unit="乡镇农经站",
        handling="promised",
        promised_days=3,
        materials=["身份证", "承包合同"],
        category=pension.category,
    )


def open_matter(world, item):
    matter = services.open_service_matter(world.operator, matter_data(item, received=list(item.materials)))
    return Case.objects.get(pk=matter.case.pk)


def test_the_handling_clock_runs_on_the_items_promised_working_days(world, three_days):
    case = open_matter(world, three_days)
    assert case.state == CaseState.IN_PROGRESS and case.stage == Stage.HANDLE
    assert workflow.stage_limit(three_days.category, Stage.HANDLE)[0] != 3  # not the category's limit
    assert case.stage_limit == {"amount": 3, "unit": LimitUnit.WORKING_DAYS}
    assert case.due_at == deadlines.due_at(case.stage_started_at, 3, LimitUnit.WORKING_DAYS)
    assert timezone.localtime(case.due_at).time() == CLOSE


@pytest.mark.parametrize(
    ("start", "due"),
    [
        # Friday: Monday, Tuesday, Wednesday.
        (at(2024, 6, 28, 10), at(2024, 7, 3, 17, 30)),
        # The eve of National Day 2025 (off 1–8 October): Thursday 9, Friday 10, make-up Saturday 11.
        (at(2025, 9, 30, 10), at(2025, 10, 11, 17, 30)),
    ],
)
def test_three_promised_days_skip_weekends_and_holidays(world, three_days, start, due):
    case = open_matter(world, three_days)
    limit = services.promised_limit(case, Stage.HANDLE, start)
    assert limit == (3, LimitUnit.WORKING_DAYS)
    assert deadlines.due_at(start, *limit) == due


def test_a_matter_settled_at_once_is_due_at_the_close_of_its_working_day(world):
    pension = ServiceItem.objects.get(name=PENSION)
    case = open_matter(world, pension)
    assert case.stage == Stage.HANDLE and case.stage_limit["unit"] == LimitUnit.WORKING_HOURS
    # The close of the stage's first working day with office time left.
    started = timezone.localtime(case.stage_started_at)
    day = started.date()
    if not deadlines.is_workday(day) or started.time() >= CLOSE:
        day += datetime.timedelta(days=1)
        while not deadlines.is_workday(day):
            day += datetime.timedelta(days=1)
    assert case.due_at == datetime.datetime.combine(day, CLOSE, tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (at(2024, 6, 26, 10, 0, 13, 456789), at(2024, 6, 26, 17, 30)),  # a Wednesday morning
        (at(2024, 6, 26, 7, 0), at(2024, 6, 26, 17, 30)),  # before the office opens
        (at(2024, 6, 26, 12, 45), at(2024, 6, 26, 17, 30)),  # over lunch
        (at(2024, 6, 26, 17, 30), at(2024, 6, 27, 17, 30)),  # at the close: the next working day
        (at(2024, 6, 28, 18, 0), at(2024, 7, 1, 17, 30)),  # Friday evening: Monday
        (at(2025, 10, 1, 10, 0), at(2025, 10, 9, 17, 30)),  # National Day: the first day back
    ],
)
def test_settled_at_once_through_the_hook(world, start, due):
    case = open_matter(world, ServiceItem.objects.get(name=PENSION))
    limit = services.promised_limit(case, Stage.HANDLE, start)
    assert limit[1] == LimitUnit.WORKING_HOURS
    assert deadlines.due_at(start, *limit) == due


def test_other_stages_and_other_cases_keep_the_categorys_limits(world, three_days):
    case = open_matter(world, three_days)
    now = timezone.now()
    assert services.promised_limit(case, Stage.VERIFY, now) is None
    case = workflow.resolve_case(world.operator, case, result="已办结")
    case = Case.objects.get(pk=case.pk)
    amount, unit = workflow.stage_limit(case.category, Stage.VERIFY)
    assert case.stage == Stage.VERIFY and case.stage_limit == {"amount": amount, "unit": unit}
    # A call's case is no service matter: its handling runs on its category's limit.
    _result, call = services.take_call(
        world.operator,
        call_data(world.neighbours, outcome="assigned", unit=world.v1_committee, reason="就近由村委会处理"),
    )
    other = Case.objects.get(pk=call.report.case_id)
    amount, unit = workflow.stage_limit(other.category, Stage.HANDLE)
    assert other.stage == Stage.HANDLE and other.stage_limit == {"amount": amount, "unit": unit}
    assert services.promised_limit(other, Stage.HANDLE, now) is None


def test_the_overdue_figure_and_the_sweeper_agree_on_the_promise(world, three_days):
    case = open_matter(world, three_days)
    due = case.due_at

    def overdue_at(now):
        return Case.objects.filter(lifecycle.overdue(now), pk=case.pk).exists()

    assert not overdue_at(due) and not case.is_overdue(due)
    counts = sweep(now=due)
    assert counts["escalated"] + counts["at_top"] + counts["supervised"] == 0
    assert counts["warned"] == 1  # warned at its promised deadline, not yet late
    later = due + datetime.timedelta(minutes=1)
    assert overdue_at(later) and case.is_overdue(later)
    counts = sweep(now=later)
    assert counts["escalated"] + counts["at_top"] + counts["supervised"] == 1
    breach = AuditEntry.objects.get(case=case, action="deadline_breached")
    assert breach.details["due_at"] == timezone.localtime(due).isoformat()
