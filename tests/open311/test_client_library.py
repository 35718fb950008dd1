"""An existing Open311 client, not our own: the `georeport` package from PyPI (GeoReport v2, JSON and XML)
reads a live server of ours. It has no POST, so the spec's form-encoded POST goes through `requests`,
as such clients send it."""

import pytest
import requests
from django.db import connection
from georeport import GeoReport

from disputes.models import AuditEntry, AuditPurgePermit, Report
from tests import worlds
from tests.open311.helpers import request_fields


@pytest.fixture
def world(transactional_db):
    """The test world, committed: the live server's thread reads it through its own connection."""
    yield worlds.build()
    # The flush that ends the test empties tables in no set order; should it empty the purge permits
    # before the append-only audit log, the log's trigger refuses. Empty the log first, under a permit.
    AuditPurgePermit.objects.create(reason="test teardown")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEntry._meta.db_table}")  # the model's own delete() refuses


@pytest.fixture
def endpoint(live_server, world):
    return f"{live_server.url}/open311/v2"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    # The live server is on this machine: a proxy set in the environment must not carry the requests away.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_our_server(endpoint, key, publish, fmt):
    publish("52")
    posted = requests.post(
        f"{endpoint}/requests.{fmt}", data=request_fields(key, client_request_id="app-1"), timeout=30
    )
    assert posted.status_code == 201, posted.text
    again = requests.post(f"{endpoint}/requests.{fmt}", data=request_fields(key, client_request_id="app-1"), timeout=30)
    assert again.status_code == 200 and Report.objects.count() == 1
    number = Report.objects.get().case.number

    georeport = GeoReport(endpoint, jurisdiction="150922", output_format=fmt)
    services = georeport.get_service_list()
    codes = [service["service_code"] for service in services]
    assert "5201" in codes and "52" not in codes
    rubbish = services[codes.index("5201")]
    assert rubbish["group"] == "环境卫生" and rubbish["type"] == "realtime"

    definition = georeport.get_service_definition("5201")
    assert definition["service_code"] == "5201"

    found = georeport.get_service_requests(service_code="5201", status="open")
    # xmltodict gives a lone <request> as a dict, several as a list: here there is exactly one.
    found = found if isinstance(found, list) else [found]
    assert [item["service_request_id"] for item in found] == [number]
    one = georeport.get_service_request(number)
    assert one["service_request_id"] == number and one["status"] == "open"
    assert float(one["lat"]) == 41.5 and float(one["long"]) == 114.25

    with pytest.raises(requests.HTTPError) as refused:
        georeport.get_service_request("000000000000")
    assert refused.value.response.status_code == 404


def test_georeport_sees_the_spec_errors(endpoint):
    with pytest.raises(requests.HTTPError) as refused:
        GeoReport(endpoint).get_service_requests(start_date="2026-01-01T00:00:00Z", end_date="2026-12-01T00:00:00Z")
    assert refused.value.response.status_code == 400
    assert refused.value.response.json()[0]["code"] == 400
    bad_key = requests.post(f"{endpoint}/requests.xml", data=request_fields("o311_guess"), timeout=30)
    assert bad_key.status_code == 403 and b"<code>403</code>" in bad_key.content
    assert not Report.objects.exists()
