"""Cases made the way they happen: through intake and the workflow verbs, in the test world.

Shared by the figures and the wall tests, so both tell the same story of a case."""

from assessment import summary
from disputes import intake, workflow
from disputes.models import Case
from tests.disputes.conftest import POINT_V1_C1, POINT_V3, report_data


def new_case(world, category=None, point=POINT_V1_C1, reporter=None, **overrides):
    """A case reported by a gridworker of the point's cell (c1's, or V3's for POINT_V3)."""
    data = report_data(category or world.neighbours, point=point, **overrides)
    return intake.submit_report(reporter or (world.gridworker_v3 if point == POINT_V3 else world.gridworker), data).case


def handled(world, unit, handler, dispatcher=None, **where):
    """A case accepted and dispatched to `unit` by the county centre (or `dispatcher`), started by `handler`."""
    dispatcher = dispatcher or world.county_operator
    case = new_case(world, **where)
    workflow.accept_case(dispatcher, case)
    workflow.dispatch_case(dispatcher, case, unit=unit)
    workflow.start_case(handler, case)
    return case


def closed(world, unit, handler, finder=None, **where):
    """A case handled at `unit`, resolved, verified by `finder` (the reporter's gridworker) and closed."""
    case = handled(world, unit, handler, **where)
    workflow.resolve_case(handler, case, result="已调解")
    workflow.verify_case(finder or world.gridworker, case, passed=True)
    workflow.close_case(world.county_operator, case)
    case.refresh_from_db()
    assert case.state == "closed" and case.current_unit == unit
    return case


def shift(case, **fields):
    """Move a case's times (or anything else) as days going by would, without the verbs.

    The summaries kept beside the cases are recounted, as if the case had been closed (or its
    follow-ups recorded) at the times given."""
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    summary.rebuild()
