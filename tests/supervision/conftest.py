"""The supervision tests' world is the one in tests/worlds.py, with the escalation chain of the
disputes tests; a case opened by the gridworker of c1 is handled by 东沟村村委会 (committee)."""

import pytest
from django.utils import translation

from disputes import intake, workflow
from disputes.models import Case, CaseState
from tests import worlds
from tests.disputes.conftest import report_data
from tests.disputes.test_escalation import build_chain


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    return build_chain(worlds.build())


def new_case(world, state=CaseState.ACCEPTED, **report):
    case = intake.submit_report(world.gridworker, report_data(world.neighbours, **report)).case
    if state != CaseState.REPORTED:
        case = workflow.accept_case(world.committee, case)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def case(world):
    return new_case(world)
