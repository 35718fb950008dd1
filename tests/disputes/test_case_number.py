"""A case's number is the date it was opened and its id: written with the row on PostgreSQL (a
trigger in the INSERT), by an UPDATE on SQLite; the same either way, and what intake hands back."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import intake
from disputes.models import Case
from disputes.workflow.opening import case_number
from tests.disputes.conftest import report_data


def test_the_number_is_the_date_and_the_id_as_stored(world):
    result = intake.submit_report(world.gridworker, report_data(world.neighbours))
    case = result.case
    assert case.number == f"{timezone.localtime(case.created_at):%y%m%d}{case.pk:06d}"
    assert Case.objects.get(pk=case.pk).number == case.number


def test_case_number_pads_to_six_digits_and_never_cuts():
    assert case_number("261206", 42) == "261206000042"
    assert case_number("261206", 1234567) == "2612061234567"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_writes_the_number_in_the_insert_also_past_a_million(world):
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('disputes_case', 'id'), 1234566)")
    with CaptureQueriesContext(connection) as queries:
        result = intake.submit_report(world.gridworker, report_data(world.neighbours))
    case = result.case
    assert case.pk == 1234567
    assert Case.objects.get(pk=case.pk).number == case.number == f"{timezone.localtime(case.created_at):%y%m%d}1234567"
    assert not [q for q in queries if q["sql"].startswith('UPDATE "disputes_case" SET "number"')]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_a_number_given_in_full_is_left_alone(world):
    case = intake.submit_report(world.gridworker, report_data(world.neighbours)).case
    case.pk = None
    case.number = "991231000001"
    case.save(force_insert=True)
    assert Case.objects.get(pk=case.pk).number == "991231000001"
