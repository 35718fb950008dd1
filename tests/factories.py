"""Small builders for regions, cells, units and members used across the tests.

Geometry is given as (xmin, ymin, xmax, ymax) boxes in degrees, so that shared
edges are exact and tests can reason about them.
"""

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Polygon
from rest_framework.test import APIClient

from grid.models import GridCell, Region, RegionLevel, Unit


def box(xmin, ymin, xmax, ymax):
    return MultiPolygon(Polygon.from_bbox((xmin, ymin, xmax, ymax)), srid=4326)


def region(code, name, level, parent=None, bounds=(0, 0, 1, 1), boundary=None):
    return Region.objects.create(code=code, name=name, level=level, parent=parent, boundary=boundary or box(*bounds))


def county(code="150922000000", name="化德县", bounds=(114.0, 41.0, 115.0, 42.0), **kw):
    return region(code, name, RegionLevel.COUNTY, bounds=bounds, **kw)


def township(parent, code, name, bounds, **kw):
    return region(code, name, RegionLevel.TOWNSHIP, parent=parent, bounds=bounds, **kw)


def village(parent, code, name, bounds, **kw):
    return region(code, name, RegionLevel.VILLAGE, parent=parent, bounds=bounds, **kw)


def cell(village, seq, bounds, name=None, boundary=None, **kw):
    code = f"{village.code}{seq:03d}"
    return GridCell.objects.create(
        code=code, name=name or f"{village.name}第{seq}网格", village=village, boundary=boundary or box(*bounds), **kw
    )


def unit(region, kind, name=None, code=None):
    return Unit.objects.create(
        code=code or f"{region.code}-{kind}", name=name or f"{region.name}{kind}", kind=kind, region=region
    )


def user(username, **kw):
    return get_user_model().objects.create_user(username=username, password="x-test-password-1", **kw)


def client_for(user=None):
    """An API client signed in as `user` (anonymous without one)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
