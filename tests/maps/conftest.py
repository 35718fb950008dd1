"""The test world (tests/worlds.py) and a second county far away, for the map layers.

    county 化德县 A (114–116, 41–43)                         county 远山县 B (120–121, 44–45), far away
      township 长顺镇 T1 (114–115)    township 朝阳镇 T2 (115–116)   township 远山镇 TB
        village 东沟村 V1 (lat 41–42)   village 王家营村 V3             village 深谷村 VB: a jagged
          cells c1 (114–114.5), c2        cell c4                         ring of 2,000 vertices,
        village 西滩村 V2 (lat 42–43)                                      and cell cb, jagged too
          cell c3, and `tiny` (a few metres across, 42.9–43)

People besides the world's: gridworker2 (c1, c2), volunteer (c2), retired (c1, inactive).
"""

import math

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from grid.models import Member, Role
from tests import factories as f
from tests import worlds


def jagged(cx, cy, radius, vertices=2000, wiggle=0.002):
    """A star-like ring: many vertices a zoomed-out map cannot show."""
    points = []
    for index in range(vertices):
        angle = 2 * math.pi * index / vertices
        r = radius * (1 + (wiggle if index % 2 else -wiggle))
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    points.append(points[0])
    return MultiPolygon(Polygon(points), srid=4326)


@pytest.fixture
def world(db):
    w = worlds.build()
    w.far = f.county(code="152525000000", name="远山县", bounds=(120, 44, 121, 45))
    w.far_township = f.township(w.far, "152525100000", "远山镇", (120, 44, 121, 45))
    w.far_village = f.village(w.far_township, "152525100201", "深谷村", None, boundary=jagged(120.5, 44.5, 0.4))
    w.far_cell = f.cell(w.far_village, 1, None, boundary=jagged(120.5, 44.5, 0.1, vertices=400))

    w.gridworker2 = w.person("gridworker2", Role.GRIDWORKER, w.v1_committee, [w.c1, w.c2], "王", "芳")
    w.volunteer = w.person("volunteer", Role.VOLUNTEER, w.v1_committee, [w.c2], "赵", "强")
    w.retired = w.person("retired", Role.GRIDWORKER, w.v1_committee, [w.c1], "孙", "退")
    Member.objects.filter(user=w.retired).update(active=False)
    return w


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert body["fields"][field] == [body["message"]]
    assert "ETag" not in response and "public" not in response.get("Cache-Control", "")
    return body
