"""`manage.py simulate`: made-up activity in the demo county, only through the services."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from demo.simulation import MOVING_STATES, Simulation
from disputes.identity import validate_id_number
from disputes.linkage.chain import build_standard_chain
from disputes.models import AuditEntry, Case, CaseState, JointTask, Party, Report
from disputes.sweeper import sweep
from grid.models import Member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True  # the test runner turns DEBUG off; the demo and its simulation are for development


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())
    build_standard_chain()
    yield


def simulate(*args):
    out = StringIO()
    call_command("simulate", *args, stdout=out)
    return out.getvalue()


def audit_trail():
    """What happened, in order, without row ids, numbers or times: (action, category code, actor)."""
    return [
        (entry.action, entry.case.category.code, entry.actor.username if entry.actor else None)
        for entry in AuditEntry.objects.select_related("case__category", "actor").order_by("seq")
    ]


class Rollback(Exception):
    pass


def test_simulation_moves_cases_through_the_services_and_replays_with_its_seed(demo):
    try:
        with transaction.atomic():
            first_output = simulate("--once", "60", "--seed", "1")
            first = audit_trail()
            raise Rollback
    except Rollback:
        pass
    assert not Case.objects.exists()  # fresh data again

    output = simulate("--once", "60", "--seed", "1")
    assert audit_trail() == first  # the same seed on the same data: the same actions, categories and people
    assert output.splitlines()[-1].split(" s: ")[1] == first_output.splitlines()[-1].split(" s: ")[1]

    cases = list(Case.objects.select_related("category"))
    states = {case.state for case in cases}
    assert len(states) >= 4, states
    actions = {action for action, _code, _actor in first}
    assert {"report_received", "accept", "dispatch", "start", "resolve", "verify", "close"} <= actions
    assert len({actor for _action, _code, actor in first if actor}) >= 8  # reporters, handlers, verifiers, operators
    lines = output.splitlines()
    assert len(lines) >= 61 and lines[-1].startswith("simulate (seed 1)")
    report_line = next(line for line in lines if line.startswith("report "))
    assert report_line.split(" by ")[0].count(" ") >= 3  # report <number> <category> <village> by <name>

    # Every report lies in one of its reporter's own cells.
    reports = list(Report.objects.select_related("cell", "reporter"))
    assert len(reports) >= 5
    for report in reports:
        own = set(Member.objects.filter(user=report.reporter).values_list("cells", flat=True))
        assert report.cell_id in own
        assert report.cell.boundary.contains(report.point)
        assert report.occurred_at <= report.received_at

    # Nothing wrote a case behind the services' back: every change bumped the version once and left an
    # audit entry, and the entries chain from state to state up to the case's state.
    for case in cases:
        trail = list(AuditEntry.objects.filter(case=case).order_by("seq"))
        assert trail[0].action == "report_received" and trail[0].from_state == ""
        assert case.version == len(trail) >= 1
        for before, after in zip(trail, trail[1:], strict=False):
            assert after.from_state == before.to_state, (case.number, before.action, after.action)
        assert trail[-1].to_state == case.state

    # Disputes have parties with valid (made-up) ID numbers and masked phones.
    parties = list(Party.objects.all())
    assert parties
    for party in parties:
        if party.id_number:
            validate_id_number(party.id_number)
        assert "****" in party.phone
    assert all(case.kind == "dispute" for case in Case.objects.filter(parties__isnull=False))


def test_joint_handling_escalation_and_backfill(demo):
    simulate("--once", "0", "--seed", "5", "--backfill", "25")
    cases = Case.objects.all()
    assert cases.count() == 25
    assert Report.objects.filter(occurred_at__lt=timezone.now() - datetime.timedelta(minutes=50)).count() == 25
    assert cases.filter(state=CaseState.CLOSED).count() >= 8  # most of the history is done with
    assert cases.exclude(state=CaseState.CLOSED).exists()

    output = simulate("--once", "120", "--seed", "2", "-v", "1")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"escalate", "summon", "task_answered", "record_follow_up"} <= actions, actions
    # A summons calls two township offices; their answers resolve the case.
    for case in Case.objects.filter(audit__action="summon").distinct():
        tasks = list(JointTask.objects.filter(case=case).select_related("unit"))
        assert len(tasks) >= 2
        assert all(task.unit.region_id == tasks[0].unit.region_id for task in tasks)
    assert "follow_up" in output

    # A few cases were left alone; the deadline sweeper finds them overdue and acts on them.
    simulation = Simulation(seed=2)
    left_alone = [case for case in simulation.cases(MOVING_STATES) if simulation.neglected(case)]
    assert left_alone
    sweep(now=timezone.now() + datetime.timedelta(days=60))
    for case in left_alone:
        assert AuditEntry.objects.filter(case=case, action="deadline_breached").exists()


def test_the_command_refuses_without_the_demo_county_or_with_debug_off(settings):
    with pytest.raises(CommandError, match="seed_demo"):
        simulate("--once", "1")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        simulate("--once", "1")
    settings.DEBUG = True
    with pytest.raises(CommandError):
        simulate("--rate", "0")
