"""Every answer has the shape of the specification's published example for it (fixtures/), in JSON and XML."""

import urllib.parse

import pytest

from disputes.models import Report
from tests.open311.helpers import BASE, FIXTURES, body, fixture, keys, post, request_fields, tags

pytestmark = pytest.mark.django_db


def test_discovery(client, world):
    assert keys(body(client.get(f"{BASE}/discovery.json"))) == keys(fixture("discovery.json"))
    xml = body(client.get(f"{BASE}/discovery.xml"))
    assert xml.tag == "discovery"
    assert tags(xml) == tags(fixture("discovery.xml"))
    assert [f.text for f in xml.iter("format")] == ["text/xml", "application/json"]


def test_service_list(client, world):
    example_json, example_xml = fixture("services.json"), fixture("services.xml")
    ours = body(client.get(f"{BASE}/services.json"))
    assert ours and all(set(item) == set(example_json[0]) for item in ours)
    assert {type(item["metadata"]) for item in ours} == {bool}
    xml = body(client.get(f"{BASE}/services.xml"))
    assert xml.tag == example_xml.tag == "services"
    assert {child.tag for child in xml} == {"service"}
    assert all({field.tag for field in service} == set(tags(example_xml)["service"]) for service in xml)
    assert xml.find("service/metadata").text == "false"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(client, world, fmt):
    answer = body(client.get(f"{BASE}/services/5201.{fmt}"))
    example = fixture(f"service_definition.{fmt}")
    if fmt == "json":
        assert set(answer) == set(example) and answer == {"service_code": "5201", "attributes": []}
    else:
        assert answer.tag == example.tag == "service_definition"
        assert [child.tag for child in answer] == [child.tag for child in example]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_example_post_is_taken(client, world, key, fmt):
    """The spec's example request, every optional field and attribute[...] included, stores one report."""
    text = (FIXTURES / "post_request.txt").read_text().strip().replace("KEY", urllib.parse.quote(key))
    response = client.post(
        f"{BASE}/requests.{fmt}", text, content_type="application/x-www-form-urlencoded; charset=utf-8"
    )
    assert response.status_code == 201, response.content
    answer, example = body(response), fixture(f"post_response.{fmt}")
    if fmt == "json":
        assert keys(answer) == keys(example)
        assert answer[0]["account_id"] is None
    else:
        assert tags(answer) == tags(example)
    report = Report.objects.get()
    assert report.source == "open311" and report.description == "村口垃圾堆放三天无人清理"
    assert report.contact_name == "李明" and report.contact_phone == "13800000000"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_requests(client, world, key, publish, fmt):
    publish("52")
    post(client, **request_fields(key))
    answer, example = body(client.get(f"{BASE}/requests.{fmt}")), fixture(f"requests.{fmt}")
    if fmt == "json":
        assert len(answer) == 1 and keys(answer) == keys(example)
    else:
        assert answer.tag == "service_requests" and len(answer) == 1
        assert tags(answer) == tags(example)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors(client, world, fmt):
    response = post(client, fmt, **request_fields("o311_wrong"))
    assert response.status_code == 403
    answer, example = body(response), fixture(f"errors.{fmt}")
    if fmt == "json":
        assert keys(answer) == keys(example) and answer[0]["code"] == 403
    else:
        assert tags(answer) == tags(example) and answer.find("error/code").text == "403"
