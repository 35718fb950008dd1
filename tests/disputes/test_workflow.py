"""The closed loop at the service level: transitions, who may make them, versions, the audit trail."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput, NotAllowed, ReportConflict, StaleCase
from disputes import intake, workflow
from disputes.models import AuditEntry, Case, CaseState, Report
from tests.disputes.conftest import PARTIES, POINT_V1_C1, POINT_V3, report_data

S = CaseState


def submit(world, category=None, **overrides):
    data = report_data(category or world.neighbours, **overrides)
    return intake.submit_report(world.gridworker, data)


def snapshot(case):
    """Everything a refused action must leave unchanged."""
    case = Case.objects.get(pk=case.pk)
    return (case.state, case.version, case.current_unit_id, case.due_at, AuditEntry.objects.filter(case=case).count())


class TestIntake:
    def test_a_report_opens_a_case_at_its_village_committee(self, world):
        result = submit(world)
        case = result.case
        assert result.created
        assert case.state == S.REPORTED
        assert case.cell == world.c1 and case.region == world.v1
        assert case.first_unit == case.current_unit == world.v1_committee
        assert case.area_code == world.c1.code
        assert case.number and len(case.verification_code) == 6
        assert case.stage == "accept" and case.due_at > timezone.now()
        entry = AuditEntry.objects.get(case=case)
        assert (entry.action, entry.from_state, entry.to_state, entry.actor) == (
            "report_received",
            "",
            "reported",
            world.gridworker,
        )

    def test_the_same_report_twice_is_stored_once(self, world):
        data = report_data(world.neighbours)
        first = intake.submit_report(world.gridworker, data)
        again = intake.submit_report(world.gridworker, dict(data))
        assert again.created is False
        assert again.report.pk == first.report.pk and again.case.pk == first.case.pk
        assert Report.objects.count() == Case.objects.count() == 1

    def test_the_same_id_with_other_content_is_a_conflict_and_changes_nothing(self, world):
        data = report_data(world.neighbours)
        intake.submit_report(world.gridworker, data)
        with pytest.raises(ReportConflict):
            intake.submit_report(world.gridworker, {**data, "description": "另一件事"})
        assert Report.objects.count() == Case.objects.count() == 1
        assert Report.objects.get().description == data["description"]

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"lon": 100.0, "lat": 30.0}, "lon"),
            ({"lon": 200.0}, "lon"),
            ({"category": "9999"}, "category"),
            ({"description": "  "}, "description"),
            ({"severity": 9}, "severity"),
            ({"occurred_at": timezone.now() + datetime.timedelta(days=1)}, "occurred_at"),
            ({"photos": [{"sha256": "not-a-hash"}]}, "photos"),
            ({"resolved_on_site": True, "on_site_result": "已劝和"}, "photos"),
            ({"parties": [{"name": "王五", "id_number": "110105194912310021"}]}, "parties[0].id_number"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_stored(self, world, overrides, field):
        with pytest.raises(InvalidInput) as error:
            submit(world, **overrides)
        assert field in error.value.fields
        assert not Report.objects.exists() and not Case.objects.exists() and not AuditEntry.objects.exists()

    def test_parties_of_an_incident_are_refused(self, world):
        with pytest.raises(InvalidInput):
            submit(world, world.hazard, parties=PARTIES)

    def test_a_matter_settled_on_the_spot_opens_resolved_and_waits_for_verification(self, world):
        result = submit(
            world,
            resolved_on_site=True,
            on_site_result="当场调解，双方和好",
            photos=[{"sha256": "a" * 64, "purpose": "result"}],
        )
        case = result.case
        assert case.state == S.RESOLVED and case.handling == "immediate"
        assert case.resolved_by == world.gridworker and case.stage == "verify"
        with pytest.raises(NotAllowed):
            workflow.verify_case(world.gridworker, case, passed=True)
        workflow.verify_case(world.committee, case, passed=True)
        workflow.close_case(world.operator, case)
        assert Case.objects.get(pk=case.pk).state == S.CLOSED

    def test_nearby_open_cases_of_the_same_category_are_suggested(self, world):
        first = submit(world).case
        near = submit(world, lon=POINT_V1_C1[0] + 0.001, lat=POINT_V1_C1[1])  # about 80 m east
        far = submit(world, lon=POINT_V1_C1[0] + 0.01, lat=POINT_V1_C1[1])  # about 830 m
        other_kind = submit(world, world.hazard)
        assert near.duplicates == [first]
        assert first not in far.duplicates
        assert other_kind.duplicates == []


class TestClosedLoop:
    def test_an_incident_goes_round_the_whole_loop(self, world):
        case = submit(world, world.hazard).case
        workflow.accept_case(world.committee, case)
        workflow.dispatch_case(world.operator, case, unit=world.t1_justice)
        case.refresh_from_db()
        assert case.state == S.DISPATCHED and case.current_unit == world.t1_justice
        assert case.first_unit == world.v1_committee  # 首问负责 stays
        workflow.start_case(world.justice, case)
        workflow.resolve_case(world.justice, case, result="已排除隐患")
        workflow.verify_case(world.gridworker, case, passed=True)
        workflow.close_case(world.operator, case)
        case.refresh_from_db()
        assert case.state == S.CLOSED and case.closed_at and case.due_at is None
        actions = list(AuditEntry.objects.filter(case=case).values_list("action", flat=True))
        assert actions == ["report_received", "accept", "dispatch", "start", "resolve", "verify", "close"]
        seqs = list(AuditEntry.objects.filter(case=case).values_list("seq", flat=True))
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert case.version == 7

    def test_failed_verification_is_rework(self, world):
        case = submit(world, world.hazard).case
        workflow.accept_case(world.committee, case)
        workflow.dispatch_case(world.committee, case, unit=world.v1_committee)
        workflow.start_case(world.committee, case)
        workflow.resolve_case(world.committee, case, result="done")
        with pytest.raises(InvalidInput):
            workflow.verify_case(world.operator, case, passed=False)  # needs a note
        workflow.verify_case(world.operator, case, passed=False, note="隐患仍在")
        case.refresh_from_db()
        assert case.state == S.IN_PROGRESS and case.rework_count == 1 and case.stage == "handle"

    def test_the_handler_cannot_verify_their_own_work(self, world):
        case = submit(world, world.hazard).case
        workflow.accept_case(world.committee, case)
        workflow.dispatch_case(world.operator, case, unit=world.t1_centre)
        workflow.start_case(world.operator, case)
        workflow.resolve_case(world.operator, case, result="done")
        before = snapshot(case)
        with pytest.raises(NotAllowed):
            workflow.verify_case(world.operator, case, passed=True)
        assert snapshot(case) == before

    def test_return_goes_back_to_the_dispatcher_with_the_reason(self, world):
        case = submit(world, world.hazard).case
        workflow.accept_case(world.operator, case)
        workflow.dispatch_case(world.operator, case, unit=world.t1_justice)
        with pytest.raises(InvalidInput):
            workflow.return_case(world.justice, case, reason="")
        workflow.return_case(world.justice, case, reason="不属于司法所职责")
        case.refresh_from_db()
        assert case.state == S.ACCEPTED and case.current_unit == world.t1_centre
        assert case.reason == "不属于司法所职责"

    def test_reject_needs_a_reason(self, world):
        case = submit(world).case
        with pytest.raises(InvalidInput):
            workflow.reject_case(world.committee, case, reason="")
        workflow.reject_case(world.committee, case, reason="不属于受理范围")
        assert Case.objects.get(pk=case.pk).state == S.REJECTED

    def test_merge_moves_the_reports(self, world):
        first = submit(world).case
        second = submit(world, lon=POINT_V1_C1[0] + 0.001).case
        workflow.merge_case(world.operator, second, into=first)
        second.refresh_from_db()
        assert second.state == S.MERGED and second.merged_into == first
        assert first.reports.count() == 2
        assert AuditEntry.objects.filter(case=first, action="merged_in").exists()

    def test_a_stale_version_is_refused_and_changes_nothing(self, world):
        case = submit(world).case
        before = snapshot(case)
        with pytest.raises(StaleCase):
            workflow.accept_case(world.committee, case, expected_version=case.version + 5)
        assert snapshot(case) == before
        workflow.accept_case(world.committee, case, expected_version=case.version)

    def test_an_outsider_may_do_nothing(self, world):
        case = submit(world).case
        before = snapshot(case)
        for user in (world.outsider, world.operator_t2, world.gridworker_v3, world.mediator):
            with pytest.raises(NotAllowed):
                workflow.accept_case(user, case)
        assert snapshot(case) == before
        assert workflow.allowed_actions(world.outsider, case) == []
        assert "accept" in workflow.allowed_actions(world.committee, case)


ILLEGAL = {
    # From each state, actions that must be refused with IllegalTransition.
    S.REPORTED: ["dispatch", "start", "resolve", "verify", "close"],
    S.ACCEPTED: ["accept", "start", "resolve", "verify", "close"],
    S.DISPATCHED: ["accept", "dispatch", "resolve", "verify", "close"],
    S.IN_PROGRESS: ["accept", "reject", "dispatch", "start", "verify", "close"],
    S.RESOLVED: ["accept", "reject", "dispatch", "start", "resolve", "close"],
    S.CLOSED: ["accept", "reject", "dispatch", "start", "resolve", "verify", "close"],
}


def _drive(world, case, state):
    steps = {
        S.ACCEPTED: lambda: workflow.accept_case(world.committee, case),
        S.DISPATCHED: lambda: workflow.dispatch_case(world.operator, case, unit=world.v1_committee),
        S.IN_PROGRESS: lambda: workflow.start_case(world.committee, case),
        S.RESOLVED: lambda: workflow.resolve_case(world.committee, case, result="ok"),
        S.VERIFIED: lambda: workflow.verify_case(world.operator, case, passed=True),
        S.CLOSED: lambda: workflow.close_case(world.operator, case),
    }
    for step in [S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RESOLVED, S.VERIFIED, S.CLOSED]:
        if Case.objects.get(pk=case.pk).state == state:
            return
        steps[step]()


CALLS = {
    "accept": lambda w, c: workflow.accept_case(w.county_operator, c),
    "reject": lambda w, c: workflow.reject_case(w.county_operator, c, reason="x"),
    "dispatch": lambda w, c: workflow.dispatch_case(w.county_operator, c, unit=w.t1_centre),
    "start": lambda w, c: workflow.start_case(w.county_operator, c),
    "resolve": lambda w, c: workflow.resolve_case(w.county_operator, c, result="x"),
    "verify": lambda w, c: workflow.verify_case(w.county_operator, c, passed=True),
    "close": lambda w, c: workflow.close_case(w.county_operator, c),
}


@pytest.mark.parametrize(
    ("state", "action"), [(state, action) for state, actions in ILLEGAL.items() for action in actions]
)
def test_illegal_transitions_are_refused_and_change_nothing(world, state, action):
    case = submit(world, world.hazard).case
    _drive(world, case, state)
    case.refresh_from_db()
    assert case.state == state
    before = snapshot(case)
    # The county operator is a supervisor and, through the county centre, may act on everything
    # allowed to supervisors; a start/resolve needs a handler, so NotAllowed is also a refusal.
    with pytest.raises((IllegalTransition, NotAllowed)):
        CALLS[action](world, case)
    assert snapshot(case) == before


class TestAuditLog:
    def test_entries_cannot_be_changed_or_deleted_through_the_orm(self, world):
        case = submit(world).case
        entry = AuditEntry.objects.get(case=case)
        entry.details = {"forged": True}
        with pytest.raises(PermissionError):
            entry.save()
        with pytest.raises(PermissionError):
            entry.delete()
        with pytest.raises(PermissionError):
            AuditEntry.objects.filter(case=case).update(action="x")
        with pytest.raises(PermissionError):
            AuditEntry.objects.filter(case=case).delete()

    def test_the_database_refuses_updates_and_deletes(self, world):
        case = submit(world).case
        table = AuditEntry._meta.db_table
        for sql in (f"UPDATE {table} SET action = 'forged'", f"DELETE FROM {table}"):
            with pytest.raises(Exception) as error, transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql)
            assert "append-only" in str(error.value)
        assert AuditEntry.objects.get(case=case).action == "report_received"

    def test_a_case_with_history_cannot_be_deleted(self, world):
        case = submit(world).case
        with pytest.raises(ProtectedError), transaction.atomic():
            Case.objects.filter(pk=case.pk).delete()
        assert Case.objects.filter(pk=case.pk).exists()


def test_working_day_deadline_on_intake_uses_the_category_limit(world):
    case = submit(world).case
    workflow.accept_case(world.committee, case)
    workflow.dispatch_case(world.committee, case, unit=world.v1_mediation)
    case.refresh_from_db()
    assert case.stage_limit == {"amount": 15, "unit": "working_days"}  # inherited from 矛盾纠纷


def test_a_case_in_township_t2_is_not_seen_from_t1(world):
    case = intake.submit_report(world.gridworker_v3, report_data(world.neighbours, point=POINT_V3)).case
    assert list(Case.objects.visible_to(world.operator_t2)) == [case]
    assert list(Case.objects.visible_to(world.operator)) == []
    assert list(Case.objects.visible_to(world.county_operator)) == [case]
    assert list(Case.objects.visible_to(world.gridworker)) == []
    assert list(Case.objects.visible_to(world.outsider)) == []


def test_someone_elses_report_id_is_a_conflict(world):
    data = report_data(world.neighbours)
    intake.submit_report(world.gridworker, data)
    with pytest.raises(ReportConflict):
        intake.submit_report(world.committee, dict(data))


def test_only_members_of_a_unit_may_report(world):
    with pytest.raises(NotAllowed):
        intake.submit_report(world.outsider, report_data(world.neighbours))
    assert not Report.objects.exists()


def test_intake_grades_by_severity_and_parties(world):
    calm = submit(world, severity=1).case
    assert calm.grade == world.neighbours.default_grade == "green"
    serious = submit(world, severity=4, lon=114.3, parties=PARTIES).case
    assert serious.grade == "orange"  # two steps up from green
    entry = AuditEntry.objects.get(case=serious, action="report_received")
    assert entry.details["grade"] == "orange"
