"""The assessment counts supervision orders: issued, answered on time, cases closed after supervision."""

import datetime

from assessment import indicators
from disputes.models import Case, CaseState
from supervision import services
from supervision.models import Order
from tests.supervision.conftest import new_case

HOUR = datetime.timedelta(hours=1)


def test_orders_issued_answered_on_time_and_closed_after(world, django_assert_num_queries):
    issue = {"reason": "instruction", "required": "答复", "days": 2, "level": "township"}
    on_time = services.issue(new_case(world), by=world.operator, **issue)
    services.reply(on_time, by=world.committee, text="已处理")
    late = services.issue(new_case(world), by=world.operator, **issue)
    services.remind_and_escalate(late.due_at + HOUR)
    services.reply(late, by=world.committee, text="迟到的答复")
    silent = services.issue(new_case(world), by=world.operator, **issue)
    Case.objects.filter(pk=silent.case_id).update(state=CaseState.CLOSED, closed_at=silent.issued_at + HOUR)
    elsewhere = services.issue(
        new_case(world, state=CaseState.REPORTED, point=(115.5, 42.0)), by=world.county_operator, **issue
    )

    start = Order.objects.order_by("issued_at").first().issued_at - HOUR
    end = late.due_at + 100 * HOUR
    with django_assert_num_queries(1):
        found = indicators.counts(world.t1, start, end, families=("orders",))
    assert (found["orders_issued"], found["orders_answered_on_time"], found["closed_after_supervision"]) == (3, 1, 1)
    county = indicators.values(indicators.counts(world.county, start, end))
    assert county["orders_issued"] == 4 and county["closed_after_supervision"] == 1
    by_township = indicators.counts(world.county, start, end, by=9, families=("orders",))
    assert by_township[world.t2.code[:9]]["orders_issued"] == 1 and elsewhere.case.area_code.startswith(world.t2.prefix)
    # Outside the period: nothing.
    assert indicators.counts(world.t1, end, end + HOUR, families=("orders",))["orders_issued"] == 0
