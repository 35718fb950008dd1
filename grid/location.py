"""Point location: which grid cell, village, township and county hold a point.

Rule for shared edges and vertices: boundaries belong to every area they bound
(a point on an edge intersects both sides), and the area with the smallest code
wins. The answer is then one consistent chain: the village, township and county
are the ancestors of the chosen cell, never separate guesses. A point inside a
village that no cell covers still gets its village, township and county.

The hot path answers from memory: an STRtree (shapely) over every cell's boundary, built once
per process and rebuilt when a cell changes (core.versions, the same token scheme as the other
reference caches). The database answers the rest, and is the check: both backends use their
spatial index (PostGIS's ST_Intersects applies the GiST index by itself; SpatiaLite needs its
R*Tree virtual table queried explicitly). A point no cell in memory holds is asked of the
database too, so a cell written without signals (a bulk insert) is still found.
"""

import sys
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from core.versions import VersionedCache

from .models import GridCell, Region, RegionLevel


class CoordinateError(ValueError):
    """Longitude or latitude are not numbers in range."""


@dataclass(frozen=True)
class Location:
    cell: GridCell | None = None
    village: Region | None = None
    township: Region | None = None
    county: Region | None = None
    point: Point | None = None  # the point located, when inside

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


# The hot path (every report, every map click) asks the database one small question: which
# cell holds the point. A join to the three ancestors cost PostgreSQL more to plan than to
# run, and the ORM spent more time building queries and decoding unused boundaries than the
# database spent finding the cell (bench/locate.py). The ancestors come from a per-process
# cache of the regions (without boundaries), kept in step with the database by core.versions
# (grid/apps.py watches Region).
CELL_COLUMNS = ("id", "code", "name", "village_id", "kind", "households")
_SELECT = f"SELECT {', '.join(CELL_COLUMNS)} FROM grid_gridcell WHERE "
CELL_SQL = {
    "postgresql": _SELECT + "ST_Intersects(boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY code LIMIT 1",
    "sqlite": _SELECT + "id IN (SELECT pkid FROM idx_grid_gridcell_boundary WHERE xmin <= %s AND xmax >= %s"
    " AND ymin <= %s AND ymax >= %s) AND ST_Intersects(boundary, MakePoint(%s, %s, 4326)) = 1"
    " ORDER BY code LIMIT 1",
}


def cell_query(lon, lat):
    """The SQL and parameters of the cell look-up on this database."""
    if connection.vendor == "postgresql":
        return CELL_SQL["postgresql"], (lon, lat)
    return CELL_SQL["sqlite"], (lon, lon, lat, lat, lon, lat)


def _regions():
    regions = {region.pk: region for region in Region.objects.defer("boundary")}
    for region in regions.values():
        region.parent = regions.get(region.parent_id)
    return regions


regions = VersionedCache("regions", _regions)


def _region(pk):
    found = regions.get().get(pk)
    if found is None:  # written by a bulk insert, which sends no signal (the demo's seeding)
        regions.forget()
        found = regions.get()[pk]
    return found


# --- the in-memory index ---------------------------------------------------------------------


@dataclass(frozen=True)
class CellIndex:
    tree: object  # shapely.STRtree over the boundaries, in code order
    rows: list  # the CELL_COLUMNS of each cell, in the same order

    def find(self, lon, lat):
        """The row of the cell with the smallest code whose boundary holds (lon, lat), or None."""
        import shapely

        found = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.rows[found.min()] if len(found) else None

    def memory(self):
        """Bytes held, roughly: the geometries' coordinates and the rows."""
        import shapely

        geometries = self.tree.geometries
        points = int(shapely.get_num_coordinates(geometries).sum())
        return points * 16 + len(geometries) * 200 + sum(sys.getsizeof(row) for row in self.rows)


BOUNDARIES_SQL = {
    "postgresql": "SELECT {columns}, ST_AsBinary(boundary) FROM grid_gridcell ORDER BY code",
    "sqlite": "SELECT {columns}, AsBinary(boundary) FROM grid_gridcell ORDER BY code",
}


def _cell_index():
    import shapely

    sql = BOUNDARIES_SQL[connection.vendor].format(columns=", ".join(CELL_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(sql)
        fetched = cursor.fetchall()
    if len(fetched) > settings.LOCATE_IN_MEMORY_MAX_CELLS:
        return None  # too many for this process's memory: the database answers
    boundaries = shapely.from_wkb([bytes(row[-1]) for row in fetched])
    shapely.prepare(boundaries)
    return CellIndex(tree=shapely.STRtree(boundaries), rows=[row[:-1] for row in fetched])


cells = VersionedCache("cells", _cell_index)


def _cell(row):
    cell = GridCell.from_db(connection.alias, CELL_COLUMNS, row)
    cell.village = _region(cell.village_id)
    return cell


def _find_cell(lon, lat):
    index = cells.get() if settings.LOCATE_IN_MEMORY else None
    if index is not None:
        row = index.find(lon, lat)
        if row is not None:
            return _cell(row)
    return _find_cell_in_database(lon, lat)


def _find_cell_in_database(lon, lat):
    sql, params = cell_query(lon, lat)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else _cell(row)


def locate(lon, lat):
    """The Location of (lon, lat) in WGS 84, or OUTSIDE. Raises CoordinateError."""
    point = make_point(lon, lat)
    cell = _find_cell(point.x, point.y)
    if cell is not None:
        village = cell.village
        return Location(cell=cell, village=village, township=village.parent, county=village.parent.parent, point=point)

    # Rare: a point in a region that no cell covers. The ORM is fine here; the boundaries
    # are deferred because nobody reads them and decoding them is what costs.
    regions = list(
        _covering(Region.objects.select_related("parent__parent"), point).defer(
            "boundary", "parent__boundary", "parent__parent__boundary"
        )
    )
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
        point=point,
    )
