"""Orders the system opens on its own, besides the breaches' (test_sweep.py): for a case graded red
and for a case escalated repeatedly (多次上报), once per case and reason whatever runs twice,
through the one verb (audit entry and event), seen by whoever sees the case and nobody else."""

import pytest
from django.db import connection, transaction

from disputes import grading
from disputes.linkage import escalation
from disputes.models import AuditEntry, Case, CaseState, Grade
from disputes.sweeper import further_steps
from realtime.models import Event
from supervision import services
from supervision.models import Level, Order, Reason
from tests import worlds
from tests.disputes.test_escalation import build_chain
from tests.supervision.conftest import new_case
from tests.supervision.test_sweep import together


def red(world, case):
    return grading.regrade_case(world.operator, case, grade=Grade.RED, reason="涉及多个部门，需领导协调")


def escalated(world, case, times):
    by = [world.committee, world.operator]
    for n in range(times):
        escalation.escalate_case(by[n], Case.objects.get(pk=case.pk), reason=f"第{n + 1}次上报")
    return Case.objects.get(pk=case.pk)


def opened(result):
    return result["orders_opened_for_red_grade"], result["orders_opened_for_repeated_escalation"]


# --- red grade ----------------------------------------------------------------------------


def test_a_case_turned_red_gets_one_order_through_the_verb(world, case, django_capture_on_commit_callbacks):
    red(world, case)
    with django_capture_on_commit_callbacks(execute=True):
        assert opened(further_steps()) == (1, 0)
    [order] = Order.objects.filter(case=case)
    assert order.reason == Reason.RED_GRADE and order.issued_by is None and order.breach is None
    assert order.unit == world.v1_committee and order.level == Level.TOWNSHIP and order.region == world.t1
    assert order.days == services.SYSTEM_DAYS[Reason.RED_GRADE]
    entry = AuditEntry.objects.filter(case=case).last()
    assert entry.action == "supervision_issued" and entry.actor is None
    assert entry.details["order"]["id"] == order.pk
    assert Event.objects.filter(case_id=case.pk, kind="supervision").count() == 1
    # The next pass, and the one after, open nothing more.
    assert opened(further_steps()) == (0, 0)
    assert opened(further_steps()) == (0, 0)
    assert Order.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("grade", [Grade.GREEN, Grade.YELLOW, Grade.ORANGE])
def test_other_grades_get_no_order(world, grade):
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(grade=grade)
    assert opened(further_steps()) == (0, 0)
    assert not Order.objects.exists()


def test_a_closed_red_case_gets_no_order(world, case):
    red(world, case)
    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    assert opened(further_steps()) == (0, 0)
    assert not Order.objects.exists()


def test_a_closed_order_is_not_opened_again_even_if_the_case_turns_red_anew(world, case):
    """The reason is a standing fact of the case: once its order was answered and closed, the
    centre has accepted the reply; any further order is the centre's own, issued by hand."""
    red(world, case)
    further_steps()
    order = Order.objects.get(case=case)
    services.reply(order, by=world.committee, text="已上报镇领导，明日召集相关部门协调")
    services.close(order, by=world.operator)
    assert opened(further_steps()) == (0, 0)
    grading.regrade_case(world.operator, Case.objects.get(pk=case.pk), grade=Grade.YELLOW, reason="已缓和")
    red(world, Case.objects.get(pk=case.pk))
    assert opened(further_steps()) == (0, 0)
    assert Order.objects.filter(case=case).count() == 1


def test_a_case_already_ordered_by_hand_for_its_red_grade_gets_no_system_order(world, case):
    red(world, case)
    services.issue(
        Case.objects.get(pk=case.pk),
        by=world.operator,
        reason=Reason.RED_GRADE,
        required="两日内报告处置方案",
        days=2,
        level=Level.TOWNSHIP,
    )
    assert opened(further_steps()) == (0, 0)
    assert Order.objects.get(case=case).issued_by == world.operator


def test_the_order_is_seen_by_those_who_see_the_case_and_listed_by_its_centre(world, case):
    red(world, case)
    further_steps()
    order = Order.objects.get(case=case)
    for user in (world.committee, world.operator, world.county_operator):
        assert list(Order.objects.visible_to(user)) == [order]
    for user in (world.operator_t2, world.gridworker_v3, world.outsider):
        assert not Order.objects.visible_to(user).exists()
    assert list(Order.objects.of_centre(world.operator)) == [order]
    assert not Order.objects.of_centre(world.operator_t2).exists()


# --- repeated escalation --------------------------------------------------------------------


def test_a_single_escalation_gets_no_order(world, case):
    escalated(world, case, 1)
    assert opened(further_steps()) == (0, 0)
    assert not Order.objects.exists()


def test_a_case_escalated_repeatedly_gets_one_county_order(world, case):
    assert services.REPEATED_ESCALATIONS == 2
    case = escalated(world, case, services.REPEATED_ESCALATIONS)
    assert case.current_unit == world.county_centre
    assert opened(further_steps()) == (0, 1)
    [order] = Order.objects.filter(case=case)
    assert order.reason == Reason.REPEATED_ESCALATION and order.issued_by is None
    # At a county unit the system supervises at the county level.
    assert order.level == Level.COUNTY and order.region == world.county and order.unit == world.county_centre
    assert opened(further_steps()) == (0, 0)
    assert list(Order.objects.visible_to(world.county_operator)) == [order]
    assert not Order.objects.visible_to(world.operator_t2).exists()


def test_a_red_case_escalated_repeatedly_gets_one_order_for_each_reason(world, case):
    case = escalated(world, case, 2)  # first: a red case would go straight to the county
    red(world, case)
    assert opened(further_steps()) == (1, 1)
    assert sorted(Order.objects.filter(case=case).values_list("reason", flat=True)) == [
        Reason.RED_GRADE,
        Reason.REPEATED_ESCALATION,
    ]


# --- the race -----------------------------------------------------------------------------


def test_the_verb_skips_a_system_order_another_sweeper_issued_first(world, case):
    args = {"by": None, "reason": Reason.RED_GRADE, "required": "请答复", "days": 2, "level": Level.TOWNSHIP}
    with transaction.atomic():
        first = services.issue(case, **args)
        # The unique constraint refuses the second insert; the savepoint keeps this transaction usable.
        assert services.issue(case, **args) is None
        assert Order.objects.filter(case=case).count() == 1
    assert first is not None
    assert AuditEntry.objects.filter(case=case, action="supervision_issued").count() == 1
    # A person may always issue another order, for any reason.
    again = services.issue(case, **{**args, "by": world.operator})
    assert again is not None and Order.objects.filter(case=case).count() == 2


@pytest.fixture
def world_tx(transactional_db):
    return build_chain(worlds.build())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel connections (PostGIS run)")
def test_concurrent_sweepers_open_one_order_per_case_and_reason(world_tx):
    world = world_tx
    cases = [new_case(world) for _ in range(6)]
    escalated(world, cases[0], 2)
    for case in cases:
        red(world, Case.objects.get(pk=case.pk))
    results = together(3, lambda: (services.open_for_red_grade(), services.open_for_repeated_escalation()))
    assert all(isinstance(result, tuple) for result in results), results
    assert sum(red for red, _repeated in results) == 6
    assert sum(repeated for _red, repeated in results) == 1
    for case in cases:
        assert Order.objects.filter(case=case, reason=Reason.RED_GRADE).count() == 1
        assert AuditEntry.objects.filter(case=case, action="supervision_issued").count() == (
            2 if case == cases[0] else 1
        )
