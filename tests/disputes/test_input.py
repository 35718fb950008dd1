"""Bad or odd input through the API: a clear error in the one shape, or a sensible fold, and
never a 500 or a half-made change."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from disputes.models import Case, Report, ReportPhoto
from tests.disputes.conftest import report_data
from tests.disputes.test_api import assert_error, submit
from tests.factories import client_for


def as_json(data):
    return {**data, "id": str(data["id"]), "occurred_at": data["occurred_at"].isoformat()}


# --- intake -------------------------------------------------------------------------------


def test_a_photo_named_twice_is_one_photo_and_the_report_is_stored(world):
    gridworker = client_for(world.gridworker)
    evidence, result = "a" * 64, "b" * 64
    data = as_json(
        report_data(
            world.neighbours,
            photos=[
                {"sha256": evidence, "purpose": "evidence"},
                {"sha256": evidence},
                {"sha256": result, "purpose": "evidence"},
                {"sha256": result, "purpose": "result"},
            ],
        )
    )
    response = gridworker.post("/api/reports/", data, format="json")
    assert response.status_code == 201, response.content
    stored = dict(ReportPhoto.objects.filter(report_id=data["id"]).values_list("sha256", "purpose"))
    assert stored == {evidence: "evidence", result: "result"}
    # The phone's retry gets the same report back, not a conflict.
    retry = gridworker.post("/api/reports/", data, format="json")
    assert retry.status_code == 200 and retry.json()["report"]["id"] == data["id"]
    assert Report.objects.count() == 1 and Case.objects.count() == 1


def test_occurred_at_within_the_bounds_is_accepted(world, settings):
    settings.REPORT_CLOCK_SKEW_MINUTES = 10
    gridworker = client_for(world.gridworker)
    for occurred in (
        timezone.now() + datetime.timedelta(minutes=9),  # a phone whose clock runs fast
        datetime.datetime(2000, 1, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")),  # the floor itself
    ):
        response = gridworker.post(
            "/api/reports/", as_json(report_data(world.neighbours, occurred_at=occurred)), format="json"
        )
        assert response.status_code == 201, response.content
    settings.REPORT_EARLIEST_DATE = datetime.date(2020, 1, 1)
    old = as_json(report_data(world.neighbours, occurred_at=datetime.datetime(2019, 6, 1, tzinfo=datetime.UTC)))
    body = assert_error(gridworker.post("/api/reports/", old, format="json"), 400, "invalid", "occurred_at")
    assert "2020-01-01" in body["fields"]["occurred_at"][0]
    assert Report.objects.count() == 2


# --- bodies the parsers refuse, and answers Django gives before a view ----------------------


def test_json_nested_too_deep_is_a_400_and_changes_nothing(world):
    gridworker = client_for(world.gridworker)
    deep = "[" * 2000 + "]" * 2000
    assert_error(gridworker.post("/api/reports/", deep, content_type="application/json"), 400, "invalid")
    deep_object = '{"id": ' * 2000 + "1" + "}" * 2000
    assert_error(gridworker.post("/api/reports/", deep_object, content_type="application/json"), 400, "invalid")
    token = client_for().post("/api/auth/token/", deep, content_type="application/json")
    assert_error(token, 400, "invalid")
    assert not Report.objects.exists() and not Case.objects.exists()


def test_a_body_over_the_upload_limit_is_413_in_the_error_shape(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    gridworker = client_for(world.gridworker)
    data = as_json(report_data(world.neighbours, description="很长" * 2000))
    assert_error(gridworker.post("/api/reports/", data, format="json"), 413, "too_large")
    form = gridworker.post("/api/photos/", {"note": "x" * 5000}, format="multipart")
    assert_error(form, 413, "too_large")
    assert not Report.objects.exists()


def test_an_empty_multipart_body_to_photos_names_the_file(world):
    gridworker = client_for(world.gridworker)
    for content_type in ("multipart/form-data; boundary=xyz", "multipart/form-data"):
        response = gridworker.generic("POST", "/api/photos/", b"", content_type=content_type)
        assert_error(response, 400, "invalid", "file")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/nothing/", 404),
        ("post", "/api/nothing/here/", 404),
        ("get", "/api/cases/abc/", 404),
        ("get", "/api/cases/geojson/extra/", 404),
        ("get", "/api/public/cases/", 404),
    ],
)
def test_an_unmatched_api_path_is_json_in_the_error_shape(world, settings, debug, method, path, status):
    settings.DEBUG = debug
    response = getattr(client_for(world.operator), method)(path)
    assert response["Content-Type"] == "application/json"
    assert_error(response, status, "not_found")


# --- query parameters: one rule, a malformed parameter is a 400 naming it -------------------

CASE_LISTS = ["/api/cases/", "/api/cases/geojson/"]
BAD_CASE_PARAMS = [
    ("created_after", "2000-01-01T00:01:19-20:49"),  # an offset PostgreSQL refuses
    ("created_after", "0001-01-01T00:00:00+01:00"),  # before year 1 in UTC
    ("created_before", "9999-12-31T23:59:59-14:00"),  # after year 9999 in UTC
    ("created_before", "1850-01-01T00:00:00Z"),
    ("due_before", "tomorrow"),
    ("created_after", ""),
    ("unit", "abc"),
    ("unit", ""),
    ("region", "abc"),
    ("region", "150922999999"),
    ("region", ""),
    ("category", "nope"),
    ("state", "bogus"),
    ("grade", "purple"),
    ("overdue", "maybe"),
    ("bbox", "1,2,3"),
    ("q", ""),
    ("page", "abc"),
    ("page_size", "abc"),
    ("page_size", "0"),
]
BAD_PARAMS = [
    *((url, name, value) for url in CASE_LISTS for name, value in BAD_CASE_PARAMS),
    ("/api/events/", "after", str(2**70)),
    ("/api/events/", "after", "-1"),
    ("/api/events/", "after", ""),
    ("/api/events/", "limit", "0"),
    ("/api/wall/", "region", ""),
    ("/api/wall/", "region", "abc"),
    ("/api/wall/", "period", "decade"),
    ("/api/reports/", "mine", "maybe"),
    ("/api/reports/", "mine", ""),
    ("/api/reports/", "page", "-1"),
]


@pytest.mark.parametrize(("url", "name", "value"), BAD_PARAMS, ids=lambda v: str(v)[:30])
def test_a_malformed_parameter_is_a_400_naming_it(world, url, name, value):
    submit(world)
    response = client_for(world.county_operator).get(url, {name: value})
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and body["code"].startswith("invalid")
    assert name in body["fields"], body


def test_well_formed_parameters_still_filter(world):
    case = submit(world)
    operator = client_for(world.county_operator)

    def found(**params):
        response = operator.get("/api/cases/", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert found(created_after="2000-01-01T00:01:19+08:00") == [case.pk]
    assert found(created_after="2000-01-01T00:01:19") == [case.pk]  # Beijing time
    assert found(created_before="2000-01-01T00:00:00-12:00") == []
    assert found(unit=case.current_unit.code) == [case.pk]
    assert found(unit=world.t2_centre.code) == []
    assert found(region=world.t1.code) == [case.pk]
    assert found(region=world.c1.code) == [case.pk]
    assert found(region=world.t2.code) == []
    assert found(category="11") == [case.pk]  # with its subcategories
    assert found(category="50") == []
    assert found(overdue="false") == [case.pk]
    assert found(bbox="114,41,115,42") == [case.pk]
    assert found(page="last", page_size="1") == [case.pk]
    assert operator.get("/api/events/", {"after": str(2**63 - 1)}).status_code == 200
    assert operator.get("/api/wall/", {"region": world.t1.code}).status_code == 200


def test_a_uuid_must_be_a_string_not_a_json_integer(world):
    data = {**as_json(report_data(world.neighbours)), "id": 12345}
    response = client_for(world.gridworker).post("/api/reports/", data, format="json")
    assert_error(response, 400, "invalid", "id")
    assert not Report.objects.exists()


def test_these_errors_are_chinese_by_default_and_english_on_request(world):
    operator = client_for(world.county_operator)
    assert operator.get("/api/nothing/").json()["message"] == "此地址不存在。"
    assert operator.get("/api/wall/", {"region": ""}).json()["fields"]["region"] == [
        "请为“region”提供取值，或不带该参数。"
    ]
    english = operator.get("/api/cases/", {"created_after": "2000-01-01T00:01:19-20:49"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["fields"]["created_after"] == ["The UTC offset must lie between -14:00 and +14:00."]
