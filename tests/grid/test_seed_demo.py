import hashlib
import random
from io import StringIO

import pytest
import shapely
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from demo.county import COUNTY_CODE, DEFAULT_PASSWORD, TOWNSHIPS, load_county_boundary
from grid import locate
from grid.models import GridCell, GridCellKind, Member, Region, RegionLevel, Role, Unit, UnitKind
from tests import factories

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True  # the test runner turns DEBUG off; the demo is meant for development


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def digest(geometry):
    return hashlib.sha256(bytes(geometry.wkb)).hexdigest()


def snapshot():
    """Everything the demo should reproduce exactly, keyed by codes and usernames rather than row ids."""
    return {
        "regions": [
            (r.code, r.name, r.level, r.parent.code if r.parent else None, digest(r.boundary))
            for r in Region.objects.select_related("parent").order_by("code")
        ],
        "cells": [
            (c.code, c.name, c.village.code, c.kind, c.households, digest(c.boundary))
            for c in GridCell.objects.select_related("village").order_by("code")
        ],
        "units": list(Unit.objects.order_by("code").values_list("code", "name", "kind", "region__code")),
        "users": list(User.objects.order_by("username").values_list("username", "last_name", "first_name")),
        "members": sorted(
            (m.user.username, m.role, m.unit.code, tuple(sorted(c.code for c in m.cells.all())))
            for m in Member.objects.select_related("user", "unit").prefetch_related("cells")
        ),
    }


def test_seed_builds_the_demo_county_with_its_units_and_people():
    output = seed("--if-empty")  # an empty database is seeded

    county = Region.objects.get(level=RegionLevel.COUNTY)
    assert (county.code, county.name, county.parent) == (COUNTY_CODE, "化德县", None)
    townships = list(Region.objects.filter(level=RegionLevel.TOWNSHIP).order_by("code"))
    assert [(t.code, t.name) for t in townships] == [(spec.code, spec.name) for spec in TOWNSHIPS]
    assert sum(t.name.endswith("镇") for t in townships) == 3
    assert all(t.parent == county for t in townships)

    villages = list(Region.objects.filter(level=RegionLevel.VILLAGE).select_related("parent"))
    assert len(villages) == 87
    assert len({v.name for v in villages}) == 87
    for v in villages:
        assert v.code.startswith(v.parent.code[:9])
        assert v.name.endswith("社区" if v.code[9] == "0" else "村")
    assert {t.code for t in townships} == {v.parent.code for v in villages}

    cells = list(GridCell.objects.select_related("village"))
    assert len(cells) == 325
    per_village = {}
    for c in cells:
        assert c.code[:12] == c.village.code
        assert 20 <= c.households <= 300
        per_village.setdefault(c.village.code, []).append(c.code[12:])
    assert all(sorted(seqs) == [f"{n:03d}" for n in range(1, len(seqs) + 1)] for seqs in per_village.values())
    assert {len(seqs) for seqs in per_village.values()} == {3, 4}
    dedicated = [c for c in cells if c.kind == GridCellKind.DEDICATED]
    assert 15 <= len(dedicated) <= 30
    assert all(c.name.endswith("网格") and "第" not in c.name for c in dedicated)
    assert "长顺镇中心小学网格" in {c.name for c in dedicated}
    general = next(c for c in cells if c.kind == GridCellKind.GENERAL)
    assert general.name.startswith(general.village.name) and general.name.endswith("网格")

    kinds = dict(Unit.objects.values_list("kind").annotate(n=Count("pk")))
    assert kinds[UnitKind.VILLAGE_COMMITTEE] == kinds[UnitKind.VILLAGE_MEDIATION] == 87
    for kind in (UnitKind.TOWNSHIP_CENTRE, UnitKind.JUSTICE_OFFICE, UnitKind.POLICE_STATION):
        assert kinds[kind] == 6
    assert kinds[UnitKind.COUNTY_CENTRE] == kinds[UnitKind.COUNTY_HEALTH] == 1
    assert Unit.objects.count() == 87 * 2 + 6 * 5 + 11
    assert Unit.objects.get(code=f"{townships[0].code}-{UnitKind.JUSTICE_OFFICE}").name == "长顺司法所"
    for unit in Unit.objects.select_related("region"):
        unit.clean()  # every unit serves a region of its level

    gridworkers = Member.objects.filter(role=Role.GRIDWORKER).prefetch_related("cells").select_related("unit")
    assert gridworkers.count() == 325
    for member in gridworkers:
        (cell,) = member.cells.all()
        assert member.unit.kind == UnitKind.VILLAGE_COMMITTEE and member.unit.region_id == cell.village_id
    assert set(
        GridCell.objects.annotate(n=Count("members", filter=Q(members__role=Role.GRIDWORKER))).values_list(
            "n", flat=True
        )
    ) == {1}
    volunteers = Member.objects.filter(role=Role.VOLUNTEER).select_related("unit").prefetch_related("cells")
    assert volunteers.count() == 87
    for member in volunteers:
        assert {c.village_id for c in member.cells.all()} == {member.unit.region_id}
        assert member.cells.count() == GridCell.objects.filter(village_id=member.unit.region_id).count()

    def members(role, kind):
        return dict(Member.objects.filter(role=role, unit__kind=kind).values_list("unit").annotate(n=Count("pk")))

    assert set(members(Role.MEDIATOR, UnitKind.VILLAGE_MEDIATION).values()) == {1}
    assert len(members(Role.MEDIATOR, UnitKind.VILLAGE_MEDIATION)) == 87
    assert list(members(Role.MEDIATOR, UnitKind.JUSTICE_OFFICE).values()) == [2] * 6
    assert list(members(Role.OPERATOR, UnitKind.TOWNSHIP_CENTRE).values()) == [2] * 6
    assert list(members(Role.OPERATOR, UnitKind.COUNTY_CENTRE).values()) == [3]
    departments = Unit.objects.exclude(
        kind__in=[
            UnitKind.VILLAGE_COMMITTEE,
            UnitKind.VILLAGE_MEDIATION,
            UnitKind.TOWNSHIP_CENTRE,
            UnitKind.COUNTY_CENTRE,
            UnitKind.JUSTICE_OFFICE,
        ]
    ).annotate(n=Count("members", filter=Q(members__role=Role.STAFF)))
    assert departments.count() == 6 * 3 + 10
    assert {unit.n for unit in departments} <= {1, 2}

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert Member.objects.filter(user=admin, role=Role.ADMINISTRATOR, unit__kind=UnitKind.COUNTY_CENTRE).exists()
    township_admin = User.objects.get(username="township-admin-001")
    assert township_admin.is_staff and not township_admin.is_superuser
    assert township_admin.has_perm("grid.change_member") and not township_admin.has_perm("grid.delete_member")
    assert list(members(Role.ADMINISTRATOR, UnitKind.TOWNSHIP_CENTRE).values()) == [1] * 6
    assert User.objects.count() == Member.objects.count()  # one role each
    assert User.objects.filter(last_name="").count() == 0
    assert User.objects.get(username="gridworker-001").check_password(DEFAULT_PASSWORD)
    assert User.objects.get(username="mediator-087").check_password(DEFAULT_PASSWORD)

    for username in (
        "admin",
        "county-operator-001",
        "township-operator-001",
        "township-admin-001",
        "justice-mediator-001",
        "mediator-001",
        "gridworker-001",
        DEFAULT_PASSWORD,
    ):
        assert username in output
    assert "325" in output


def test_seed_is_deterministic_across_reset():
    seed()
    first = snapshot()
    seed("--reset")
    assert snapshot() == first
    assert Region.objects.count() == 1 + 6 + 87


def test_geometry_is_valid_and_tiles_the_county():
    seed()
    county = Region.objects.get(level=RegionLevel.COUNTY)
    regions = list(Region.objects.all())
    cells = list(GridCell.objects.select_related("village__parent"))
    for geometry in [r.boundary for r in regions] + [c.boundary for c in cells]:
        assert geometry.geom_type == "MultiPolygon" and geometry.srid == 4326 and geometry.valid

    # The stored county is the shipped boundary, made valid.
    assert county.boundary.area == pytest.approx(load_county_boundary().area, rel=1e-9)
    for level in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        total = sum(r.boundary.area for r in regions if r.level == level)
        assert total == pytest.approx(county.boundary.area, rel=1e-3)
    assert sum(c.boundary.area for c in cells) == pytest.approx(county.boundary.area, rel=1e-3)

    # No overlaps: the union of the pieces is as large as their sum.
    shapes = [shapely.from_wkb(bytes(c.boundary.wkb)) for c in cells]
    assert shapely.union_all(shapes).area == pytest.approx(sum(s.area for s in shapes), rel=1e-6)

    by_code = {r.code: shapely.from_wkb(bytes(r.boundary.wkb)) for r in regions}
    for cell, shape in zip(cells, shapes, strict=True):
        village = by_code[cell.village.code]
        assert shape.difference(village).area < 1e-9 * shape.area
    for region in regions:
        if region.parent_id:
            parent = by_code[region.code[:9].ljust(12, "0") if region.level == RegionLevel.VILLAGE else COUNTY_CODE]
            assert by_code[region.code].difference(parent).area < 1e-9 * by_code[region.code].area

    rng = random.Random(7)
    xmin, ymin, xmax, ymax = county.boundary.extent
    located = 0
    while located < 60:
        point = Point(rng.uniform(xmin, xmax), rng.uniform(ymin, ymax), srid=4326)
        if not county.boundary.contains(point):
            continue
        location = locate(point.x, point.y)
        assert location.cell is not None, point
        assert location.cell.boundary.intersects(point)
        assert location.village == location.cell.village and location.village.boundary.intersects(point)
        assert location.township == location.village.parent and location.township.boundary.intersects(point)
        assert location.county == county
        located += 1


def test_if_empty_does_nothing_when_any_region_exists():
    factories.county(code="110101000000", name="东城区")
    output = seed("--if-empty")
    assert "not seeded" in output or "未" in output
    assert Region.objects.count() == 1
    assert not User.objects.exists()


def test_refuses_to_overwrite_the_demo_county_or_existing_users():
    factories.user("admin")
    with pytest.raises(CommandError, match="admin"):
        seed()
    # The whole seed is one transaction: nothing half-built stays behind.
    assert not Region.objects.exists() and not Unit.objects.exists()
    assert User.objects.count() == 1

    User.objects.all().delete()
    seed()
    with pytest.raises(CommandError, match="--reset"):
        seed()
    assert GridCell.objects.count() == 325


def test_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not Region.objects.exists() and not User.objects.exists()

    seed("--force", "--password", "another-demo-pass")
    assert User.objects.get(username="township-operator-001").check_password("another-demo-pass")
