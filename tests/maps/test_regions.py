"""GET /maps/regions.geojson: public boundaries of one level, narrowed by box and region,
simplified by zoom, cached by ETag."""

import gzip
import json

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.test import Client

from grid.models import Region
from maps import layers

from .conftest import assert_error

URL = "/maps/regions.geojson"


def get(client, **query):
    response = client.get(URL, query)
    assert response.status_code == 200, response.content
    return response.json()


def codes(body):
    return [feature["properties"]["code"] for feature in body["features"]]


def geometry(feature):
    return GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)


def test_each_level_gives_its_regions_with_their_parents(world, client):
    counties = get(client, level="county")
    assert counties["type"] == "FeatureCollection"
    assert codes(counties) == ["150922000000", "152525000000"]
    first = counties["features"][0]
    assert first["type"] == "Feature" and first["id"] == "150922000000"
    assert first["properties"] == {"code": "150922000000", "name": "化德县", "level": "county", "parent_code": None}
    assert first["geometry"]["type"] == "MultiPolygon"

    townships = get(client, level="township")
    assert codes(townships) == ["150922100000", "150922101000", "152525100000"]
    assert [feature["properties"]["parent_code"] for feature in townships["features"]] == [
        "150922000000",
        "150922000000",
        "152525000000",
    ]
    villages = get(client, level="village")
    assert codes(villages) == ["150922100201", "150922100202", "150922101201", "152525100201"]
    assert villages["features"][0]["properties"] == {
        "code": "150922100201",
        "name": "东沟村",
        "level": "village",
        "parent_code": "150922100000",
    }
    # Without a level: townships, as the home page has always asked.
    assert codes(get(client)) == codes(townships)


def test_within_narrows_to_a_region_s_subtree(world, client):
    assert codes(get(client, level="village", within="150922100000")) == ["150922100201", "150922100202"]
    assert codes(get(client, level="village", within="150922")) == ["150922100201", "150922100202", "150922101201"]
    assert codes(get(client, level="township", within="152525000000")) == ["152525100000"]
    assert_error(client.get(URL, {"level": "village", "within": "150923000000"}), 400, "invalid_within", "within")
    assert_error(client.get(URL, {"level": "village", "within": "15x"}), 400, "invalid_within", "within")


def test_bbox_keeps_what_the_box_meets_and_drops_far_regions(world, client):
    assert codes(get(client, level="county", bbox="113.5,40.5,116.5,43.5")) == ["150922000000"]
    assert codes(get(client, level="county", bbox="119,43,122,46")) == ["152525000000"]
    # A box wholly inside a region keeps it (a strict "overlaps" would drop it).
    assert codes(get(client, level="county", bbox="114.1,41.1,114.2,41.2")) == ["150922000000"]
    assert codes(get(client, level="village", bbox="114.1,41.1,114.2,41.2")) == ["150922100201"]
    assert codes(get(client, level="village", bbox="0,0,1,1")) == []
    assert codes(get(client, level="village", bbox="114.1,41.1,115.5,41.2", within="150922100000")) == ["150922100201"]


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"level": "planet"}, "invalid_level", "level"),
        ({"bbox": "114,41,115"}, "invalid_bbox", "bbox"),
        ({"bbox": "114,41,east,42"}, "invalid_bbox", "bbox"),
        ({"bbox": "115,41,114,42"}, "invalid_bbox", "bbox"),
        ({"bbox": "114,41,115,95"}, "invalid_bbox", "bbox"),
        ({"bbox": "nan,41,115,42"}, "invalid_bbox", "bbox"),
        ({"zoom": "23"}, "invalid_zoom", "zoom"),
        ({"zoom": "-1"}, "invalid_zoom", "zoom"),
        ({"zoom": "12.5"}, "invalid_zoom", "zoom"),
        ({"zoom": "twelve"}, "invalid_zoom", "zoom"),
    ],
)
def test_a_bad_parameter_is_a_400_and_the_rest_of_the_request_was_fine(world, client, query, code, field):
    good = {"level": "village", "bbox": "114,41,115,42", "zoom": "12"}
    assert codes(get(client, **good)) == ["150922100201", "150922100202", "150922101201"]
    assert_error(client.get(URL, {**good, **query}), 400, code, field)


def test_zoom_simplifies_but_never_empties_or_breaks_a_boundary(world, client):
    counts = {}
    for zoom in (0, 4, 8, 12, 16, 22):
        body = get(client, level="village", zoom=zoom)
        for feature in body["features"]:
            shape = geometry(feature)
            assert not shape.empty and shape.valid, (zoom, feature["id"])
            assert shape.geom_type == "MultiPolygon"
        [jagged] = [feature for feature in body["features"] if feature["id"] == "152525100201"]
        counts[zoom] = layers.vertex_count(jagged["geometry"])
    # The ring wiggles by 0.0008°: a pixel at zoom 8 (0.0055°) hides it, one at zoom 12 does not.
    assert counts[0] <= counts[4] < counts[8] < 100
    assert counts[12] == counts[16] == counts[22] == 2001
    # The simplified ring still covers nearly the same area.
    original = Region.objects.get(code="152525100201").boundary
    [simplified] = [f for f in get(client, level="village", zoom=8)["features"] if f["id"] == "152525100201"]
    simplified = geometry(simplified)
    assert abs(simplified.area - original.area) / original.area < 0.05


def test_coordinates_are_rounded_to_the_zoom(world, client):
    def places(body):
        found = 0
        for feature in body["features"]:
            for polygon in feature["geometry"]["coordinates"]:
                for ring in polygon:
                    for x, y in ring:
                        for number in (x, y):
                            text = repr(float(number))
                            found = max(found, len(text.split(".")[1]) if "e" not in text else 99)
        return found

    assert places(get(client, level="village", zoom=4)) <= layers.decimals(4) == 2
    assert places(get(client, level="village", zoom=22)) <= 6
    assert places(get(client, level="village")) <= layers.decimals(layers.DEFAULT_ZOOM) == 5


def test_the_layer_is_cached_publicly_and_answers_304_until_it_changes(world, client):
    response = client.get(URL, {"level": "village", "zoom": "10"})
    assert response.status_code == 200
    etag = response["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]

    again = client.get(URL, {"level": "village", "zoom": "10"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and "max-age=300" in again["Cache-Control"]
    # Another body (the jagged village in full detail), another tag.
    assert client.get(URL, {"level": "village", "zoom": "16"}, HTTP_IF_NONE_MATCH=etag).status_code == 200

    Region.objects.filter(code="150922100201").update(name="东沟新村")
    changed = client.get(URL, {"level": "village", "zoom": "10"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "东沟新村" in changed.content.decode()


def test_the_layer_is_public_even_with_a_stale_token(world, client):
    """A public layer ignores credentials: a phone with an expired token still gets boundaries."""
    response = client.get(URL, {"level": "county"}, HTTP_AUTHORIZATION="Token expired")
    assert response.status_code == 200
    # Nothing in it depends on who asks, so no cache is told to keep one copy per user.
    assert "Cookie" not in response.get("Vary", "") and "Authorization" not in response.get("Vary", "")


def test_the_number_of_queries_does_not_grow_with_the_regions(world, client, django_assert_max_num_queries):
    from tests import factories as f

    for index in range(30):
        bounds = (115, 41 + index / 30, 116, 41 + (index + 1) / 30)
        f.village(world.t2, f"150922101{300 + index}", f"新村{index}", bounds)
    # The within look-up, the layer, and the request's one check of the cached reference data.
    with django_assert_max_num_queries(3):
        body = get(client, level="village", within="150922000000", bbox="114,41,116,43", zoom="9")
    assert len(body["features"]) == 33
    # A tiny area that does not survive rounding costs one more query for all such areas together.
    for index in range(5):
        bounds = (115.5 + index / 1000, 42, 115.5001 + index / 1000, 42.0001)
        f.village(world.t2, f"150922101{400 + index}", f"小村{index}", bounds)
    with django_assert_max_num_queries(4):
        body = get(client, level="village", within="150922000000", zoom="3")
    assert len(body["features"]) == 38
    assert all(geometry(feature).valid and not geometry(feature).empty for feature in body["features"])


def test_messages_are_chinese_by_default_and_english_on_request(world):
    chinese = Client()
    assert chinese.get(URL, {"level": "planet"}).json()["message"] == "未知层级“planet”。"
    assert chinese.get(URL, {"bbox": "a,b,c,d"}).json()["message"].startswith("范围格式为")
    # Pages and their layers follow the chosen language (the cookie), not the browser's Accept-Language.
    assert chinese.get(URL, {"level": "planet"}, HTTP_ACCEPT_LANGUAGE="en").json()["message"] == "未知层级“planet”。"

    english = Client()
    english.cookies["django_language"] = "en"
    assert english.get(URL, {"level": "planet"}).json()["message"] == "Unknown level “planet”."
    assert english.get(URL, {"bbox": "a,b,c,d"}).json()["message"] == (
        "Give the box as minlon,minlat,maxlon,maxlat, e.g. 114.0,41.0,115.0,42.0."
    )
    assert english.get(URL, {"zoom": "99"}).json()["message"] == (
        "The zoom must be a whole number from 0 to 22 (got “99”)."
    )
    assert english.get(URL, {"within": "150923000000"}).json()["message"] == "No region has the code “150923000000”."


def test_the_layer_is_gzipped_for_clients_that_accept_it(world, client):
    plain = client.get(URL, {"level": "village", "zoom": "10"})
    packed = client.get(URL, {"level": "village", "zoom": "10"}, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    assert len(packed.content) < len(plain.content) / 3
    for response in (plain, packed):
        assert "Accept-Encoding" in response["Vary"] and "public" in response["Cache-Control"]
    assert packed["ETag"] == f"W/{plain['ETag']}"
    again = client.get(
        URL, {"level": "village", "zoom": "10"}, HTTP_IF_NONE_MATCH=packed["ETag"], HTTP_ACCEPT_ENCODING="gzip"
    )
    assert again.status_code == 304 and again["ETag"] == packed["ETag"] and "Accept-Encoding" in again["Vary"]
