"""The verbs of supervision: issue, reply, close, 催办 and escalation of a missed reply, complaints."""

import datetime
import zoneinfo

import pytest

from core.errors import IllegalTransition, InvalidInput, NotAllowed, NotFound
from disputes.models import AuditEntry, Case, CaseState
from realtime.models import Event
from supervision import services
from supervision.models import Complaint, Level, Order, OrderState, Reason, Reply
from tests.supervision.conftest import new_case

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2024, 6, 26, 10, 0, tzinfo=SHANGHAI)  # a Wednesday, no holiday that week


def issue(world, case, by=None, **kw):
    args = {"reason": "instruction", "required": "三日内上门调解并书面答复", "days": 2, "level": "township"}
    args.update(kw)
    return services.issue(case, by=by or world.operator, **args)


def actions(case):
    return list(AuditEntry.objects.filter(case=case).order_by("seq").values_list("action", flat=True))


# --- issue ------------------------------------------------------------------------------


def test_an_operator_issues_an_order_to_the_handling_unit(world, case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = issue(world, case, now=NOW)
    order = Order.objects.get(pk=order.pk)
    assert order.state == OrderState.OPEN and order.level == Level.TOWNSHIP
    assert order.unit == world.v1_committee and order.issuing_unit == world.t1_centre
    assert order.region == world.t1 and order.issued_by == world.operator
    # Two working days after Wednesday: Friday at the close of business.
    assert order.due_at == datetime.datetime(2024, 6, 28, 17, 30, tzinfo=SHANGHAI)
    entry = AuditEntry.objects.filter(case=case).last()
    assert entry.action == "supervision_issued" and entry.actor == world.operator
    assert entry.details["order"]["id"] == order.pk and entry.details["required"] == "三日内上门调解并书面答复"
    event = Event.objects.filter(case_id=case.pk).last()
    assert event.kind == "supervision"
    assert event.payload["order"] == {
        "id": order.pk,
        "level": "township",
        "cause": "instruction",
        "state": "open",
        "due_at": entry.details["order"]["due_at"],
        "issued_at": entry.details["order"]["issued_at"],
    }
    assert "required" not in str(event.payload) and "三日内" not in str(event.payload)


def test_the_county_centre_may_issue_at_county_level_a_township_centre_may_not(world, case):
    order = issue(world, case, by=world.county_operator, level="county")
    assert order.region == world.county and order.issuing_unit == world.county_centre
    before = Order.objects.count()
    with pytest.raises(InvalidInput) as error:
        issue(world, case, level="county")
    assert "level" in error.value.fields
    assert Order.objects.count() == before


@pytest.mark.parametrize("who", ["committee", "gridworker"])
def test_only_centre_operators_over_the_case_may_issue(world, case, who):
    with pytest.raises(NotAllowed):
        issue(world, case, by=getattr(world, who))
    assert Order.objects.count() == 0


@pytest.mark.parametrize("who", ["operator_t2", "outsider", "mediator"])
def test_a_case_out_of_sight_is_not_found(world, case, who):
    with pytest.raises(NotFound):
        issue(world, case, by=getattr(world, who))
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("reason", "whim"), ("level", "village"), ("required", "  "), ("days", 0), ("days", 31), ("days", "x")],
)
def test_bad_input_is_refused_and_changes_nothing(world, case, field, value):
    count = len(actions(case))
    with pytest.raises(InvalidInput) as error:
        issue(world, case, **{field: value})
    assert field in error.value.fields
    assert Order.objects.count() == 0 and len(actions(case)) == count


def test_a_closed_case_takes_no_order(world, case):
    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    with pytest.raises(IllegalTransition):
        issue(world, case)
    assert Order.objects.count() == 0


# --- reply and close ----------------------------------------------------------------------


def test_the_handling_unit_replies_and_the_centre_closes(world, case):
    order = issue(world, case, now=NOW)
    answer = services.reply(order, by=world.committee, text="已上门调解，双方达成一致", now=NOW)
    assert isinstance(answer, Reply) and answer.unit == world.v1_committee
    order = Order.objects.get(pk=order.pk)
    assert order.state == OrderState.REPLIED and order.replied_at == NOW and order.answered_on_time
    services.close(order, by=world.operator)
    assert Order.objects.get(pk=order.pk).state == OrderState.CLOSED
    assert actions(case)[-3:] == ["supervision_issued", "supervision_replied", "supervision_closed"]


@pytest.mark.parametrize("who", ["mediator", "gridworker", "justice"])
def test_only_the_addressed_unit_replies(world, case, who):
    order = issue(world, case)
    with pytest.raises((NotAllowed, NotFound)):
        services.reply(order, by=getattr(world, who), text="答复")
    assert Order.objects.get(pk=order.pk).state == OrderState.OPEN and not Reply.objects.exists()


def test_an_empty_reply_and_a_reply_to_a_closed_order_are_refused(world, case):
    order = issue(world, case)
    with pytest.raises(InvalidInput) as error:
        services.reply(order, by=world.committee, text=" ")
    assert "text" in error.value.fields
    with pytest.raises(IllegalTransition):
        services.close(order, by=world.operator)  # nothing replied yet
    services.reply(order, by=world.committee, text="已处理")
    services.close(order, by=world.operator)
    with pytest.raises(IllegalTransition):
        services.reply(order, by=world.committee, text="再次答复")
    assert Reply.objects.count() == 1


# --- 催办 and escalation --------------------------------------------------------------------


def test_a_missed_township_order_is_reminded_and_escalated_once(world, case):
    order = issue(world, case, now=NOW)
    late = order.due_at + datetime.timedelta(hours=1)
    assert services.remind_and_escalate(order.due_at - datetime.timedelta(minutes=1)) == (0, 0)
    assert services.remind_and_escalate(late) == (0, 1)
    order = Order.objects.get(pk=order.pk)
    assert order.state == OrderState.ESCALATED and order.level == Level.COUNTY and order.region == world.county
    assert order.reminded_at == late and order.due_at > late
    # Once: even when the county's new deadline is missed too.
    assert services.remind_and_escalate(order.due_at + datetime.timedelta(days=30)) == (0, 0)
    assert actions(case).count("supervision_escalated") == 1
    # A reply after the deadline is still taken, and counted late.
    services.reply(order, by=world.committee, text="已处理")
    order = Order.objects.get(pk=order.pk)
    assert order.state == OrderState.REPLIED and not order.answered_on_time


def test_a_missed_county_order_is_reminded_once(world, case):
    order = issue(world, case, by=world.county_operator, level="county", now=NOW)
    late = order.due_at + datetime.timedelta(hours=1)
    assert services.remind_and_escalate(late) == (1, 0)
    assert services.remind_and_escalate(late) == (0, 0)
    order = Order.objects.get(pk=order.pk)
    assert order.state == OrderState.REMINDED and order.level == Level.COUNTY
    assert actions(case).count("supervision_reminded") == 1


def test_a_replied_order_is_not_reminded(world, case):
    order = issue(world, case, now=NOW)
    services.reply(order, by=world.committee, text="已处理", now=NOW)
    assert services.remind_and_escalate(order.due_at + datetime.timedelta(days=3)) == (0, 0)


# --- complaints -------------------------------------------------------------------------


def test_a_complaint_issues_an_order_and_a_second_one_is_refused(world, case):
    complaint = services.complain(case, text="反映三次了没人管", contact_phone="13800000000")
    assert isinstance(complaint, Complaint) and complaint.case_id == case.pk
    order = complaint.order
    assert order.reason == Reason.COMPLAINT and order.issued_by is None and order.issuing_unit is None
    assert order.unit == world.v1_committee and order.level == Level.TOWNSHIP and order.region == world.t1
    with pytest.raises(services.AlreadyComplained) as error:
        services.complain(case, text="再投诉一次")
    assert error.value.code == "already_complained" and error.value.status == 409
    assert Complaint.objects.count() == 1 and Order.objects.count() == 1


def test_an_empty_complaint_is_refused_and_changes_nothing(world, case):
    with pytest.raises(InvalidInput) as error:
        services.complain(case, text="   ")
    assert "text" in error.value.fields
    assert not Complaint.objects.exists() and not Order.objects.exists()


def test_a_complaint_about_a_closed_case_still_reaches_the_unit(world, case):
    Case.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    complaint = services.complain(case, text="结案了但问题没解决")
    assert complaint.order.state == OrderState.OPEN


def test_the_complaint_order_follows_the_case_to_a_county_unit(world):
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(current_unit=world.county_centre)
    order = services.complain(case, text="县里也没人管").order
    assert order.level == Level.COUNTY and order.region == world.county and order.unit == world.county_centre
