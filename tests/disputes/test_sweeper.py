"""The deadline sweeper: a warning at 80 % of a stage's working time, escalation when it is past.

Time is controlled by passing `now=` and by setting a case's clock (stage_started_at, due_at)
with a queryset update; nothing mocks the clock. NOW is a Wednesday in a June week with no
holiday, so working days are plain Monday to Friday around it.
"""

import datetime
import os
import signal
import threading
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone, translation

from disputes import deadlines, intake, workflow
from disputes.models import AuditEntry, Case, CaseState
from disputes.sweeper import sweep
from tests.disputes.conftest import report_data
from tests.disputes.test_escalation import build_chain

S = CaseState
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2024, 6, 26, 10, 0, tzinfo=SHANGHAI)
DUE_SOON = datetime.datetime(2024, 6, 27, 17, 30, tzinfo=SHANGHAI)
NOTHING = {"recomputed": 0, "warned": 0, "escalated": 0, "at_top": 0, "supervised": 0}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def chain(world):
    return build_chain(world)


def new_case(world, state=S.ACCEPTED):
    case = intake.submit_report(world.gridworker, report_data(world.neighbours)).case
    if state != S.REPORTED:
        case = workflow.accept_case(world.committee, case)
    return Case.objects.get(pk=case.pk)


def start_for(fraction, due=DUE_SOON, now=NOW):
    """The stage start at which `now` is `fraction` of the way to `due`, in working time (to the minute)."""
    early, late = now - datetime.timedelta(days=60), now
    while late - early > datetime.timedelta(minutes=1):
        middle = early + (late - early) / 2
        if deadlines.elapsed_fraction(middle, due, now) >= fraction:
            early = middle  # far enough back: try later
        else:
            late = middle
    return early


def set_clock(case, start, due):
    Case.objects.filter(pk=case.pk).update(stage_started_at=start, due_at=due, warned_at=None, breached_at=None)
    return Case.objects.get(pk=case.pk)


def at(case, fraction, now=NOW):
    """Put the case's current stage `fraction` of the way through at `now`."""
    if fraction > 1:
        return set_clock(case, now - datetime.timedelta(days=10), now - datetime.timedelta(hours=1))
    return set_clock(case, start_for(fraction, now=now), DUE_SOON)


def actions(case):
    return [entry.action for entry in AuditEntry.objects.filter(case=case).order_by("seq")]


def count(case, action):
    return AuditEntry.objects.filter(case=case, action=action).count()


# --- warnings ---------------------------------------------------------------------------


def test_a_case_at_85_percent_is_warned_once(chain):
    world = chain
    case = at(new_case(world), 0.85)
    assert 0.84 <= deadlines.elapsed_fraction(case.stage_started_at, case.due_at, NOW) < 0.9
    version = case.version

    assert sweep(now=NOW) == {**NOTHING, "warned": 1}
    assert sweep(now=NOW) == NOTHING
    assert sweep(now=NOW + datetime.timedelta(hours=2)) == NOTHING

    case = Case.objects.get(pk=case.pk)
    assert case.warned_at == NOW and case.version == version  # a warning is not an edit
    assert case.state == S.ACCEPTED and case.current_unit == world.v1_committee
    [warning] = AuditEntry.objects.filter(case=case, action="deadline_warning")
    assert warning.actor is None and warning.unit is None and warning.at == NOW
    assert warning.details["stage"] == "dispatch" and 0.84 <= warning.details["elapsed"] < 0.9
    assert warning.details["due_at"] == DUE_SOON.isoformat()
    # The handling unit and its governance centre are told.
    assert warning.details["notify"]["units"] == [world.v1_committee.code, world.t1_centre.code]


def test_below_80_percent_nothing_happens(chain):
    world = chain
    case = at(new_case(world), 0.7)
    assert sweep(now=NOW) == NOTHING
    assert Case.objects.get(pk=case.pk).warned_at is None
    assert count(case, "deadline_warning") == 0


def test_the_warning_names_the_handler(chain):
    world = chain
    case = new_case(world)
    workflow.dispatch_case(world.committee, case, unit=world.v1_committee)
    workflow.start_case(world.committee, Case.objects.get(pk=case.pk))
    at(case, 0.9)
    assert sweep(now=NOW)["warned"] == 1
    [warning] = AuditEntry.objects.filter(case=case, action="deadline_warning")
    assert warning.details["notify"]["handler"] == world.committee.pk


# --- breaches ---------------------------------------------------------------------------


def test_an_overdue_case_is_escalated_once(chain):
    world = chain
    case = at(new_case(world), 1.5)
    due = case.due_at

    assert sweep(now=NOW) == {**NOTHING, "escalated": 1}
    assert sweep(now=NOW) == NOTHING

    case = Case.objects.get(pk=case.pk)
    assert case.current_unit == world.t1_centre and case.first_unit == world.v1_committee
    assert case.state == S.DISPATCHED and case.handler is None
    assert case.stage == "handle" and case.stage_started_at == NOW and case.due_at > NOW
    assert case.breached_at is None and case.warned_at is None  # fresh marks for the fresh stage
    assert actions(case)[-2:] == ["deadline_breached", "escalate"]
    breached, escalated = AuditEntry.objects.filter(case=case).order_by("-seq")[:2][::-1]
    assert breached.details["escalated"] is True and datetime.datetime.fromisoformat(breached.details["due_at"]) == due
    assert breached.details["to_unit"] == world.t1_centre.code
    assert escalated.actor is None and escalated.unit is None and escalated.at == NOW
    assert escalated.details["automatic"] is True and escalated.details["skipped"] == []
    assert escalated.details["from_unit"] == world.v1_committee.code
    assert escalated.details["to_unit"] == world.t1_centre.code
    assert "deadline" in escalated.details["reason"]


def test_escalation_climbs_one_level_per_breach_and_stops_at_the_county(chain):
    world = chain
    case = at(new_case(world), 1.5)
    now = NOW
    outcomes = []
    for _round in range(5):
        outcomes.append(sweep(now=now))
        case = Case.objects.get(pk=case.pk)
        now = (case.due_at or now) + datetime.timedelta(minutes=1)
    assert [sum(o.values()) for o in outcomes] == [1, 1, 1, 0, 0]
    assert outcomes[0]["escalated"] == outcomes[1]["escalated"] == 1 and outcomes[2]["at_top"] == 1
    case = Case.objects.get(pk=case.pk)
    assert case.current_unit == world.county_centre and case.breached_at is not None
    assert [e.details["to_unit"] for e in AuditEntry.objects.filter(case=case, action="escalate")] == [
        world.t1_centre.code,
        world.county_centre.code,
    ]
    last = AuditEntry.objects.filter(case=case, action="deadline_breached").order_by("-seq").first()
    assert last.details["at_top"] is True and last.details["supervise"] is True
    assert count(case, "deadline_breached") == 3


def test_a_warned_stage_is_escalated_when_late_and_the_new_stage_can_be_warned_again(chain):
    world = chain
    case = at(new_case(world), 0.85)
    assert sweep(now=NOW)["warned"] == 1
    later = DUE_SOON + datetime.timedelta(hours=1)
    assert sweep(now=later) == {**NOTHING, "escalated": 1}
    case = Case.objects.get(pk=case.pk)
    assert case.warned_at is None
    # Late in the new stage (its last working hour): warned again, once.
    near_due = case.due_at - datetime.timedelta(minutes=30)
    assert deadlines.elapsed_fraction(case.stage_started_at, case.due_at, near_due) > 0.9
    assert sweep(now=near_due)["warned"] == 1
    assert sweep(now=near_due) == NOTHING
    assert count(case, "deadline_warning") == 2


def test_a_case_that_cannot_be_escalated_in_its_state_is_flagged_for_supervision(chain):
    world = chain
    case = at(new_case(world, state=S.REPORTED), 1.5)
    assert sweep(now=NOW) == {**NOTHING, "supervised": 1}
    assert sweep(now=NOW) == NOTHING
    case = Case.objects.get(pk=case.pk)
    assert case.state == S.REPORTED and case.current_unit == world.v1_committee and case.breached_at == NOW
    [entry] = AuditEntry.objects.filter(case=case, action="deadline_breached")
    assert entry.details["supervise"] is True and entry.details["at_top"] is False
    assert count(case, "escalate") == 0


def test_paused_and_closed_cases_are_left_alone(chain):
    world = chain
    paused = workflow.request_materials(world.committee, new_case(world), items=["身份证复印件"])
    rejected = workflow.reject_case(world.committee, new_case(world, state=S.REPORTED), reason="不属于受理范围")
    closed = new_case(world)
    Case.objects.filter(pk=closed.pk).update(state=S.CLOSED)
    for case in (paused, rejected, closed):
        at(case, 1.5)
    warned = [at(c, 0.9) for c in (new_case(world), new_case(world))]
    Case.objects.filter(pk=warned[0].pk).update(state=S.DEFERRED)
    Case.objects.filter(pk=warned[1].pk).update(state=S.MERGED)
    cases = Case.objects.filter(pk__in=[c.pk for c in (paused, rejected, closed, *warned)])
    before = {case.pk: (case.state, case.version, len(actions(case))) for case in cases}
    assert {state for state, _version, _entries in before.values()} == {
        S.AWAITING_MATERIALS,
        S.REJECTED,
        S.CLOSED,
        S.DEFERRED,
        S.MERGED,
    }

    assert sweep(now=NOW) == NOTHING
    for pk, (state, version, entries) in before.items():
        case = Case.objects.get(pk=pk)
        assert (case.state, case.version, len(actions(case))) == (state, version, entries)
        assert case.warned_at is None and case.breached_at is None


def test_a_sweep_is_idempotent_over_many_cases(chain):
    world = chain
    overdue = [at(new_case(world), 1.5) for _ in range(5)]
    soon = [at(new_case(world), 0.85) for _ in range(5)]
    first = sweep(now=NOW, batch=2)
    assert first == {**NOTHING, "warned": 5, "escalated": 5}
    assert sweep(now=NOW, batch=2) == NOTHING
    assert all(count(case, "escalate") == 1 for case in overdue)
    assert all(count(case, "deadline_warning") == 1 for case in soon)


# --- the command ------------------------------------------------------------------------


def test_run_deadlines_once(chain, capsys):
    world = chain
    real_now = timezone.now()
    overdue = set_clock(
        new_case(world), real_now - datetime.timedelta(days=30), real_now - datetime.timedelta(minutes=5)
    )
    call_command("run_deadlines")
    assert "escalated 1" in capsys.readouterr().out
    assert Case.objects.get(pk=overdue.pk).current_unit == world.t1_centre
    call_command("run_deadlines")
    assert "escalated 0" in capsys.readouterr().out
    assert count(overdue, "escalate") == 1


def test_run_deadlines_loop_stops_cleanly_on_sigterm(chain, capsys):
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        call_command("run_deadlines", "--loop", "--interval", "0.05")
    finally:
        timer.cancel()
    out = capsys.readouterr().out
    assert "warned 0" in out and "stopped" in out
    assert signal.getsignal(signal.SIGTERM) is not None


# --- several sweepers at once (PostGIS) -------------------------------------------------


@pytest.fixture
def world_tx(transactional_db, request):
    return request.getfixturevalue("world")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs parallel connections to a server database (PostGIS run)"
)
@pytest.mark.parametrize(("sweepers", "batch"), [(2, 200), (4, 3)])
def test_concurrent_sweepers_escalate_and_warn_each_case_exactly_once(world_tx, sweepers, batch):
    world = build_chain(world_tx)
    overdue = [at(new_case(world), 1.5) for _ in range(20)]
    soon = [at(new_case(world), 0.85) for _ in range(20)]
    barrier = threading.Barrier(sweepers)
    results = [None] * sweepers

    def worker(index):
        try:
            barrier.wait()
            results[index] = sweep(now=NOW, batch=batch)
        except Exception as error:  # noqa: BLE001 - collected for the assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(sweepers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert all(isinstance(result, dict) for result in results), results
    assert sum(result["escalated"] for result in results) == 20
    assert sum(result["warned"] for result in results) == 20
    assert sum(result["at_top"] + result["supervised"] for result in results) == 0
    for case in overdue:
        assert count(case, "escalate") == 1 and count(case, "deadline_breached") == 1
        case = Case.objects.get(pk=case.pk)
        assert case.current_unit == world.t1_centre and case.due_at > NOW
    for case in soon:
        assert count(case, "deadline_warning") == 1 and count(case, "escalate") == 0
    # And a second round of sweepers finds nothing left to do.
    assert sweep(now=NOW) == NOTHING
