"""Point location: which grid cell, village, township and county hold a point.

Rule for shared edges and vertices: boundaries belong to every area they bound
(a point on an edge intersects both sides), and the area with the smallest code
wins. The answer is then one consistent chain: the village, township and county
are the ancestors of the chosen cell, never separate guesses. A point inside a
village that no cell covers still gets its village, township and county.

Both backends use their spatial index: PostGIS's ST_Intersects applies the GiST
index by itself; SpatiaLite needs its R*Tree virtual table queried explicitly.
"""

from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from .models import GridCell, Region, RegionLevel


class CoordinateError(ValueError):
    """Longitude or latitude are not numbers in range."""


@dataclass(frozen=True)
class Location:
    cell: GridCell | None = None
    village: Region | None = None
    township: Region | None = None
    county: Region | None = None

    @property
    def inside(self):
        return self.county is not None

    def __bool__(self):
        return self.inside


OUTSIDE = Location()


def make_point(lon, lat):
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise CoordinateError(_("Longitude and latitude must be numbers.")) from None
    if not (-180.0 <= lon <= 180.0) or not (-90.0 <= lat <= 90.0):
        raise CoordinateError(
            _("Coordinates out of range: longitude must be within ±180 and latitude within ±90 (got %(lon)s, %(lat)s).")
            % {"lon": lon, "lat": lat}
        )
    return Point(lon, lat, srid=4326)


def _covering(queryset, point):
    """Rows of `queryset` whose boundary intersects `point`, through the spatial index."""
    if connection.ops.spatialite:
        table = queryset.model._meta.db_table
        x, y = point.x, point.y
        queryset = queryset.filter(
            pk__in=RawSQL(
                f'SELECT pkid FROM "idx_{table}_boundary"'
                " WHERE xmin <= %s AND xmax >= %s AND ymin <= %s AND ymax >= %s",
                (x, x, y, y),
            )
        )
    return queryset.filter(boundary__intersects=point)


def locate(lon, lat):
    """The Location of (lon, lat) in WGS 84, or OUTSIDE. Raises CoordinateError."""
    point = make_point(lon, lat)
    cell = _covering(GridCell.objects.select_related("village__parent__parent"), point).order_by("code").first()
    if cell is not None:
        village = cell.village
        return Location(cell=cell, village=village, township=village.parent, county=village.parent.parent)

    regions = list(_covering(Region.objects.select_related("parent__parent"), point))
    if not regions:
        return OUTSIDE
    depth = {RegionLevel.VILLAGE: 0, RegionLevel.TOWNSHIP: 1, RegionLevel.COUNTY: 2}
    deepest = min(regions, key=lambda region: (depth[region.level], region.code))
    chain = {deepest.level: deepest}
    ancestor = deepest.parent
    while ancestor is not None:
        chain[ancestor.level] = ancestor
        ancestor = ancestor.parent
    return Location(
        village=chain.get(RegionLevel.VILLAGE),
        township=chain.get(RegionLevel.TOWNSHIP),
        county=chain.get(RegionLevel.COUNTY),
    )
