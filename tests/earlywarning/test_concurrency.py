"""Several copies at once, on PostGIS with real parallel connections (SQLite serialises writers):
one copy analyses a region, one warning is raised per (kind, place), one act wins."""

import pytest
from django.db import connection

from earlywarning import analysis, services
from earlywarning.models import AnalysisRun, Warning, WarningEntry
from realtime.models import Event
from tests.disputes.test_concurrency import run_together

from .conftest import case_at
from .test_api import raise_trend

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs parallel connections to a server database (PostGIS run)"
)


@pytest.fixture
def world_tx(transactional_db, request):
    return request.getfixturevalue("world")


def test_concurrent_analyses_of_one_region_run_once_and_raise_once(world_tx):
    world = world_tx
    for i in range(6):
        case_at(world, 1 + i % 5)
    results = run_together(lambda i: analysis.run(world.county, permutations=0), count=4)
    assert all(isinstance(r, analysis.Summary) for r in results), results
    ran = [r for r in results if not r.skipped]
    assert len(ran) >= 1 and sum(r.raised for r in results) == Warning.objects.count() >= 1
    # Whoever ran later found the warnings open and raised nothing new.
    assert Warning.objects.values("kind", "place_key").distinct().count() == Warning.objects.count()
    assert AnalysisRun.objects.get(region=world.county).finished_at is not None


def test_concurrent_raises_of_one_finding_make_one_warning(world_tx):
    world = world_tx
    results = run_together(lambda i: raise_trend(world, n=3 + i), count=6)
    assert all(isinstance(r, Warning) for r in results), results
    assert Warning.objects.count() == 1
    assert WarningEntry.objects.filter(action="raised").count() == 1
    assert Event.objects.filter(kind="warning_raised").count() == 1


def test_concurrent_dismissals_one_wins(world_tx):
    world = world_tx
    warning = raise_trend(world)
    results = run_together(
        lambda i: services.dismiss(world.operator, warning, reason=f"理由{i}", expected_version=1), count=4
    )
    assert sum(isinstance(r, Warning) for r in results) == 1, results
    assert WarningEntry.objects.filter(action="dismissed").count() == 1
