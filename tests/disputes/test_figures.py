"""Figures per region and period: where cases close, escalations by reason, joint handling, indicators.

The scene (period [start, end) around now):

    T1 / V1 / c1  A closed at the village committee (closed_at == start: inside)
                  B closed at the village mediation committee
                  C closed at the township judicial office
                  D closed at the county centre
                  F in progress at the judicial office, past due
                  H deferred (缓办) at the judicial office
                  I rejected
                  G created before the period, closed at `end` (outside every period)
                  J created at `end` (outside)
    T2 / V3 / c4  E closed at the township centre
"""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from disputes import figures, workflow
from disputes.models import AuditEntry, FollowUp, JointTask
from tests.disputes.conftest import POINT_V3
from tests.disputes.stories import closed, handled, new_case, shift

HOUR = datetime.timedelta(hours=1)


@dataclass
class Scene:
    start: datetime.datetime
    end: datetime.datetime
    cases: dict


@pytest.fixture
def scene(world):
    now = timezone.now()
    start, end = now - datetime.timedelta(days=1), now + datetime.timedelta(days=1)
    c = {}
    c["A"] = closed(world, world.v1_committee, world.committee)
    c["B"] = closed(world, world.v1_mediation, world.mediator)
    c["C"] = closed(world, world.t1_justice, world.justice)
    c["D"] = closed(world, world.county_centre, world.county_operator)
    c["E"] = closed(world, world.t2_centre, world.operator_t2, finder=world.gridworker_v3, point=POINT_V3,
                    reporter=world.gridworker_v3)  # fmt: skip
    c["F"] = handled(world, world.t1_justice, world.justice)
    c["H"] = handled(world, world.t1_justice, world.justice)
    request = workflow.request_deferral(world.justice, c["H"], reason="当事人外出务工")
    workflow.decide_request(world.operator, request, approve=True)
    c["I"] = new_case(world)
    workflow.reject_case(world.committee, c["I"], reason="不属于受理范围")
    c["G"] = closed(world, world.v1_committee, world.committee)
    c["J"] = new_case(world)
    shift(c["A"], closed_at=start)
    shift(c["G"], created_at=start - datetime.timedelta(days=1), closed_at=end)
    shift(c["J"], created_at=end)
    shift(c["F"], due_at=now - HOUR)
    for case in c.values():
        case.refresh_from_db()
    assert c["H"].state == "deferred" and c["I"].state == "rejected" and c["F"].state == "in_progress"
    return Scene(start, end, c)


def test_closed_at_village_township_and_above(world, scene, django_assert_num_queries):
    with django_assert_num_queries(1):
        county = figures.local_resolution(world.county, scene.start, scene.end)
    assert county == figures.LocalResolution(closed=5, village=2, township=2, county=1)
    assert county.local_rate == pytest.approx(4 / 5)
    assert county.village_share == pytest.approx(2 / 5)
    assert county.township_share == pytest.approx(2 / 5)
    assert county.above_share == pytest.approx(1 / 5)

    assert figures.local_resolution(world.t1, scene.start, scene.end) == figures.LocalResolution(4, 2, 1, 1)
    assert figures.local_resolution(world.v1, scene.start, scene.end) == figures.LocalResolution(4, 2, 1, 1)
    assert figures.local_resolution(world.t2, scene.start, scene.end) == figures.LocalResolution(1, 0, 1, 0)
    empty = figures.local_resolution(world.v2, scene.start, scene.end)
    assert empty == figures.LocalResolution(0, 0, 0, 0) and empty.local_rate is None


def test_closure_periods_are_half_open(world, scene):
    # A closed exactly at `start` is in; G closed exactly at `end` is out, and in the next period.
    before = figures.local_resolution(world.t1, scene.start - datetime.timedelta(days=1), scene.start)
    assert before.closed == 0
    after = figures.local_resolution(world.t1, scene.end, scene.end + datetime.timedelta(days=1))
    assert after == figures.LocalResolution(1, 1, 0, 0)
    only_a = figures.local_resolution(world.t1, scene.start, scene.start + datetime.timedelta(microseconds=1))
    assert only_a == figures.LocalResolution(1, 1, 0, 0)


def escalate(case, at, **details):
    AuditEntry.objects.create(case=case, action="escalate", details=details, at=at)


def test_escalations_by_reason(world, scene, django_assert_num_queries):
    c, start, end = scene.cases, scene.start, scene.end
    mid = start + HOUR
    escalate(c["A"], start, automatic=False, reason="村委会无法化解")
    escalate(c["A"], end, automatic=False, reason="outside: at the end")
    escalate(c["C"], mid, automatic=True, reason="handling deadline passed")
    escalate(c["C"], mid + HOUR, automatic=True, reason="handling deadline passed again")
    escalate(c["D"], mid, reason="no flag counts as manual")
    escalate(c["E"], mid, automatic=False, reason="涉及多部门")
    escalate(c["E"], start - datetime.timedelta(seconds=1), automatic=True, reason="outside: before")
    AuditEntry.objects.create(case=c["B"], action="summon", details={"automatic": True}, at=mid)  # not an escalation

    with django_assert_num_queries(1):
        county = figures.escalations(world.county, start, end)
    assert county == figures.Escalations(total=5, manual=3, deadline=2, cases=4)
    assert county.deadline_share == pytest.approx(2 / 5)
    assert figures.escalations(world.t1, start, end) == figures.Escalations(4, 2, 2, 3)
    assert figures.escalations(world.t2, start, end) == figures.Escalations(1, 1, 0, 1)
    assert figures.escalations(world.v2, start, end) == figures.Escalations(0, 0, 0, 0)
    earlier = figures.escalations(world.county, start - datetime.timedelta(days=1), start)
    assert earlier == figures.Escalations(1, 0, 1, 1)


def joint(world, case, unit, summoned, answered=None):
    return JointTask.objects.create(
        case=case,
        unit=unit,
        summoned_by=world.county_operator,
        summoned_at=summoned,
        due_at=summoned + 48 * HOUR,
        answered_at=answered,
        answered_by=world.justice if answered else None,
        answer="已到场" if answered else "",
    )


def test_joint_cases_and_their_time(world, scene, django_assert_num_queries):
    c, t0 = scene.cases, scene.start + HOUR
    joint(world, c["C"], world.t1_justice, t0, t0 + 10 * HOUR)
    joint(world, c["C"], world.t1_centre, t0 + 2 * HOUR, t0 + 20 * HOUR)  # first summon → last answer: 20 h
    joint(world, c["D"], world.t1_justice, t0, t0 + 4 * HOUR)  # 4 h
    joint(world, c["E"], world.t2_centre, t0, t0 + 30 * HOUR)  # 30 h
    joint(world, c["F"], world.t1_centre, t0)  # still waiting
    joint(world, c["G"], world.t1_centre, t0, t0 + HOUR)  # created before the period

    with django_assert_num_queries(1):
        county = figures.joint_handling(world.county, scene.start, scene.end)
    assert county == figures.JointHandling(
        cases=4, tasks=5, finished=3, waiting=1, median_hours=pytest.approx(20), mean_hours=pytest.approx(18)
    )
    t1 = figures.joint_handling(world.t1, scene.start, scene.end)
    assert (t1.cases, t1.tasks, t1.finished, t1.waiting) == (3, 4, 2, 1)
    assert t1.median_hours == pytest.approx(12) and t1.mean_hours == pytest.approx(12)
    t2 = figures.joint_handling(world.t2, scene.start, scene.end)
    assert (t2.cases, t2.tasks, t2.median_hours, t2.mean_hours) == (1, 1, pytest.approx(30), pytest.approx(30))
    assert figures.joint_handling(world.v2, scene.start, scene.end) == figures.JointHandling(0, 0, 0, 0, None, None)
    before = figures.joint_handling(world.county, scene.start - datetime.timedelta(days=2), scene.start)
    assert (before.cases, before.median_hours) == (1, pytest.approx(1))


def test_the_standard_indicators(world, scene, django_assert_num_queries):
    c, start, end = scene.cases, scene.start, scene.end
    escalate(c["C"], start + HOUR, automatic=True, reason="deadline")  # C closed, but late
    escalate(c["D"], start + HOUR, automatic=False, reason="manual escalation is not lateness")
    escalate(c["E"], start - HOUR, automatic=True, reason="deadline, before the period")  # still late
    for key, satisfaction in (("A", "satisfied"), ("B", "basic"), ("C", "unsatisfied"), ("D", ""), ("E", "satisfied")):
        workflow.record_follow_up(world.county_operator, c[key], performed=True, satisfaction=satisfaction)
    outside = workflow.record_follow_up(world.county_operator, c["A"], performed=True, satisfaction="unsatisfied")
    FollowUp.objects.filter(pk=outside.pk).update(visited_at=end)

    with django_assert_num_queries(2):
        county = figures.indicators(world.county, start, end)
    # due: A B C D E F H (I rejected, G and J outside); H deferred; F overdue
    assert county == figures.Indicators(
        due=7, deferred=1, closed=5, closed_on_time=3, overdue=1, follow_ups=4, satisfied=3
    )
    assert county.closure_rate == pytest.approx(5 / 6)
    assert county.on_time_rate == pytest.approx(3 / 6)
    assert county.satisfaction_rate == pytest.approx(3 / 4)

    assert figures.indicators(world.t1, start, end) == figures.Indicators(6, 1, 4, 3, 1, 3, 2)
    t2 = figures.indicators(world.t2, start, end)
    assert t2 == figures.Indicators(1, 0, 1, 0, 0, 1, 1)
    assert (t2.closure_rate, t2.on_time_rate, t2.satisfaction_rate) == (1, 0, 1)
    empty = figures.indicators(world.v2, start, end)
    assert empty == figures.Indicators(0, 0, 0, 0, 0, 0, 0)
    assert (empty.closure_rate, empty.on_time_rate, empty.satisfaction_rate) == (None, None, None)


def test_a_case_closed_after_the_period_is_not_closed_in_it(world, scene):
    shift(scene.cases["B"], closed_at=scene.end + HOUR)
    t1 = figures.indicators(world.t1, scene.start, scene.end)
    assert (t1.due, t1.closed, t1.closed_on_time) == (6, 3, 3)


def test_summary_is_a_plain_dict(world, scene):
    data = figures.summary(world.county, scene.start, scene.end)
    assert set(data) == {"local_resolution", "escalations", "joint_handling", "indicators"}
    assert data["local_resolution"]["closed"] == 5
    assert data["local_resolution"]["local_rate"] == pytest.approx(0.8)
    assert data["indicators"]["closure_rate"] == pytest.approx(5 / 6)
    assert data["joint_handling"]["median_hours"] is None
