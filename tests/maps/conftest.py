"""Two counties far apart, for the map layers.

    county 化德县 A (114–116, 41–43)                         county 远山县 B (120–121, 44–45), far away
      township 长顺镇 T1 (114–115)    township 朝阳镇 T2 (115–116)   township 远山镇 TB
        village 东沟村 V1 (lat 41–42)   village 王家营村 V3             village 深谷村 VB: a jagged
          cells c1 (114–114.5), c2        cell c4                         ring of 2,000 vertices,
        village 西滩村 V2 (lat 42–43)                                      and cell cb, jagged too
          cell c3, and `tiny` (a few metres across, 42.9–43)

People: gridworker (c1), gridworker2 (c1, c2), volunteer (c2), retired (c1, inactive),
gridworker_v3 (c4), operator (T1's centre), county_operator (A's centre), outsider (nobody),
admin (superuser).
"""

import math

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from grid.members import assign_member
from grid.models import Member, Role, UnitKind
from tests import factories as f


def jagged(cx, cy, radius, vertices=2000, wiggle=0.002):
    """A star-like ring: many vertices a zoomed-out map cannot show."""
    points = []
    for index in range(vertices):
        angle = 2 * math.pi * index / vertices
        r = radius * (1 + (wiggle if index % 2 else -wiggle))
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    points.append(points[0])
    return MultiPolygon(Polygon(points), srid=4326)


class World:
    pass


@pytest.fixture
def world(db):
    w = World()
    w.county = f.county(bounds=(114, 41, 116, 43))
    w.t1 = f.township(w.county, "150922100000", "长顺镇", (114, 41, 115, 43))
    w.t2 = f.township(w.county, "150922101000", "朝阳镇", (115, 41, 116, 43))
    w.v1 = f.village(w.t1, "150922100201", "东沟村", (114, 41, 115, 42))
    w.v2 = f.village(w.t1, "150922100202", "西滩村", (114, 42, 115, 43))
    w.v3 = f.village(w.t2, "150922101201", "王家营村", (115, 41, 116, 43))
    w.c1 = f.cell(w.v1, 1, (114, 41, 114.5, 42))
    w.c2 = f.cell(w.v1, 2, (114.5, 41, 115, 42))
    w.c3 = f.cell(w.v2, 1, (114, 42, 115, 42.9))
    w.tiny = f.cell(w.v2, 2, (114.50001, 42.95001, 114.50004, 42.95004), name="村小学")
    w.c4 = f.cell(w.v3, 1, (115, 41, 116, 43))

    w.far = f.county(code="152525000000", name="远山县", bounds=(120, 44, 121, 45))
    w.far_township = f.township(w.far, "152525100000", "远山镇", (120, 44, 121, 45))
    w.far_village = f.village(w.far_township, "152525100201", "深谷村", None, boundary=jagged(120.5, 44.5, 0.4))
    w.far_cell = f.cell(w.far_village, 1, None, boundary=jagged(120.5, 44.5, 0.1, vertices=400))

    w.v1_committee = f.unit(w.v1, UnitKind.VILLAGE_COMMITTEE, "东沟村村委会")
    w.v3_committee = f.unit(w.v3, UnitKind.VILLAGE_COMMITTEE, "王家营村村委会")
    w.t1_centre = f.unit(w.t1, UnitKind.TOWNSHIP_CENTRE, "长顺镇综治中心")
    w.county_centre = f.unit(w.county, UnitKind.COUNTY_CENTRE, "化德县综治中心")

    def person(username, role, unit, cells=(), last="王", first="伟"):
        user = f.user(username, last_name=last, first_name=first)
        assign_member(user, role, unit, cells)
        return user

    w.gridworker = person("gridworker", Role.GRIDWORKER, w.v1_committee, [w.c1], "李", "明")
    w.gridworker2 = person("gridworker2", Role.GRIDWORKER, w.v1_committee, [w.c1, w.c2], "王", "芳")
    w.volunteer = person("volunteer", Role.VOLUNTEER, w.v1_committee, [w.c2], "赵", "强")
    w.retired = person("retired", Role.GRIDWORKER, w.v1_committee, [w.c1], "孙", "退")
    Member.objects.filter(user=w.retired).update(active=False)
    w.gridworker_v3 = person("gridworker_v3", Role.GRIDWORKER, w.v3_committee, [w.c4], "周", "平")
    w.operator = person("operator", Role.OPERATOR, w.t1_centre, last="杨", first="军")
    w.county_operator = person("county_operator", Role.OPERATOR, w.county_centre, last="黄", first="磊")
    w.outsider = f.user("outsider")
    w.admin = f.user("admin", is_superuser=True, is_staff=True)
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
