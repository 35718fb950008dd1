"""GET /maps/cases.geojson at street zoom: one feature per case, built from plain values
(maps.casemap.point_features) and exactly what CaseGeoSerializer, the serializer it replaced,
makes of the same cases: ids, geometry to the last digit, properties and their order."""

import datetime
import json

from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from disputes.api.serializers import CaseGeoSerializer
from disputes.models import Case
from maps import casemap
from tests.disputes.stories import new_case, shift
from tests.factories import client_for
from tests.worlds import POINT_V1_C1, POINT_V1_C2

URL = "/maps/cases.geojson"
STREET = "114.0,41.4,114.8,42.0"  # zoom 16 answers single cases whatever the box; c1 and c2
# Coordinates whose shortest text GDAL's GeoJSON does not keep (it rounds off runs of 9s and 0s):
# the hand-built features must write them as the serializer did, not as Python would.
AWKWARD = [
    (114.48530366899999, 41.52378435517803),
    (114.32127242944989, 41.594606682000006),
    (114.0032, 41.985503445999996),
    (114.1234567, 41.7654321),
]


def old_features(user, cases, now):
    """What the view answered before: the serializer over the cases, as JSON."""
    context = {"request": None, "now": now}
    data = CaseGeoSerializer(cases, many=True, context=context).data["features"]
    return json.loads(JSONRenderer().render(data))


def street_view(user):
    response = client_for(user).get(URL, {"bbox": STREET, "zoom": 16})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "points"
    return body


def visible_in_view(user):
    return list(
        Case.objects.visible_to(user)
        .filter(point__contained=casemap_box())
        .select_related("category")
        .order_by("-created_at", "-pk")
    )


def casemap_box():
    from django.contrib.gis.geos import Polygon

    box = Polygon.from_bbox([float(v) for v in STREET.split(",")])
    box.srid = 4326
    return box


def test_street_features_are_the_serializers_to_the_last_digit(world):
    made = [new_case(world, point=point) for point in AWKWARD]
    made.append(new_case(world, point=POINT_V1_C1, category=world.incidents))
    made.append(new_case(world, point=POINT_V1_C2))
    # One overdue, one without a deadline, one closed with its deadline past (not overdue).
    shift(made[0], due_at=timezone.now() - datetime.timedelta(days=2))
    shift(made[1], due_at=None)
    shift(made[2], state="closed", due_at=timezone.now() - datetime.timedelta(days=2))

    body = street_view(world.admin)
    expected = old_features(world.admin, visible_in_view(world.admin), timezone.now())
    assert body["count"] == len(made) == len(expected)
    assert body["features"] == expected
    # Key order too (the bodies are the same text): id, type, geometry, properties as the serializer.
    assert [list(f) for f in body["features"]] == [list(f) for f in expected]
    assert [list(f["properties"]) for f in body["features"]] == [list(f["properties"]) for f in expected]
    overdue = {f["id"]: f["properties"]["overdue"] for f in body["features"]}
    assert overdue[made[0].pk] is True and overdue[made[1].pk] is False and overdue[made[2].pk] is False
    coordinates = {f["id"]: f["geometry"]["coordinates"] for f in body["features"]}
    # GDAL's rounding, kept: not the stored double's shortest text.
    assert coordinates[made[0].pk] == [114.485303669, 41.52378435517803]


def test_street_view_starts_from_what_the_user_may_see(world):
    mine = new_case(world, point=AWKWARD[0])
    new_case(world, point=POINT_V1_C2)
    other = new_case(world, point=AWKWARD[3], reporter=world.gridworker2)
    for user in (world.gridworker, world.gridworker2, world.outsider, world.county_operator):
        body = street_view(user)
        expected = old_features(user, visible_in_view(user), timezone.now())
        assert body["features"] == expected
        assert body["count"] == len(expected)
    assert mine.pk in {f["id"] for f in street_view(world.gridworker)["features"]}
    assert street_view(world.outsider)["features"] == []
    assert other.pk in {f["id"] for f in street_view(world.county_operator)["features"]}


def test_point_features_keep_the_querysets_order_and_limit(world):
    made = [new_case(world, point=point) for point in AWKWARD]
    cases = Case.objects.filter(pk__in=[c.pk for c in made]).order_by("pk")[:3]
    now = timezone.now()
    built = json.loads(JSONRenderer().render(casemap.point_features(cases, now)))
    assert [f["id"] for f in built] == [c.pk for c in made[:3]]
    assert built == old_features(None, list(cases.select_related("category")), now)
    assert casemap.point_features(Case.objects.none(), now) == []
