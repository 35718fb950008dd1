"""Bad or odd input through the API: a clear error in the one shape, or a sensible fold, and
never a 500 or a half-made change."""

from disputes.models import Case, Report, ReportPhoto
from tests.disputes.conftest import report_data
from tests.disputes.test_api import assert_error  # noqa: F401 - used by the tests below
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
