"""Bad or odd input through the API: a clear error in the one shape, or a sensible fold, and
never a 500 or a half-made change."""

import datetime
import zoneinfo

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
