"""GET /maps/cases.geojson: the cases in view at a zoom, as clusters with exact counts or, at street
zoom, one feature per case; wide views from the per-square counts kept with every change."""

import pytest
from django.contrib.gis.geos import Polygon

from disputes import grading, workflow
from disputes.models import Case
from maps import casemap
from maps.models import CaseSquare
from tests.disputes.stories import new_case
from tests.factories import client_for
from tests.worlds import POINT_V1_C1, POINT_V1_C2, POINT_V3

URL = "/maps/cases.geojson"
COUNTY = "113.9,40.9,116.1,43.1"
NEAR_C1 = (114.2501, 41.5001)


def get(user, **query):
    response = client_for(user).get(URL, query)
    assert response.status_code == 200, response.content
    return response.json()


def clusters(body):
    return sorted(
        (f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][1], f["properties"]["count"])
        for f in body["features"]
    )


@pytest.fixture
def cases(world):
    made = [new_case(world, point=POINT_V1_C1) for _ in range(3)]
    made.append(new_case(world, point=NEAR_C1))
    made.append(new_case(world, point=POINT_V1_C2))
    made += [new_case(world, point=POINT_V3, category=world.incidents) for _ in range(2)]
    return made


def test_a_county_view_is_clusters_from_the_summary_with_exact_counts(world, cases):
    body = get(world.admin, bbox=COUNTY, zoom=8)
    assert body["type"] == "FeatureCollection" and body["source"] == "summary" and body["zoom"] == 8
    assert body["count"] == len(cases) == sum(f["properties"]["count"] for f in body["features"])
    assert all(f["properties"]["cluster"] and f["id"] is None for f in body["features"])
    # At zoom 11 the three cases at one place and the one 10 m away are one cluster, at its centroid.
    body = get(world.admin, bbox=COUNTY, zoom=11)
    c1 = [row for row in clusters(body) if row[2] == 4]
    assert len(c1) == 1
    assert c1[0][0] == pytest.approx((3 * 114.25 + 114.2501) / 4) and c1[0][1] == pytest.approx(
        (3 * 41.5 + 41.5001) / 4
    )


def test_the_summary_answers_as_grouping_the_cases_would(world, cases):
    for zoom in (6, 9, 11, 12, 13):
        summary = get(world.county_operator, bbox=COUNTY, zoom=zoom)
        assert summary["source"] == "summary"
        box = Polygon.from_bbox([float(v) for v in COUNTY.split(",")])
        box.srid = 4326
        raw = casemap.clusters_from_cases(Case.objects.filter(point__contained=box), zoom)
        assert sum(row[2] for row in raw) == summary["count"] == len(cases)
        assert len(raw) == len(summary["features"])


def test_street_zoom_gives_one_feature_per_case_as_the_case_layer_does(world, cases):
    body = get(world.admin, bbox="114.24,41.49,114.26,41.51", zoom=16)
    assert body["source"] == "points" and body["count"] == 4
    ids = {f["id"] for f in body["features"]}
    assert ids == {case.pk for case in cases[:4]}
    feature = body["features"][0]
    assert {"number", "state", "grade", "category", "due_at", "overdue"} <= set(feature["properties"])


def test_state_and_grade_filter_the_summary_and_other_filters_group_the_cases(world, cases):
    workflow.accept_case(world.county_operator, cases[0])
    body = get(world.admin, bbox=COUNTY, zoom=8, state="accepted")
    assert (body["source"], body["count"]) == ("summary", 1)
    body = get(world.admin, bbox=COUNTY, zoom=8, state="reported")
    assert body["count"] == len(cases) - 1
    body = get(world.admin, bbox=COUNTY, zoom=8, category=world.incidents.code)
    assert (body["source"], body["count"]) == ("cases", 2)
    body = get(world.admin, bbox=COUNTY, zoom=8, q=cases[1].number)
    assert (body["source"], body["count"]) == ("cases", 1)


def test_the_counts_follow_every_change_in_its_transaction(world, cases):
    def by_state():
        return {
            state: sum(CaseSquare.objects.filter(level=10, state=state).values_list("n", flat=True))
            for state in ("reported", "accepted", "rejected")
        }

    assert by_state() == {"reported": 7, "accepted": 0, "rejected": 0}
    workflow.accept_case(world.county_operator, cases[0])
    workflow.reject_case(world.county_operator, cases[1], reason="重复")
    assert by_state() == {"reported": 5, "accepted": 1, "rejected": 1}
    # Rebuilt from scratch the counts are the same.
    grading.regrade_case(world.county_operator, cases[2], grade="red", reason="群体性")
    counted = CaseSquare.objects.filter(n__gt=0).values_list("level", "gx", "gy", "township", "state", "grade", "n")
    before = sorted(counted)
    assert {row[5] for row in before if row[4] == "reported"} >= {"red"}
    casemap.rebuild()
    assert sorted(counted) == before


def test_users_who_see_cases_by_unit_get_clusters_of_what_they_see(world, cases):
    body = get(world.mediator, bbox=COUNTY, zoom=8)
    visible = Case.objects.visible_to(world.mediator).count()
    assert body["source"] == "cases" and body["count"] == visible
    township = get(world.operator_t2, bbox=COUNTY, zoom=8)
    assert township["count"] == Case.objects.visible_to(world.operator_t2).count() == 2
    assert get(world.outsider, bbox=COUNTY, zoom=8)["count"] == 0


def test_anonymous_is_401(world):
    assert client_for(None).get(URL, {"bbox": COUNTY}).status_code == 401


@pytest.mark.parametrize(
    "query, field",
    [
        ({}, "bbox"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": COUNTY, "zoom": "23"}, "zoom"),
        ({"bbox": COUNTY, "state": "nonsense"}, "state"),
        ({"bbox": COUNTY, "zoom": ""}, "zoom"),
    ],
)
def test_bad_input_is_a_400_naming_it_and_changes_nothing(world, cases, query, field):
    before = CaseSquare.objects.count()
    response = client_for(world.admin).get(URL, query)
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"} and field in body["fields"]
    assert CaseSquare.objects.count() == before


def test_a_county_view_reads_a_bounded_number_of_queries(world, cases, django_assert_max_num_queries):
    client = client_for(world.admin)
    with django_assert_max_num_queries(8):
        assert client.get(URL, {"bbox": COUNTY, "zoom": 8}).status_code == 200
