"""Point location: which grid cell, village, township and county hold a point.

Rule for shared edges and vertices: boundaries belong to every area they bound
(a point on an edge intersects both sides), and the area with the smallest code
wins. The answer is then one consistent chain: the village, township and county
are the ancestors of the chosen cell, never separate guesses. A point inside a
village that no cell covers still gets its village, township and county.

Both backends use their spatial index: PostGIS's ST_Intersects applies the GiST
index by itself; SpatiaLite needs its R*Tree virtual table queried explicitly.
"""

import time
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


# The hot path (every report, every map click) is one hand-written query: the cell and its
# three ancestors, no geometry sent back. The ORM spent more time building the query and
# decoding unused boundaries than the database spent finding the cell (bench/locate.py).
CELL_COLUMNS = ("id", "code", "name", "village_id", "kind", "households")
REGION_COLUMNS = ("id", "code", "name", "level", "parent_id")
_SELECT = (
    "SELECT "
    + ", ".join(f"c.{name}" for name in CELL_COLUMNS)
    + ", "
    + ", ".join(f"{alias}.{name}" for alias in ("v", "t", "k") for name in REGION_COLUMNS)
    + " FROM grid_gridcell c JOIN grid_region v ON v.id = c.village_id"
    " JOIN grid_region t ON t.id = v.parent_id JOIN grid_region k ON k.id = t.parent_id WHERE "
)
CELL_SQL = {
    "postgresql": _SELECT + "ST_Intersects(c.boundary, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY c.code LIMIT 1",
    "sqlite": _SELECT + "c.id IN (SELECT pkid FROM idx_grid_gridcell_boundary WHERE xmin <= %s AND xmax >= %s"
    " AND ymin <= %s AND ymax >= %s) AND ST_Intersects(c.boundary, MakePoint(%s, %s, 4326)) = 1"
    " ORDER BY c.code LIMIT 1",
}


def cell_query(lon, lat):
    """The SQL and parameters of the cell look-up on this database."""
    if connection.vendor == "postgresql":
        return CELL_SQL["postgresql"], (lon, lat)
    return CELL_SQL["sqlite"], (lon, lon, lat, lat, lon, lat)


def _fetch_cell_row(lon, lat):
    sql, params = cell_query(lon, lat)
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    # Django binds parameters on the client, so PostgreSQL would plan this join on every call;
    # a prepared statement is planned once per connection (keep DB_CONN_MAX_AGE above 0).
    import psycopg

    connection.ensure_connection()
    started = time.perf_counter()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql % params, "time": f"{time.perf_counter() - started:.3f}"})
    return row


def _chain_from_row(row):
    alias = connection.alias
    n_cell, n_region = len(CELL_COLUMNS), len(REGION_COLUMNS)
    cell = GridCell.from_db(alias, CELL_COLUMNS, row[:n_cell])
    village, township, county = (
        Region.from_db(alias, REGION_COLUMNS, row[n_cell + i * n_region : n_cell + (i + 1) * n_region])
        for i in range(3)
    )
    cell.village, village.parent, township.parent = village, township, county
    return Location(cell=cell, village=village, township=township, county=county)


def locate(lon, lat):
    """The Location of (lon, lat) in WGS 84, or OUTSIDE. Raises CoordinateError."""
    point = make_point(lon, lat)
    row = _fetch_cell_row(point.x, point.y)
    if row is not None:
        return _chain_from_row(row)

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
    )
