"""GET /maps/cells.geojson: grid cells in the user's jurisdiction, with their gridworkers."""

import gzip
import json

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from grid.members import assign_member
from grid.models import Role, UnitKind
from tests import factories as f
from tests.factories import client_for

from .conftest import assert_error

URL = "/maps/cells.geojson"
V1 = ["150922100201001", "150922100201002"]
V2 = ["150922100202001", "150922100202002"]
V3 = ["150922101201001"]
FAR = ["152525100201001"]


def get(user, **query):
    response = client_for(user).get(URL, query)
    assert response.status_code == 200, response.content
    return response.json()


def codes(body):
    return [feature["properties"]["code"] for feature in body["features"]]


def by_code(body):
    return {feature["id"]: feature for feature in body["features"]}


def test_a_cell_carries_its_village_and_the_people_who_patrol_it(world):
    body = get(world.gridworker)
    assert body["type"] == "FeatureCollection"
    cells = by_code(body)
    c1, c2 = cells[V1[0]], cells[V1[1]]
    assert c1["type"] == "Feature" and c1["geometry"]["type"] == "MultiPolygon"
    assert c1["properties"] == {
        "code": "150922100201001",
        "name": "东沟村第1网格",
        "kind": "general",
        "households": 0,
        "village_code": "150922100201",
        "village_name": "东沟村",
        "gridworkers": ["李明", "王芳"],  # the inactive 孙退 is not listed
        "volunteers": [],
        "mine": True,
    }
    assert c2["properties"]["gridworkers"] == ["王芳"]
    assert c2["properties"]["volunteers"] == ["赵强"]
    assert c2["properties"]["mine"] is False


def test_each_user_sees_the_cells_of_their_jurisdiction(world):
    assert codes(get(world.gridworker)) == V1
    assert codes(get(world.volunteer)) == V1
    assert codes(get(world.gridworker_v3)) == V3
    assert codes(get(world.operator)) == V1 + V2
    assert codes(get(world.county_operator)) == V1 + V2 + V3
    assert codes(get(world.admin)) == V1 + V2 + V3 + FAR
    assert codes(get(world.outsider)) == []
    assert codes(get(world.retired)) == []


def test_mine_gives_exactly_my_cells(world):
    assert codes(get(world.gridworker, mine="1")) == [V1[0]]
    assert codes(get(world.gridworker2, mine="1")) == V1
    assert codes(get(world.volunteer, mine="true")) == [V1[1]]
    assert codes(get(world.gridworker_v3, mine="1")) == V3
    assert codes(get(world.retired, mine="1")) == []
    assert codes(get(world.operator, mine="1")) == []
    assert codes(get(world.admin, mine="1")) == []
    assert codes(get(world.gridworker, mine="0")) == V1
    assert all(feature["properties"]["mine"] for feature in get(world.gridworker2, mine="1")["features"])


def test_region_and_bbox_narrow_the_cells(world):
    assert codes(get(world.county_operator, region="150922100202")) == V2
    assert codes(get(world.county_operator, region="150922101000")) == V3
    assert codes(get(world.admin, region="152525")) == FAR
    # A region outside the jurisdiction gives nothing more than the jurisdiction.
    assert codes(get(world.gridworker, region="150922101000")) == []
    assert codes(get(world.county_operator, bbox="114.1,41.1,114.2,41.2")) == [V1[0]]
    assert codes(get(world.admin, bbox="120.45,44.45,120.55,44.55")) == FAR
    assert codes(get(world.admin, bbox="114.5,42.95,114.6,43")) == [V2[1]]
    assert codes(get(world.admin, bbox="0,0,1,1")) == []


def test_anonymous_and_bad_tokens_are_401(world):
    body = assert_error(APIClient().get(URL), 401, "not_authenticated")
    assert body["message"] == "身份认证信息未提供。"
    response = APIClient().get(URL, HTTP_AUTHORIZATION="Token not-a-token")
    assert_error(response, 401, "token_invalid")
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_phone_token_or_a_session_signs_in(world):
    token = Token.objects.create(user=world.gridworker)
    phone = APIClient()
    phone.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert codes(phone.get(URL, {"mine": "1"}).json()) == [V1[0]]
    browser = Client()
    browser.force_login(world.gridworker2)
    assert codes(browser.get(URL, {"mine": "1"}).json()) == V1


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"mine": "maybe"}, "invalid_mine", "mine"),
        ({"region": "nowhere"}, "invalid_region", "region"),
        ({"region": "150999000000"}, "invalid_region", "region"),
        ({"bbox": "114,41,115"}, "invalid_bbox", "bbox"),
        ({"zoom": "30"}, "invalid_zoom", "zoom"),
    ],
)
def test_a_bad_parameter_is_a_400(world, query, code, field):
    good = {"mine": "1", "region": "150922100201", "bbox": "114,41,115,42", "zoom": "15"}
    assert codes(get(world.gridworker2, **good)) == V1
    assert_error(client_for(world.gridworker2).get(URL, {**good, **query}), 400, code, field)


@pytest.mark.parametrize("zoom", [0, 3, 8, 13, 18, 22])
def test_every_cell_stays_a_valid_area_at_every_zoom(world, zoom):
    body = get(world.admin, zoom=str(zoom))
    assert len(body["features"]) == 6
    for feature in body["features"]:
        shape = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
        assert shape.valid and not shape.empty and shape.geom_type == "MultiPolygon", (zoom, feature["id"])
    # The school is a few metres across: at a low zoom it is drawn at a finer precision, not dropped.
    assert by_code(body)[V2[1]]["geometry"]["coordinates"]


def test_private_caching_and_304(world):
    client = client_for(world.gridworker)
    response = client.get(URL)
    assert "private" in response["Cache-Control"]
    assert {"Authorization", "Cookie"} <= {part.strip() for part in response["Vary"].split(",")}
    etag = response["ETag"]
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Another user's view of the same cells differs ("mine"), so it has another tag.
    other = client_for(world.gridworker2).get(URL, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200 and other["ETag"] != etag
    # A new gridworker on c2 changes the layer.
    assign_member(f.user("newcomer", last_name="钱", first_name="新"), Role.GRIDWORKER, world.v1_committee, [world.c2])
    changed = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert by_code(changed.json())[V1[1]]["properties"]["gridworkers"] == ["王芳", "钱新"]


def test_the_number_of_queries_does_not_grow_with_the_cells(world, django_assert_max_num_queries):
    for seq in range(3, 40):
        cell = f.cell(world.v1, seq, (114 + seq / 100, 41.5, 114.005 + seq / 100, 41.505))
        assign_member(f.user(f"worker{seq}"), Role.GRIDWORKER, world.v1_committee, [cell])
    browser = Client()
    browser.force_login(world.county_operator)
    browser.get(URL, {"region": "150922100201", "bbox": "114,41,115,42", "zoom": "2"})  # memberships remembered
    # session, user, the caches' version tokens, region, cells, their members (+1 for shapes that need a
    # finer drawing)
    with django_assert_max_num_queries(7):
        response = browser.get(URL, {"region": "150922100201", "bbox": "114,41,115,42", "zoom": "2"})
    assert response.status_code == 200
    assert len(response.json()["features"]) == 39


def test_messages_follow_the_chosen_language(world):
    english = Client()
    english.cookies["django_language"] = "en"
    assert english.get(URL).json()["message"] == "Authentication credentials were not provided."
    english.force_login(world.gridworker)
    body = assert_error(english.get(URL, {"mine": "perhaps"}), 400, "invalid_mine", "mine")
    assert body["message"] == "Give mine as 1 or 0."
    chinese = Client()
    chinese.force_login(world.gridworker)
    assert chinese.get(URL, {"zoom": "x"}).json()["code"] == "invalid_zoom"
    assert chinese.get(URL, {"bbox": "x"}).json()["message"].startswith("范围格式为")


def test_names_come_in_assignment_order_and_fall_back_to_the_username(world):
    # Assigned after 王芳 but sorting before her: the order is the assignment's, not the name's.
    assign_member(f.user("aaa", last_name="艾", first_name="安"), Role.GRIDWORKER, world.v1_committee, [world.c2])
    assign_member(f.user("nameless"), Role.VOLUNTEER, world.v1_committee, [world.c2])
    # A committee that is no longer active: its people are not listed.
    closed = f.unit(world.v1, UnitKind.VILLAGE_COMMITTEE, "旧村委会", code="150922100201-old")
    assign_member(f.user("closed", last_name="钟", first_name="关"), Role.GRIDWORKER, closed, [world.c2])
    closed.active = False
    closed.save()
    c2 = by_code(get(world.admin))[V1[1]]["properties"]
    assert c2["gridworkers"] == ["王芳", "艾安"]
    assert c2["volunteers"] == ["赵强", "nameless"]
    assert c2["mine"] is False
    assert by_code(get(world.volunteer))[V1[1]]["properties"]["mine"] is True


def test_the_names_are_one_query_whatever_the_cells_and_people(world, django_assert_num_queries):
    for seq in range(3, 40):
        cell = f.cell(world.v1, seq, (114 + seq / 100, 41.5, 114.005 + seq / 100, 41.505))
        assign_member(
            f.user(f"worker{seq}", last_name="吴", first_name=str(seq)), Role.GRIDWORKER, world.v1_committee, [cell]
        )
        assign_member(f.user(f"helper{seq}"), Role.VOLUNTEER, world.v1_committee, [cell])
    client = client_for(world.admin)  # forced: no session or token queries
    # cells, their people (zoom 16: no shape needs a finer drawing)
    with django_assert_num_queries(2):
        response = client.get(URL, {"bbox": "114.001,41.001,114.999,41.999", "zoom": "16"})
    features = by_code(response.json())
    assert len(features) == 39
    assert features["150922100201007"]["properties"]["gridworkers"] == ["吴7"]
    assert features["150922100201007"]["properties"]["volunteers"] == ["helper7"]


def test_the_body_is_gzipped_for_clients_that_accept_it(world):
    client = client_for(world.gridworker)
    plain = client.get(URL)
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in {part.strip() for part in plain["Vary"].split(",")}
    packed = client.get(URL, HTTP_ACCEPT_ENCODING="br, gzip;q=0.9")
    assert packed["Content-Encoding"] == "gzip"
    assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
    assert json.loads(gzip.decompress(packed.content)) == plain.json()
    vary = {part.strip() for part in packed["Vary"].split(",")}
    assert {"Authorization", "Cookie", "Accept-Encoding"} <= vary
    assert "private" in packed["Cache-Control"]
    # Another encoding of the same content: a weak tag; either tag revalidates either way.
    assert packed["ETag"] == f"W/{plain['ETag']}"
    for etag in (plain["ETag"], packed["ETag"]):
        for encoding in ("gzip", ""):
            again = client.get(URL, HTTP_IF_NONE_MATCH=etag, HTTP_ACCEPT_ENCODING=encoding)
            assert again.status_code == 304 and again.content == b""
            assert "Content-Encoding" not in again and "Accept-Encoding" in again["Vary"]
    # A changed layer is sent again, compressed.
    assign_member(f.user("newcomer", last_name="钱", first_name="新"), Role.GRIDWORKER, world.v1_committee, [world.c1])
    changed = client.get(URL, HTTP_IF_NONE_MATCH=packed["ETag"], HTTP_ACCEPT_ENCODING="gzip")
    assert changed.status_code == 200 and changed["Content-Encoding"] == "gzip"
    assert "钱新" in gzip.decompress(changed.content).decode()


def test_short_bodies_and_errors_are_not_gzipped(world):
    empty = client_for(world.outsider).get(URL, HTTP_ACCEPT_ENCODING="gzip")
    assert empty.status_code == 200 and empty.json() == {"type": "FeatureCollection", "features": []}
    assert "Content-Encoding" not in empty
    error = client_for(world.gridworker).get(URL, {"zoom": "99"}, HTTP_ACCEPT_ENCODING="gzip")
    assert error.status_code == 400 and "Content-Encoding" not in error
    assert error.json()["code"] == "invalid_zoom"


@override_settings(MAPS_MAX_CELLS=2)
def test_a_view_with_too_many_cells_is_refused(world, django_assert_max_num_queries):
    english = Client()
    english.cookies["django_language"] = "en"
    english.force_login(world.county_operator)  # sees V1, V2 and V3: five cells
    # Once per connection, GeoDjango asks SpatiaLite which functions it has: not this view's cost.
    connection.ops.unsupported_functions  # noqa: B018
    english.get(URL, HTTP_ACCEPT_ENCODING="gzip")  # the memberships are remembered from here on
    # session, user, the caches' version tokens, cells (at most three read); not their people
    with django_assert_max_num_queries(4):
        response = english.get(URL, HTTP_ACCEPT_ENCODING="gzip")
    body = assert_error(response, 400, "too_many_cells", "bbox")
    assert "Content-Encoding" not in response
    assert body["message"] == (
        "This view holds more than 2 grid cells. Zoom in or choose a smaller area (bbox or region)."
    )
    # Exactly the limit is answered, with the people.
    narrow = english.get(URL, {"region": "150922100201"})
    assert narrow.status_code == 200
    assert codes(narrow.json()) == V1
    assert by_code(narrow.json())[V1[0]]["properties"]["gridworkers"] == ["李明", "王芳"]
    assert english.get(URL, {"bbox": "114.1,41.1,114.9,41.9"}).status_code == 200
    chinese = Client()
    chinese.force_login(world.county_operator)
    assert chinese.get(URL).json()["code"] == "too_many_cells"


@override_settings(MAPS_MAX_CELLS=0)
def test_no_limit_when_the_setting_is_zero(world):
    assert len(get(world.county_operator)["features"]) == 5
