"""Concurrent resends of one posted request store it once, on PostGIS with real parallel connections."""

import pytest
from django.db import connection

from disputes.models import AuditEntry, Case, Report
from open311 import services
from tests import worlds
from tests.disputes.test_concurrency import run_together
from tests.open311.helpers import request_fields

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs parallel connections to a server database (PostGIS run)"
)


@pytest.fixture
def world(transactional_db):
    return worlds.build()


def test_concurrent_resends_with_the_clients_own_id_store_once(world):
    client, key = services.create_client("城市服务App")
    fields = request_fields(key, client_request_id="crm-7")
    results = run_together(lambda i: services.submit_request(client, fields))
    assert all(isinstance(result, tuple) for result in results), results
    assert sum(created for _, created in results) == 1
    assert len({case.number for case, _ in results}) == 1
    assert Report.objects.count() == Case.objects.count() == 1
    assert AuditEntry.objects.filter(action="report_received").count() == 1
