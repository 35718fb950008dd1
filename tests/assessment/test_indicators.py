"""Every indicator's formula, checked on a hand-made set of cases (made through the real verbs).

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
from pathlib import Path

import pytest
from django.utils import timezone

from assessment import indicators as ind
from disputes import workflow
from disputes.deadlines import working_days_between
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
        county = ind.counts(world.county, scene.start, scene.end, families=("closures",))
    assert (county["closed_here"], county["closed_village"], county["closed_township"], county["closed_above"]) == (
        5, 2, 2, 1,
    )  # fmt: skip
    found = ind.values(county)
    assert found["local_rate"] == pytest.approx(4 / 5)
    assert found["village_share"] == pytest.approx(2 / 5)
    assert found["township_share"] == pytest.approx(2 / 5)
    assert found["above_share"] == pytest.approx(1 / 5)

    def levels(region):
        c = ind.counts(region, scene.start, scene.end, families=("closures",))
        return c["closed_here"], c["closed_village"], c["closed_township"], c["closed_above"]

    assert levels(world.t1) == levels(world.v1) == (4, 2, 1, 1)
    assert levels(world.t2) == (1, 0, 1, 0)
    assert levels(world.v2) == (0, 0, 0, 0)
    assert ind.values(ind.counts(world.v2, scene.start, scene.end))["local_rate"] is None


def test_closure_periods_are_half_open(world, scene):
    # A closed exactly at `start` is in; G closed exactly at `end` is out, and in the next period.
    def closed(start, end):
        c = ind.counts(world.t1, start, end, families=("closures",))
        return c["closed_here"], c["closed_village"]

    assert closed(scene.start - datetime.timedelta(days=1), scene.start) == (0, 0)
    assert closed(scene.end, scene.end + datetime.timedelta(days=1)) == (1, 1)
    assert closed(scene.start, scene.start + datetime.timedelta(microseconds=1)) == (1, 1)


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

    def esc(region, a=start, b=end):
        found = ind.counts(region, a, b, families=("escalations",))
        return found["escalations"], found["escalations_deadline"]

    with django_assert_num_queries(1):
        assert esc(world.county) == (5, 2)
    assert ind.values(ind.counts(world.county, start, end))["deadline_escalation_share"] == pytest.approx(2 / 5)
    assert esc(world.t1) == (4, 2)
    assert esc(world.t2) == (1, 0)
    assert esc(world.v2) == (0, 0)
    assert esc(world.county, start - datetime.timedelta(days=1), start) == (1, 1)


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
    joint(world, c["C"], world.t1_centre, t0 + 2 * HOUR, t0 + 20 * HOUR)  # first summons → last answer: 20 h
    joint(world, c["D"], world.t1_justice, t0, t0 + 4 * HOUR)  # 4 h
    joint(world, c["E"], world.t2_centre, t0, t0 + 30 * HOUR)  # 30 h
    joint(world, c["F"], world.t1_centre, t0)  # still waiting
    joint(world, c["G"], world.t1_centre, t0, t0 + HOUR)  # created before the period

    def jh(region, a=scene.start, b=scene.end):
        found = ind.counts(region, a, b, families=("joint",))
        return found["joint_cases"], found["joint_finished"], ind.values(found)["joint_hours"]

    with django_assert_num_queries(1):
        assert jh(world.county) == (4, 3, pytest.approx(18))  # (20 + 4 + 30) ÷ 3
    assert jh(world.t1) == (3, 2, pytest.approx(12))
    assert jh(world.t2) == (1, 1, pytest.approx(30))
    assert jh(world.v2) == (0, 0, None)
    assert jh(world.county, scene.start - datetime.timedelta(days=2), scene.start) == (1, 1, pytest.approx(1))


def test_the_standard_indicators(world, scene, django_assert_num_queries):
    c, start, end = scene.cases, scene.start, scene.end
    escalate(c["C"], start + HOUR, automatic=True, reason="deadline")  # C closed, but late
    escalate(c["D"], start + HOUR, automatic=False, reason="manual escalation is not lateness")
    escalate(c["E"], start - HOUR, automatic=True, reason="deadline, before the period")  # still late
    for key, satisfaction in (("A", "satisfied"), ("B", "basic"), ("C", "unsatisfied"), ("D", ""), ("E", "satisfied")):
        workflow.record_follow_up(world.county_operator, c[key], performed=True, satisfaction=satisfaction)
    outside = workflow.record_follow_up(world.county_operator, c["A"], performed=True, satisfaction="unsatisfied")
    FollowUp.objects.filter(pk=outside.pk).update(visited_at=end)

    names = ("due", "deferred", "closed", "closed_on_time", "overdue", "follow_ups", "satisfied")

    def standard(region):
        found = ind.counts(region, start, end, families=("cases", "follow_ups"))
        return tuple(found[name] for name in names), ind.values(found)

    with django_assert_num_queries(3):  # "cases" two (its escalated closures apart), "follow_ups" one
        county, found = standard(world.county)
    # due: A B C D E F H (I rejected, G and J outside); H deferred; F overdue
    assert county == (7, 1, 5, 3, 1, 4, 3)
    assert found["closure_rate"] == pytest.approx(5 / 6)  # closed ÷ (due − deferred)
    assert found["on_time_rate"] == pytest.approx(3 / 6)
    assert found["satisfaction_rate"] == pytest.approx(3 / 4)
    assert found["overdue"] == 1 and found["due"] == 7

    assert standard(world.t1)[0] == (6, 1, 4, 3, 1, 3, 2)
    t2, found = standard(world.t2)
    assert t2 == (1, 0, 1, 0, 0, 1, 1)
    assert (found["closure_rate"], found["on_time_rate"], found["satisfaction_rate"]) == (1, 0, 1)
    empty, found = standard(world.v2)
    assert empty == (0,) * 7
    assert (found["closure_rate"], found["on_time_rate"], found["satisfaction_rate"]) == (None, None, None)


def test_a_case_closed_after_the_period_is_not_closed_in_it(world, scene):
    shift(scene.cases["B"], closed_at=scene.end + HOUR)
    t1 = ind.counts(world.t1, scene.start, scene.end)
    assert (t1["due"], t1["closed"], t1["closed_on_time"]) == (6, 3, 3)


def test_rework_and_matters_settled_on_the_spot(world, scene):
    c = scene.cases
    sent_back = handled(world, world.v1_mediation, world.mediator)
    workflow.resolve_case(world.mediator, sent_back, result="已调解")
    workflow.verify_case(world.gridworker, sent_back, passed=False, note="仍在争吵")
    on_spot = new_case(
        world, resolved_on_site=True, on_site_result="当场劝和", photos=[{"sha256": "a" * 64, "purpose": "result"}]
    )
    assert on_spot.handling == "immediate" and on_spot.state == "resolved"

    found = ind.counts(world.county, scene.start, scene.end, families=("cases",))
    # handled: the five closed (A B C D E), the one sent back, the one settled on the spot (resolved)
    assert (found["due"], found["handled"], found["reworked"], found["on_spot"]) == (9, 7, 1, 1)
    assert ind.values(found)["rework_rate"] == pytest.approx(1 / 7)
    assert c["F"].rework_count == 0


def test_supervision_and_its_answers(world, scene):
    c, start, end = scene.cases, scene.start, scene.end
    flag = {"stage": "handle", "supervise": True, "at_top": True, "escalated": False}
    AuditEntry.objects.create(case=c["F"], action="deadline_breached", details=flag, at=start + HOUR)  # still late
    AuditEntry.objects.create(case=c["C"], action="deadline_breached", details=flag, at=start + HOUR)  # since closed
    AuditEntry.objects.create(case=c["C"], action="deadline_breached", details=flag, at=start + 2 * HOUR)  # same case
    escalated = {**flag, "supervise": False, "escalated": True}
    AuditEntry.objects.create(case=c["D"], action="deadline_breached", details=escalated, at=start + HOUR)  # moved up
    AuditEntry.objects.create(case=c["B"], action="deadline_breached", details=flag, at=end)  # outside

    found = ind.counts(world.county, start, end, families=("supervision",))
    assert (found["supervised"], found["supervision_answered"], found["supervision_missed"]) == (2, 1, 1)
    assert ind.values(found)["supervision_reply_rate"] == pytest.approx(1 / 2)
    assert ind.values(found)["supervised"] == 2
    assert ind.counts(world.t2, start, end)["supervised"] == 0


def test_average_handling_time_in_working_days(world, scene):
    c = scene.cases
    zone = timezone.get_default_timezone()

    def at(day, hour=10):
        return datetime.datetime(2025, 3, day, hour, tzinfo=zone)

    # Monday 3 March 2025 → Friday 7 March: 4 working days; → Monday 10 March: 5; same day: 0.
    shift(c["A"], accepted_at=at(3), closed_at=at(7))
    shift(c["B"], accepted_at=at(3), closed_at=at(10, 9))
    shift(c["C"], accepted_at=at(4, 8), closed_at=at(4, 18))
    start, end = at(1, 0), at(31, 0)
    found = ind.counts(world.county, start, end, families=("closures", "handling"))
    each = [working_days_between(c[k].accepted_at, c[k].closed_at) for k in "ABC"]
    for key in "ABC":
        c[key].refresh_from_db()
    assert each == [working_days_between(c[k].accepted_at, c[k].closed_at) for k in "ABC"] == [4, 5, 0]
    assert (found["closed_here"], found["handling_days"]) == (3, 9)
    assert ind.values(found)["handling_days"] == pytest.approx(3)
    t1 = ind.counts(world.county, start, end, by=len(world.t1.prefix), families=("closures", "handling"))
    assert set(t1) == {world.t1.prefix}
    assert t1[world.t1.prefix]["handling_days"] == 9


def test_grouped_counts_are_the_counts_of_each_group(world, scene, django_assert_num_queries):
    c, start, end = scene.cases, scene.start, scene.end
    escalate(c["C"], start + HOUR, automatic=True)
    joint(world, c["C"], world.t1_justice, start + HOUR, start + 5 * HOUR)
    # one per family, "cases" and "handling" two, "complaints" none; one more: the holiday calendar's
    # version token
    with django_assert_num_queries(len(ind.FAMILIES) + 2):
        by_township = ind.counts(world.county, start, end, by=len(world.t1.prefix))
    for township in (world.t1, world.t2):
        assert by_township[township.prefix] == ind.counts(township, start, end)
    by_unit = ind.counts(world.county, start, end, by="first_unit")
    assert sum(row["due"] for row in by_unit.values()) == ind.counts(world.county, start, end)["due"]


def test_the_complaints_count_is_kept_at_zero_until_complaints_are_recorded(world, scene):
    assert ind.counts(world.county, scene.start, scene.end)["complaints"] == 0


# --- the formulas: one text, in the code and the README -------------------------------------


def test_each_formula_reads_as_its_definition():
    formulas = {key: indicator.formula for key, indicator in ind.INDICATORS.items()}
    assert formulas["closure_rate"] == "办结率 = closed ÷ (due − deferred)"
    assert formulas["on_time_rate"] == "按期办结率 = closed_on_time ÷ (due − deferred)"
    assert formulas["satisfaction_rate"] == "满意率 = satisfied ÷ follow_ups"
    assert formulas["local_rate"] == "就地化解率 = (closed_village + closed_township) ÷ closed_here"
    assert formulas["rework_rate"] == "返工率 = reworked ÷ handled"
    assert formulas["overdue"] == "超期件数 = overdue"
    assert formulas["supervision_reply_rate"] == "督办按期答复率 = supervision_answered ÷ supervised"
    assert formulas["handling_days"] == "平均办理时长（工作日） = handling_days ÷ closed_here"


def test_the_readme_states_the_formulas_of_the_code():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert ind.readme_table() in readme, "README.md: paste assessment.indicators.readme_table() under Assessment"
