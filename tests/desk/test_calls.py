"""Taking a call: every way it ends goes through intake and the loop's acts; bad input changes nothing."""

import pytest

from core.errors import InvalidInput, NotAllowed
from desk import services
from desk.models import Call, Outcome
from disputes import intake
from disputes.models import AuditEntry, Case, CaseState, Handling, Report
from tests.disputes.conftest import report_data

from .conftest import PHONE, call_data

VALID_ID = "11010519491231002X"


def test_a_routed_call_is_a_report_through_intake(world):
    result, call = services.take_call(world.operator, call_data(world.disputes, caller_id_number=VALID_ID.lower()))
    report = Report.objects.get(pk=result.report.pk)
    assert report.source == "hotline" and report.contact_phone == PHONE and report.reporter == world.operator
    assert result.case.state == CaseState.REPORTED
    assert result.case.current_unit == world.v1_committee  # the linkage chain's choice, as for a phone report
    assert call.outcome == Outcome.ROUTED and call.caller_id_number == VALID_ID
    assert AuditEntry.objects.filter(case=result.case, action="report_received").count() == 1


def test_a_retried_call_is_stored_once(world):
    data = call_data(world.disputes, outcome=Outcome.SETTLED, result="已电话解释政策")
    first, _ = services.take_call(world.operator, data)
    again, call = services.take_call(world.operator, data)
    assert again.created is False and again.case.pk == first.case.pk
    assert Report.objects.count() == 1 and Call.objects.count() == 1 and call.outcome == Outcome.SETTLED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"caller_id_number": "110105194912310021"}, "caller_id_number"),
        ({"contact_phone": ""}, "contact_phone"),
        ({"source": "app"}, "source"),
        ({"outcome": Outcome.SETTLED, "result": " "}, "result"),
        ({"outcome": Outcome.ASSIGNED, "reason": "就近"}, "unit"),
        ({"outcome": Outcome.ATTACHED}, "into"),
        ({"description": ""}, "description"),
        ({"lon": 100.0, "lat": 30.0}, "lon"),
    ],
)
def test_bad_input_is_named_and_changes_nothing(world, overrides, field):
    with pytest.raises(InvalidInput) as raised:
        services.take_call(world.operator, call_data(world.disputes, **overrides))
    assert field in raised.value.fields
    assert not Report.objects.exists() and not Case.objects.exists() and not Call.objects.exists()


def test_settled_on_the_call_is_resolved_through_the_loop_and_left_to_verify(world):
    result, call = services.take_call(
        world.operator, call_data(world.incidents, outcome=Outcome.SETTLED, result="已告知业主自行清理")
    )
    case = Case.objects.get(pk=result.case.pk)
    assert call.outcome == Outcome.SETTLED
    assert case.state == CaseState.RESOLVED and case.handling == Handling.IMMEDIATE
    assert case.resolved_by == world.operator and case.current_unit == world.t1_centre
    assert case.first_unit == world.v1_committee  # 首问负责: the chain's unit stays accountable
    actions = list(AuditEntry.objects.filter(case=case).order_by("pk").values_list("action", flat=True))
    assert actions == ["report_received", "accept", "dispatch", "start", "resolve"]
    # The loop's four eyes: someone other than the clerk verifies it, and then it is closed and counted.
    from disputes import workflow

    case = workflow.verify_case(world.county_operator, case, passed=True)
    case = workflow.close_case(world.county_operator, case)
    assert case.state == CaseState.CLOSED


def test_only_the_centre_of_the_place_settles_on_the_call(world):
    # Another township's centre may file the call, but not settle a matter of 长顺镇: nothing is stored.
    with pytest.raises(NotAllowed):
        services.take_call(world.operator_t2, call_data(world.incidents, outcome=Outcome.SETTLED, result="已答复"))
    assert not Report.objects.exists()


def test_assigned_by_hand_goes_to_the_chosen_unit_with_the_reason(world):
    result, call = services.take_call(
        world.operator,
        call_data(world.disputes, outcome=Outcome.ASSIGNED, unit=world.t1_justice, reason="涉及土地确权，需司法所"),
    )
    case = Case.objects.get(pk=result.case.pk)
    assert case.state == CaseState.DISPATCHED and case.current_unit == world.t1_justice
    dispatch = AuditEntry.objects.get(case=case, action="dispatch")
    assert dispatch.details["note"] == "涉及土地确权，需司法所"


def test_a_unit_that_does_not_serve_the_place_is_refused(world):
    with pytest.raises(InvalidInput) as raised:
        services.take_call(
            world.operator, call_data(world.disputes, outcome=Outcome.ASSIGNED, unit=world.v3_committee, reason="试试")
        )
    assert "unit" in raised.value.fields
    assert not Report.objects.exists()


def test_attached_to_an_existing_case_merges_the_new_one_into_it(world):
    earlier = intake.submit_report(world.gridworker, report_data(world.disputes)).case
    result, call = services.take_call(world.operator, call_data(world.disputes, outcome=Outcome.ATTACHED, into=earlier))
    assert result.case.pk == earlier.pk and call.outcome == Outcome.ATTACHED
    new_case = Case.objects.exclude(pk=earlier.pk).get()
    assert new_case.state == CaseState.MERGED and new_case.merged_into == earlier
    assert Report.objects.filter(case=earlier).count() == 2


def test_the_callers_history_is_in_the_clerks_jurisdiction(world):
    services.take_call(world.operator, call_data(world.disputes))
    services.take_call(world.operator, call_data(world.incidents, outcome=Outcome.SETTLED, result="已答复"))
    history = services.caller_history(world.operator, PHONE)
    assert len(history["cases"]) == 2 and history["repeat"] and history["open"] == 2
    assert services.caller_history(world.operator, "13900000000") == {"cases": [], "repeat": False, "open": 0}
    assert services.caller_history(world.operator_t2, PHONE)["cases"] == []  # another township's centre
    assert services.caller_history(world.outsider, PHONE)["cases"] == []


def test_similar_cases_are_intakes_duplicates_of_a_call_not_yet_taken(world):
    earlier = intake.submit_report(world.gridworker, report_data(world.disputes)).case
    from grid.location import make_point

    point = make_point(earlier.point.x + 0.0005, earlier.point.y)
    assert services.similar_cases(world.operator, world.disputes, point) == [earlier]
    assert services.similar_cases(world.operator, world.incidents, point) == []
    assert services.similar_cases(world.operator_t2, world.disputes, point) == []
