"""Escalation along the linkage chain (上报) and joint handling (联办), at the service and through the API.

The chain built here for the `world` county:

    东沟村村委会 (v1_committee) → 长顺镇综治中心 (t1_centre) → 化德县综治中心 (county_centre)
    东沟村调委会 (v1_mediation) → 长顺司法所 (t1_justice) → 化德县综治中心

Neighbour disputes (11) are handled at every level; safety hazards (50) by the village
committee and the county centre only, so a hazard escalated from the village skips the
township centre, and says so.
"""

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from core.errors import IllegalTransition, InvalidInput, NotAllowed, StaleCase
from disputes import deadlines, intake, workflow
from disputes.linkage import escalation
from disputes.models import AuditEntry, Capability, Case, CaseState, Handling, JointTask, LinkageEdge
from grid.models import Role, UnitKind
from realtime.access import groups_for
from realtime.models import Event
from realtime.publish import catch_up
from tests.disputes.conftest import report_data

S = CaseState
K = UnitKind


def build_chain(world):
    """The chain above; replaces whatever capabilities and edges the migrations installed."""
    LinkageEdge.objects.all().delete()
    Capability.objects.all().delete()
    for kind, code, grade in [
        (K.VILLAGE_COMMITTEE, "11", "yellow"),
        (K.VILLAGE_COMMITTEE, "50", "orange"),
        (K.VILLAGE_MEDIATION, "11", "yellow"),
        (K.TOWNSHIP_CENTRE, "11", "orange"),
        (K.JUSTICE_OFFICE, "11", "orange"),
        (K.COUNTY_CENTRE, "11", "red"),
        (K.COUNTY_CENTRE, "50", "red"),
    ]:
        Capability.objects.create(unit_kind=kind, category=_category(world, code), max_grade=grade)
    for source, target in [
        (world.v1_committee, world.t1_centre),
        (world.v1_mediation, world.t1_justice),
        (world.t1_centre, world.county_centre),
        (world.t1_justice, world.county_centre),
    ]:
        LinkageEdge.objects.create(source=source, target=target, relation="escalates_to")
    return world


def _category(world, code):
    return {"11": world.disputes, "50": world.incidents}[code]


@pytest.fixture
def chain(world):
    return build_chain(world)


@pytest.fixture(autouse=True)
def english():
    # Messages are checked in their English source (the default language is Chinese).
    with translation.override("en"):
        yield


def new_case(world, category=None, state=S.ACCEPTED):
    """A case at 东沟村村委会 in `state` (accepted, or in progress at the committee)."""
    case = intake.submit_report(world.gridworker, report_data(category or world.neighbours)).case
    if state in (S.ACCEPTED, S.IN_PROGRESS):
        case = workflow.accept_case(world.committee, case)
    if state == S.IN_PROGRESS:
        case = workflow.dispatch_case(world.committee, case, unit=world.v1_committee)
        case = workflow.start_case(world.committee, case)
    return Case.objects.get(pk=case.pk)


def entries(case, action):
    return list(AuditEntry.objects.filter(case=case, action=action).order_by("seq"))


def snapshot(case):
    case = Case.objects.get(pk=case.pk)
    return (case.state, case.version, case.current_unit_id, case.due_at, AuditEntry.objects.filter(case=case).count())


# --- manual escalation ------------------------------------------------------------------


class TestEscalation:
    def test_escalation_moves_the_case_up_and_keeps_the_first_unit(self, chain):
        world = chain
        case = new_case(world, state=S.IN_PROGRESS)
        assert case.handler == world.committee
        before = case.version

        case = escalation.escalate_case(world.committee, case, reason="调解不成，需镇里协调", expected_version=before)

        case = Case.objects.get(pk=case.pk)
        assert case.current_unit == world.t1_centre
        assert case.first_unit == world.v1_committee  # 首问负责
        assert case.state == S.DISPATCHED and case.handler is None
        assert case.version == before + 1
        assert case.stage == "handle" and case.warned_at is None and case.breached_at is None
        assert case.due_at == workflow.compute_due(case) and case.due_at > timezone.now()
        [entry] = entries(case, "escalate")
        assert entry.actor == world.committee and entry.unit == world.v1_committee
        assert (entry.from_state, entry.to_state) == (S.IN_PROGRESS, S.DISPATCHED)
        assert entry.details == {
            "reason": "调解不成，需镇里协调",
            "automatic": False,
            "from_unit": world.v1_committee.code,
            "to_unit": world.t1_centre.code,
            "path": [world.v1_committee.code, world.t1_centre.code],
            "skipped": [],
        }

    def test_escalation_from_accepted_gives_a_fresh_handling_clock(self, chain):
        world = chain
        case = new_case(world)
        assert case.stage == "dispatch"
        escalation.escalate_case(world.committee, case, reason="超出村级能力")
        case = Case.objects.get(pk=case.pk)
        assert case.state == S.DISPATCHED and case.stage == "handle"
        assert case.stage_limit == {"amount": 15, "unit": "working_days"}

    def test_repeated_escalation_reaches_the_county_and_then_refuses(self, chain):
        world = chain
        case = new_case(world)
        escalation.escalate_case(world.committee, case, reason="一")
        escalation.escalate_case(world.operator, Case.objects.get(pk=case.pk), reason="二")
        case = Case.objects.get(pk=case.pk)
        assert case.current_unit == world.county_centre and case.first_unit == world.v1_committee
        before = snapshot(case)
        with pytest.raises(IllegalTransition) as error:
            escalation.escalate_case(world.county_operator, case, reason="三")
        assert "top of the chain" in str(error.value)
        assert snapshot(case) == before
        assert [e.details["to_unit"] for e in entries(case, "escalate")] == [
            world.t1_centre.code,
            world.county_centre.code,
        ]

    def test_a_skipped_level_is_recorded_with_its_reason(self, chain):
        world = chain
        case = new_case(world, category=world.hazard)
        escalation.escalate_case(world.committee, case, reason="隐患较大")
        case = Case.objects.get(pk=case.pk)
        assert case.current_unit == world.county_centre
        [entry] = entries(case, "escalate")
        assert entry.details["path"] == [world.v1_committee.code, world.t1_centre.code, world.county_centre.code]
        assert entry.details["skipped"] == [
            {
                "unit": world.t1_centre.code,
                "name": world.t1_centre.name,
                "why": "cannot handle this category at this grade",
            }
        ]

    def test_a_chain_without_a_township_level_says_so(self, chain):
        world = chain
        LinkageEdge.objects.filter(source=world.v1_committee).delete()
        LinkageEdge.objects.create(source=world.v1_committee, target=world.county_centre, relation="escalates_to")
        case = new_case(world)
        escalation.escalate_case(world.committee, case, reason="直报县里")
        [entry] = entries(case, "escalate")
        assert entry.details["to_unit"] == world.county_centre.code
        [gap] = entry.details["skipped"]
        assert gap["unit"] is None and gap["level"] == "township" and "no unit at this level" in gap["why"]

    def test_no_capable_unit_above_is_refused_with_the_reason(self, chain):
        world = chain
        Capability.objects.filter(unit_kind__in=[K.TOWNSHIP_CENTRE, K.COUNTY_CENTRE]).delete()
        case = new_case(world)
        before = snapshot(case)
        with pytest.raises(IllegalTransition) as error:
            escalation.escalate_case(world.committee, case, reason="试试")
        assert "No unit above can handle this case" in str(error.value)
        assert snapshot(case) == before

    def test_an_edited_chain_never_sends_a_case_back_down(self, chain):
        world = chain
        case = new_case(world)
        escalation.escalate_case(world.committee, case, reason="上报")
        # Someone adds a downward edge (validation would refuse it; the database does not).
        LinkageEdge.objects.filter(source=world.t1_centre).delete()
        LinkageEdge.objects.create(source=world.t1_centre, target=world.v1_committee, relation="escalates_to")
        case = Case.objects.get(pk=case.pk)
        with pytest.raises(IllegalTransition) as error:
            escalation.escalate_case(world.operator, case, reason="再上报")
        assert "already escalated from" in str(error.value)
        assert Case.objects.get(pk=case.pk).current_unit == world.t1_centre

    def test_who_may_escalate_and_when(self, chain):
        world = chain
        case = new_case(world)
        before = snapshot(case)
        for user in (world.gridworker, world.mediator, world.outsider, world.operator_t2):
            with pytest.raises(NotAllowed):
                escalation.escalate_case(user, case, reason="x")
        with pytest.raises(InvalidInput) as error:
            escalation.escalate_case(world.committee, case, reason="  ")
        assert "reason" in error.value.fields
        with pytest.raises(StaleCase):
            escalation.escalate_case(world.committee, case, reason="x", expected_version=case.version - 1)
        assert snapshot(case) == before
        reported = intake.submit_report(world.gridworker, report_data(world.neighbours)).case
        with pytest.raises(IllegalTransition):
            escalation.escalate_case(world.committee, reported, reason="x")
        # The centre above supervises, so it may escalate too.
        escalation.escalate_case(world.operator, case, reason="中心决定上报")
        assert Case.objects.get(pk=case.pk).current_unit == world.t1_centre

    def test_escalate_is_offered_to_handlers(self, chain):
        world = chain
        case = new_case(world)
        assert "escalate" in workflow.allowed_actions(world.committee, case)
        assert "escalate" not in workflow.allowed_actions(world.gridworker, case)


# --- joint handling ---------------------------------------------------------------------


class TestJointHandling:
    def summon(self, world, case=None, **kwargs):
        case = case or new_case(world)
        kwargs.setdefault("units", [world.t1_justice, world.v1_mediation])
        kwargs.setdefault("instructions", "请两日内反馈")
        return escalation.summon_units(world.operator, case, **kwargs)

    def test_summoning_gives_each_unit_a_task_with_two_working_days(self, chain):
        world = chain
        case = new_case(world)
        case = self.summon(world, case, expected_version=case.version)
        case = Case.objects.get(pk=case.pk)
        assert case.handling == Handling.JOINT and case.state == S.IN_PROGRESS
        assert case.current_unit == world.v1_committee and case.first_unit == world.v1_committee
        tasks = list(JointTask.objects.filter(case=case).order_by("unit__code"))
        assert {task.unit for task in tasks} == {world.t1_justice, world.v1_mediation}
        for task in tasks:
            assert task.summoned_by == world.operator and task.instructions == "请两日内反馈"
            assert task.due_at == deadlines.due_at(task.summoned_at, 2, "working_days")
            assert deadlines.working_days_between(task.summoned_at, task.due_at) == 2
            assert task.answered_at is None
        [entry] = entries(case, "summon")
        assert entry.actor == world.operator and entry.unit == world.t1_centre
        assert entry.details["units"] == [world.t1_justice.code, world.v1_mediation.code]
        assert entry.details["days"] == 2

    def test_answering_every_task_resolves_the_case(self, chain):
        world = chain
        case = self.summon(world)
        justice_task = JointTask.objects.get(case=case, unit=world.t1_justice)
        mediation_task = JointTask.objects.get(case=case, unit=world.v1_mediation)

        escalation.answer_task(world.justice, justice_task, answer="已出具法律意见")
        case = Case.objects.get(pk=case.pk)
        assert case.state == S.IN_PROGRESS
        [answered] = entries(case, "task_answered")
        assert answered.details["open_tasks"] == 1 and answered.actor == world.justice

        escalation.answer_task(world.mediator, mediation_task, answer="已组织双方调解")
        case = Case.objects.get(pk=case.pk)
        assert case.state == S.RESOLVED and case.stage == "verify"
        assert case.resolved_by == world.operator  # the summoning centre owns the joint result
        assert case.resolved_at is not None
        task = JointTask.objects.get(pk=mediation_task.pk)
        assert task.answered_by == world.mediator and task.answer == "已组织双方调解"
        actions = [e.action for e in AuditEntry.objects.filter(case=case).order_by("seq")]
        assert actions[-4:] == ["summon", "task_answered", "task_answered", "resolve"]
        resolve = entries(case, "resolve")[-1]
        assert resolve.details["joint"] is True and len(resolve.details["tasks"]) == 2
        # Someone other than the summoner verifies: the gridworker who found it may.
        with pytest.raises(NotAllowed):
            workflow.verify_case(world.operator, case, passed=True)
        workflow.verify_case(world.gridworker, case, passed=True)

    def test_only_the_summoned_unit_answers_and_only_once(self, chain):
        world = chain
        case = self.summon(world)
        task = JointTask.objects.get(case=case, unit=world.t1_justice)
        for user in (world.committee, world.operator, world.mediator, world.outsider):
            with pytest.raises(NotAllowed):
                escalation.answer_task(user, task, answer="代答")
        with pytest.raises(InvalidInput):
            escalation.answer_task(world.justice, task, answer=" ")
        escalation.answer_task(world.justice, task, answer="已答复")
        version = Case.objects.get(pk=case.pk).version
        with pytest.raises(IllegalTransition):
            escalation.answer_task(world.justice, task, answer="再答复")
        assert JointTask.objects.get(pk=task.pk).answer == "已答复"
        assert Case.objects.get(pk=case.pk).version == version
        assert len(entries(case, "task_answered")) == 1

    def test_summon_checks(self, chain):
        world = chain
        case = new_case(world)
        before = snapshot(case)
        with pytest.raises(NotAllowed):  # summoning is for the centre (supervisors)
            escalation.summon_units(world.committee, case, units=[world.t1_justice])
        with pytest.raises(InvalidInput) as error:
            self.summon(world, case, units=[world.t2_centre])
        assert "units" in error.value.fields
        with pytest.raises(InvalidInput):
            self.summon(world, case, units=[])
        with pytest.raises(InvalidInput) as error:
            self.summon(world, case, days=0)
        assert "days" in error.value.fields
        assert snapshot(case) == before
        self.summon(world, case, units=[world.t1_justice], days=5)
        [task] = JointTask.objects.filter(case=case)
        assert deadlines.working_days_between(task.summoned_at, task.due_at) == 5
        with pytest.raises(InvalidInput) as error:  # one open task per unit
            self.summon(world, Case.objects.get(pk=case.pk), units=[world.t1_justice])
        assert world.t1_justice.name in error.value.fields["units"][0]


# --- the API ----------------------------------------------------------------------------


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"] == code and body["message"]
    if field is not None:
        assert field in body["fields"], body
    return body


class TestAPI:
    def test_escalate(self, chain):
        world = chain
        case = new_case(world)
        committee = client_for(world.committee)
        url = f"/api/cases/{case.pk}/escalate/"

        assert_error(committee.post(url, {"version": case.version}, format="json"), 400, "invalid", "reason")
        assert_error(committee.post(url, {"reason": "x", "version": case.version - 1}, format="json"), 409, "stale")
        assert_error(client_for(world.operator_t2).post(url, {"reason": "x", "version": 1}), 404, "not_found")
        assert_error(
            client_for(world.gridworker).post(url, {"reason": "x", "version": case.version}), 403, "not_allowed"
        )

        response = committee.post(url, {"reason": "需镇里协调", "version": case.version}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["current_unit"]["code"] == world.t1_centre.code
        assert body["first_unit"]["code"] == world.v1_committee.code
        assert body["state"] == "dispatched" and body["version"] == case.version + 1
        assert body["timeline"][-1]["action"] == "escalate"

        county = client_for(world.county_operator)
        escalation.escalate_case(world.operator, Case.objects.get(pk=case.pk), reason="再上报")
        version = Case.objects.get(pk=case.pk).version
        body = assert_error(county.post(url, {"reason": "x", "version": version}), 409, "illegal_transition")
        assert "top of the chain" in body["message"]

    def test_summon_and_answer(self, chain):
        world = chain
        case = new_case(world)
        operator = client_for(world.operator)
        url = f"/api/cases/{case.pk}/summon/"
        body = {"units": [world.t1_justice.code, world.v1_mediation.code], "instructions": "请反馈"}

        assert_error(
            operator.post(url, {**body, "units": ["nope"], "version": case.version}, format="json"),
            400,
            "invalid",
            "units",
        )
        assert_error(
            operator.post(url, {**body, "units": [], "version": case.version}, format="json"), 400, "invalid", "units"
        )
        assert_error(
            operator.post(url, {**body, "days": 0, "version": case.version}, format="json"), 400, "invalid", "days"
        )
        assert_error(client_for(world.operator_t2).post(url, {**body, "version": 1}, format="json"), 404, "not_found")
        assert_error(
            client_for(world.committee).post(url, {**body, "version": case.version}, format="json"), 403, "not_allowed"
        )

        response = operator.post(url, {**body, "version": case.version}, format="json")
        assert response.status_code == 200, response.content
        detail = response.json()
        assert detail["handling"] == "joint" and detail["state"] == "in_progress"
        tasks = {task["unit"]["code"]: task for task in detail["joint_tasks"]}
        assert set(tasks) == {world.t1_justice.code, world.v1_mediation.code}
        assert all(task["answered_at"] is None and not task["overdue"] for task in tasks.values())

        justice_task = tasks[world.t1_justice.code]["id"]
        answer_url = f"/api/tasks/{justice_task}/answer/"
        # The committee sees the case but is not the summoned unit; T2's operator sees neither.
        assert_error(client_for(world.committee).post(answer_url, {"answer": "x"}), 403, "not_allowed")
        assert_error(client_for(world.operator_t2).post(answer_url, {"answer": "x"}), 404, "not_found")
        assert_error(client_for(world.justice).post(answer_url, {}), 400, "invalid", "answer")
        assert_error(client_for(world.justice).post("/api/tasks/999999/answer/", {"answer": "x"}), 404, "not_found")

        response = client_for(world.justice).post(answer_url, {"answer": "已出具法律意见"}, format="json")
        assert response.status_code == 200, response.content
        answered = response.json()
        assert answered["answer"] == "已出具法律意见" and answered["answered_by"]
        assert answered["case"]["state"] == "in_progress"
        assert_error(client_for(world.justice).post(answer_url, {"answer": "again"}), 409, "illegal_transition")

        mediation_task = tasks[world.v1_mediation.code]["id"]
        response = client_for(world.mediator).post(f"/api/tasks/{mediation_task}/answer/", {"answer": "已调解"})
        assert response.status_code == 200, response.content
        assert response.json()["case"]["state"] == "resolved"

        detail = operator.get(f"/api/cases/{case.pk}/").json()
        assert detail["state"] == "resolved"
        assert all(task["answered_at"] for task in detail["joint_tasks"])


def test_a_summoned_unit_sees_the_case(world):
    from disputes.linkage.escalation import summon_units

    case = intake.submit_report(world.gridworker, report_data(world.hazard)).case
    workflow.accept_case(world.committee, case)
    assert case not in Case.objects.visible_to(world.justice)
    summon_units(world.operator, case, units=[world.t1_justice], instructions="请派员参与")
    assert case in Case.objects.visible_to(world.justice)
    assert case not in Case.objects.visible_to(world.operator_t2)


# --- the unit a case has left ------------------------------------------------------------------


def test_a_unit_that_escalated_a_case_keeps_seeing_it_read_only(chain):
    """The village mediation committee escalates; its mediator still follows the case, cannot act on it,
    and hears of what happens next. A unit the case never reached still sees nothing."""
    world = chain
    case = new_case(world)
    workflow.dispatch_case(world.committee, case, unit=world.v1_mediation)
    workflow.start_case(world.mediator, Case.objects.get(pk=case.pk))
    mediator = client_for(world.mediator)
    url = f"/api/cases/{case.pk}/"

    escalation.escalate_case(world.mediator, Case.objects.get(pk=case.pk), reason="调解不成")
    case = Case.objects.get(pk=case.pk)
    assert case.current_unit == world.t1_justice and case.first_unit == world.v1_committee
    # The committee passed it to the mediation committee, which passed it up.
    assert set(case.past_units.values_list("unit", flat=True)) == {world.v1_committee.pk, world.v1_mediation.pk}

    response = mediator.get(url)
    assert response.status_code == 200, response.content
    assert response.json()["allowed_actions"] == []
    assert case.pk in {row["id"] for row in mediator.get("/api/cases/").json()["results"]}
    before = snapshot(case)
    with pytest.raises(NotAllowed):
        workflow.start_case(world.mediator, case)
    assert snapshot(case) == before

    # What the township does next reaches the mediation committee too.
    last = Event.objects.order_by("-seq").values_list("seq", flat=True).first()
    workflow.start_case(world.justice, case)
    heard = catch_up(groups_for(world.mediator), after=last)
    assert [event["kind"] for event in heard] == ["state_changed"], heard
    elsewhere = world.person("staff_v3", Role.STAFF, world.v3_committee)
    assert catch_up(groups_for(elsewhere), after=last) == []
    assert client_for(elsewhere).get(url).status_code == 404
