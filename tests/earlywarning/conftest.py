"""The early-warning tests' world is the one in tests/worlds.py; cases come through intake."""

import datetime

import pytest
from django.utils import timezone

from disputes import intake
from disputes.models import Case, Report
from tests import worlds
from tests.disputes.conftest import report_data
from tests.worlds import POINT_V1_C1, POINT_V3


@pytest.fixture
def world(db):
    return worlds.build()


def case_at(world, days_ago, point=POINT_V1_C1, description="两户因宅前排水沟堵塞发生争吵", parties=(), hours=1):
    """A case reported through intake, then dated `days_ago` days back (and `hours` more): when it
    happened (its report's `occurred_at`, which the analysis counts) and when it was received."""
    reporter = world.gridworker_v3 if point == POINT_V3 else world.gridworker
    data = report_data(world.neighbours, point=point, description=description, parties=list(parties))
    case = intake.submit_report(reporter, data).case
    when = timezone.now() - datetime.timedelta(days=days_ago, hours=hours)
    Case.objects.filter(pk=case.pk).update(created_at=when)
    Report.objects.filter(case=case).update(occurred_at=when, received_at=when)
    case.created_at = when
    return case
