"""POST /api/reports/ answers with a receipt built by hand (disputes.api.serializers.receipt) from
what intake just wrote: the same receipt ReceiptSerializer, the documented shape, makes of the
stored report, and no database read for a brand-new report."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.renderers import JSONRenderer

from disputes import intake
from disputes.api import serializers as s
from disputes.api.views import handler_check
from disputes.models import Report
from tests.disputes.conftest import PARTIES, POINT_V1_C1, report_data
from tests.factories import client_for

URL = "/api/reports/"
PHOTO = "ab" * 32
RESULT_PHOTO = "cd" * 32


def documented(user, report_id):
    """The receipt as ReceiptSerializer writes it for the stored report, as JSON."""
    report = Report.objects.get(pk=report_id)
    case = report.case
    context = {"request": None, "handler_of": handler_check(user), "origin": case.point}
    data = s.ReceiptSerializer(
        {"report": report, "case": case, "duplicates": intake.suggest_duplicates(case)}, context=context
    ).data
    return json.loads(JSONRenderer().render(data))


def post(user, data, status=201):
    response = client_for(user).post(URL, data, format="json")
    assert response.status_code == status, response.content
    return response.json()


def assert_same(body, expected):
    assert body == expected
    # The same keys in the same order, at every level.
    assert json.dumps(body, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)


@pytest.mark.parametrize("reporter", ["gridworker", "admin"])
def test_a_new_reports_receipt_is_the_documented_one(world, reporter):
    user = getattr(world, reporter)
    first = report_data(world.neighbours, contact_name="王大妈", contact_phone="13812345678")
    assert_same(post(user, first), documented(user, first["id"]))
    # A second report at the same place: the first is offered as a duplicate, with its distance.
    data = report_data(
        world.neighbours,
        point=(POINT_V1_C1[0] + 0.0001, POINT_V1_C1[1]),
        parties=PARTIES,
        contact_phone="13987654321",
        on_behalf_of="张三",
        photos=[
            {"sha256": PHOTO, "purpose": "evidence"},
            {"sha256": RESULT_PHOTO},
            {"sha256": PHOTO, "purpose": "result"},
        ],
    )
    body = post(user, data)
    assert_same(body, documented(user, data["id"]))
    assert [d["number"] for d in body["duplicates"]] == [Report.objects.get(pk=first["id"]).case.number]
    assert body["duplicates"][0]["distance_m"] > 0
    assert body["report"]["photos"] == [
        {"sha256": PHOTO, "purpose": "result"},
        {"sha256": RESULT_PHOTO, "purpose": "evidence"},
    ]
    # Masked for the gridworker who reported it (not a handler), whole for the superuser.
    phone = body["report"]["contact_phone"]
    assert phone == ("139****4321" if reporter == "gridworker" else "13987654321")
    # A retry gets the same receipt (200), read back from the database.
    again = post(user, data, status=200)
    assert_same(again, body)


def test_a_matter_settled_on_the_spot_and_a_report_without_a_cell(world):
    data = report_data(
        world.neighbours,
        resolved_on_site=True,
        on_site_result="当场调解，双方握手言和",
        photos=[{"sha256": RESULT_PHOTO, "purpose": "result"}],
        accuracy_m=None,
    )
    body = post(world.gridworker, data)
    assert_same(body, documented(world.gridworker, data["id"]))
    assert body["case"]["state"] == "resolved" and body["report"]["accuracy_m"] is None


def test_the_receipt_has_the_documented_keys(world):
    data = report_data(world.neighbours)
    body = post(world.gridworker, data)
    schema = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]

    def keys(name):
        return list(schema[name]["properties"])

    assert list(body) == keys("Receipt")
    assert list(body["report"]) == keys("Report")
    assert list(body["report"]["case"]) == keys("CaseRef")
    assert list(body["case"]) == keys("ReceiptCase")
    assert list(body["report"]["category"]) == keys("CategoryRef")


def test_a_new_reports_receipt_reads_nothing_from_the_database(world):
    data = report_data(world.neighbours, photos=[{"sha256": PHOTO, "purpose": "evidence"}])
    data["category"] = world.neighbours.code
    result = intake.submit_report(world.gridworker, data)
    with CaptureQueriesContext(connection) as queries:
        built = s.receipt(result, handler_check(world.gridworker))
    assert len(queries) == 0, [q["sql"] for q in queries]
    assert built["report"]["photos"] == [{"sha256": PHOTO, "purpose": "evidence"}]
