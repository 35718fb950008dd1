"""Bad or odd input through the API: a clear error in the one shape, or a sensible fold, and
never a 500 or a half-made change."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from disputes.models import Case, Report, ReportPhoto
from tests.disputes.conftest import report_data
from tests.disputes.test_api import assert_error
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
