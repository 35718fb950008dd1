"""GET /api/assessment/: scoped to the caller's regions, bad parameters named, the wall's numbers."""

import pytest
from django.utils import timezone

from assessment import periods
from tests.disputes.conftest import POINT_V3
from tests.disputes.stories import closed, handled, new_case
from tests.factories import client_for

URL = "/api/assessment/"


@pytest.fixture
def scene(world):
    closed(world, world.v1_committee, world.committee)
    closed(world, world.t2_centre, world.operator_t2, finder=world.gridworker_v3, point=POINT_V3)
    handled(world, world.t1_justice, world.justice)
    new_case(world)


def test_a_township_operator_sees_their_township_and_villages(world, scene):
    body = client_for(world.operator).get(URL).json()
    assert body["region"]["code"] == world.t1.code and body["ranking_kind"] == "areas"
    assert {row["code"] for row in body["ranking"]} == {world.v1.code, world.v2.code}
    assert client_for(world.operator).get(URL, {"region": world.v1.code}).json()["ranking_kind"] == "people"
    outside = client_for(world.operator).get(URL, {"region": world.t2.code})
    assert outside.status_code == 403 and outside.json()["code"]
    assert client_for(world.gridworker).get(URL).status_code == 403


def test_the_units_are_ranked_within_the_region_and_a_month_links_its_report(world, scene):
    body = client_for(world.operator).get(URL).json()
    units = {row["code"]: row for row in body["units"]}
    assert world.t2_centre.code not in units  # another township's unit
    assert {world.v1_committee.code, world.t1_justice.code, world.t1_centre.code} <= set(units)
    assert units[world.v1_committee.code]["counts"]["closed"] == 1
    # The committee that closed its case ranks first; units with equal scores share a rank.
    assert units[world.v1_committee.code]["rank"] == 1
    assert units[world.t1_justice.code]["rank"] == units[world.t1_centre.code]["rank"] == 2
    month = body["period"]["code"]
    assert body["links"]["monthly_pdf"].endswith(f"region={world.t1.code}&period={month}&output=pdf")
    report = client_for(world.operator).get(body["links"]["monthly_html"])
    assert report.status_code == 200 and world.t1.name in report.content.decode()
    quarter = client_for(world.operator).get(URL, {"period": "2026-Q4"}).json()
    assert "monthly_html" not in quarter["links"]


def test_bad_parameters_are_named(world):
    response = client_for(world.county_operator).get(URL, {"period": "2026-13", "region": "12"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"period", "region"}
    trend = client_for(world.county_operator).get(URL + "trend/", {"indicator": "nope"})
    assert trend.status_code == 400 and "indicator" in trend.json()["fields"]


def test_the_wall_shows_the_numbers_of_the_assessment_for_the_same_region_and_period(world, scene):
    client = client_for(world.county_operator)
    board = client.get("/api/wall/", {"period": "month"}).json()
    month = periods.current_month()
    assessment = client.get(URL, {"period": month.code}).json()
    found = {row["key"]: row["value"] for row in assessment["indicators"]}
    # Both count the running month up to now.
    for key in ("closure_rate", "on_time_rate", "satisfaction_rate", "local_rate"):
        assert board["indicators"][key] == found[key], key
    assert board["indicators"]["due"] == found["due"] and board["indicators"]["overdue"] == found["overdue"]
    by_code = {row["code"]: row for row in assessment["ranking"]}
    for row in board["ranking"]:
        assert by_code[row["code"]]["values"]["closure_rate"] == row["closure_rate"]
        assert by_code[row["code"]]["counts"]["due"] == row["cases"]


def test_the_trend_has_twelve_months(world, scene):
    body = client_for(world.county_operator).get(URL + "trend/", {"indicator": "closure_rate"}).json()
    assert len(body["points"]) == 12 and body["points"][-1]["period"] == periods.current_month().code
    assert body["points"][-1]["value"] == pytest.approx(2 / 4)  # two closed of four due
    assert timezone.now()
