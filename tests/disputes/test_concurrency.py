"""Concurrent retries and concurrent transitions, on PostGIS with real parallel connections.

SQLite serialises writers (and the test database is in memory, private to one connection),
so these run only on PostgreSQL, which CI always runs.
"""

import threading

import pytest
from django.db import connection, connections

from core.errors import IllegalTransition, ReportConflict, StaleCase
from disputes import intake, workflow
from disputes.models import AuditEntry, Case, Report
from tests.disputes.conftest import report_data

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs parallel connections to a server database (PostGIS run)"
)

THREADS = 8


def run_together(target, count=THREADS):
    """Start `count` threads at the same instant; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:  # noqa: BLE001 - collected for the assertions
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def world_tx(transactional_db, request):
    return request.getfixturevalue("world")


def test_concurrent_replays_of_one_report_store_exactly_one(world_tx):
    world = world_tx
    data = report_data(world.neighbours)
    results = run_together(lambda i: intake.submit_report(world.gridworker, dict(data)))
    assert all(isinstance(r, intake.IntakeResult) for r in results), results
    assert sum(r.created for r in results) == 1
    assert {r.report.pk for r in results} == {data["id"]}
    assert len({r.case.pk for r in results}) == 1
    assert Report.objects.count() == 1 and Case.objects.count() == 1
    assert AuditEntry.objects.filter(action="report_received").count() == 1


def test_concurrent_different_reports_under_one_id_one_wins_the_rest_conflict(world_tx):
    world = world_tx
    data = report_data(world.neighbours)
    results = run_together(lambda i: intake.submit_report(world.gridworker, {**data, "description": f"第{i}种说法"}))
    created = [r for r in results if isinstance(r, intake.IntakeResult)]
    conflicts = [r for r in results if isinstance(r, ReportConflict)]
    assert len(created) == 1 and created[0].created
    assert len(conflicts) == THREADS - 1
    assert Report.objects.count() == 1
    assert Report.objects.get().description == created[0].report.description


def test_concurrent_transitions_on_one_case_exactly_one_wins(world_tx):
    world = world_tx
    case = intake.submit_report(world.gridworker, report_data(world.neighbours)).case
    version = case.version
    actors = [world.committee, world.operator, world.county_operator, world.committee] * 2
    results = run_together(
        lambda i: workflow.accept_case(actors[i], Case.objects.get(pk=case.pk), expected_version=version)
    )
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, StaleCase | IllegalTransition)]
    assert len(winners) == 1, results
    assert len(losers) == THREADS - 1, results
    case.refresh_from_db()
    assert case.state == "accepted" and case.version == version + 1
    assert AuditEntry.objects.filter(case=case, action="accept").count() == 1


def test_concurrent_different_transitions_exactly_one_wins(world_tx):
    world = world_tx
    case = intake.submit_report(world.gridworker, report_data(world.neighbours)).case

    def act(i):
        fresh = Case.objects.get(pk=case.pk)
        if i % 2:
            return workflow.reject_case(world.operator, fresh, reason="不予受理")
        return workflow.accept_case(world.committee, fresh)

    results = run_together(act)
    assert sum(isinstance(r, Case) for r in results) == 1, results
    case.refresh_from_db()
    entries = AuditEntry.objects.filter(case=case).exclude(action="report_received")
    assert entries.count() == 1 and entries.get().to_state == case.state
