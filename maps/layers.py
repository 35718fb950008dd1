"""How a map layer is drawn: boundaries simplified and rounded for a zoom level, the box
filter that uses the spatial index on both databases, and which grid cells a user sees.

The database simplifies (ST_SimplifyPreserveTopology / SimplifyPreserveTopology) and writes the
GeoJSON at the zoom's precision, so that only what will be drawn leaves it. Rounding can still
collapse a small area or make a ring touch itself, so every shape is checked here, and a shape
that does not survive is drawn from finer data instead (one more query for all such rows).
"""

import json
import math
from functools import reduce
from operator import or_

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, GeoFunc
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable

from grid import jurisdiction
from grid.jurisdiction import CELL_ROLES
from grid.models import GridCell, GridCellQuerySet, Member, Role

MIN_ZOOM = 0
MAX_ZOOM = 22
# A fairly close view (a pixel is ~10 m at 41°N): fine for a county overview and for one village.
DEFAULT_ZOOM = 14
MAX_DECIMALS = 6  # ~0.1 m; more is noise
EXACT_DECIMALS = 8  # what the fallback reads before rounding it here


def tolerance(zoom):
    """Half a 256-pixel tile's pixel at `zoom`, in degrees: detail below it cannot be seen."""
    return 360 / (256 * 2**zoom) / 2


def decimals(zoom):
    """Decimal places that keep the rounding error below the simplification tolerance."""
    return max(1, min(MAX_DECIMALS, math.ceil(math.log10(1 / tolerance(zoom)))))


class SimplifyPreserveTopology(GeoFunc):
    """ST_SimplifyPreserveTopology on PostGIS, SimplifyPreserveTopology on SpatiaLite."""

    # SpatiaLite answers a Polygon for a one-part MultiPolygon.
    output_field = GeometryField(srid=4326)


def with_shapes(queryset, zoom):
    """`queryset` without its boundaries, annotated with `shape`: the simplified GeoJSON text."""
    simplified = SimplifyPreserveTopology("boundary", tolerance(zoom))
    return queryset.defer("boundary").annotate(shape=AsGeoJSON(simplified, precision=decimals(zoom)))


def in_box(queryset, box):
    """Rows whose boundary's bounding box meets `box` (a Polygon), answered by the spatial index.

    PostGIS's `&&` (`bboverlaps`) is index-backed and true whenever the boxes meet. SpatiaLite's
    MbrOverlaps is the strict DE-9IM overlap (a region holding the whole box would be dropped)
    and ignores the index, so its R*Tree is asked directly, as grid.location does.
    """
    if connection.ops.spatialite:
        table = queryset.model._meta.db_table
        minlon, minlat, maxlon, maxlat = box.extent
        return queryset.filter(
            pk__in=RawSQL(
                f'SELECT pkid FROM "idx_{table}_boundary"'
                " WHERE xmin <= %s AND xmax >= %s AND ymin <= %s AND ymax >= %s",
                (maxlon, minlon, maxlat, minlat),
            )
        )
    return queryset.filter(boundary__bboverlaps=box)


def draw(rows, zoom):
    """Give each row of `with_shapes` a `map_geometry`: a valid, non-empty GeoJSON MultiPolygon.

    The shape from the database is used when it survives; otherwise, in this order, the
    simplified boundary at six decimals, the whole boundary at the zoom's precision, and the
    whole boundary at six decimals. The fallbacks cost one query, only when needed.
    """
    places = decimals(zoom)
    missing = []
    for row in rows:
        row.map_geometry = area(_loads(row.shape))
        if row.map_geometry is None:
            missing.append(row)
    if not missing:
        return rows
    model = type(missing[0])
    exact = {
        pk: (_loads(simplified), _loads(whole))
        for pk, simplified, whole in model.objects.filter(pk__in=[row.pk for row in missing])
        .annotate(
            simplified=AsGeoJSON(SimplifyPreserveTopology("boundary", tolerance(zoom)), precision=EXACT_DECIMALS),
            whole=AsGeoJSON("boundary", precision=EXACT_DECIMALS),
        )
        .values_list("pk", "simplified", "whole")
    }
    for row in missing:
        simplified, whole = exact[row.pk]
        row.map_geometry = (
            area(rounded(simplified, MAX_DECIMALS))
            or area(rounded(whole, places))
            or area(rounded(whole, MAX_DECIMALS), check=False)
        )
    return rows


def _loads(text):
    return json.loads(text) if text else None


def rounded(geometry, places):
    """A GeoJSON geometry with every coordinate rounded to `places` decimals."""
    if geometry is None:
        return None

    def walk(value):
        if value and isinstance(value[0], int | float):
            return [round(number, places) for number in value]
        return [walk(item) for item in value]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def area(geometry, check=True):
    """`geometry` as a GeoJSON MultiPolygon without repeated consecutive points, or None when it
    is not polygonal, is empty or (with `check`) is not valid."""
    if geometry is None:
        return None
    if geometry.get("type") == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return None
    cleaned = []
    for polygon in polygons:
        rings = [_without_repeats(ring) for ring in polygon]
        if not rings or any(len(ring) < 4 for ring in rings):
            if check:
                return None
            continue
        cleaned.append(rings)
    if not cleaned:
        return None
    if check and not _valid(cleaned):
        return None
    return {"type": "MultiPolygon", "coordinates": cleaned}


def _without_repeats(ring):
    kept = []
    for point in ring:
        if not kept or point != kept[-1]:
            kept.append(point)
    return kept


def _valid(polygons):
    text = "MULTIPOLYGON({})".format(
        ",".join(
            "({})".format(",".join("({})".format(",".join(f"{x} {y}" for x, y, *_ in ring)) for ring in polygon))
            for polygon in polygons
        )
    )
    try:
        geometry = GEOSGeometry(text, srid=4326)
    except (GEOSException, ValueError):
        return False
    # valid_reason, unlike valid, does not log a GEOS notice for every shape that fails.
    return not geometry.empty and geometry.valid_reason == "Valid Geometry"


def vertex_count(geometry):
    """How many positions a GeoJSON geometry holds (for tests and benchmarks)."""

    def walk(value):
        if value and isinstance(value[0], int | float):
            return 1
        return sum(walk(item) for item in value)

    return walk(geometry["coordinates"])


# --- who sees which cells ---------------------------------------------------------------


def cells_visible_to(user, cells=None):
    """Grid cells in the regions of the user's active memberships; everything for a superuser.

    A gridworker sees the cells of the village they serve, a township centre the township's,
    a county centre the county's; a user with no membership sees none. One query. `cells`
    is the queryset to narrow (default: all grid cells).
    """
    cells = GridCell.objects.all() if cells is None else cells
    holder = jurisdiction.of(user)
    if holder.everything:
        return cells
    if not holder.areas:
        return cells.none()
    return cells.filter(reduce(or_, (Q(code__startswith=prefix) for prefix in holder.areas)))


def cells_of(user):
    """The pks of the cells `user` is assigned to (their "my grid"), as a subquery."""
    return Member.cells.through.objects.filter(
        member__user=user, member__active=True, member__unit__active=True
    ).values("gridcell_id")


# --- who patrols each cell ------------------------------------------------------------------


class MapCells(GridCellQuerySet):
    """Grid cells that, once fetched (`with_people()`), carry their active patrollers:
    `gridworkers` and `volunteers` (display names, in the order they were assigned) and
    `people` (their user ids).

    The names come in one query of plain values, with the cells picked by this queryset as a
    subquery: building a Member and a User per assignment (a prefetch) cost most of a large
    response's query time, and a list of thousands of cell ids makes SQLite choose a very slow
    plan. `prefetch_related(None)` drops the step, as it drops a prefetch.
    """

    _with_people = False

    def with_people(self):
        clone = self._chain()
        clone._with_people = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._with_people = self._with_people
        return clone

    def prefetch_related(self, *lookups):
        clone = super().prefetch_related(*lookups)
        if lookups == (None,):
            clone._with_people = False
        return clone

    def _fetch_all(self):
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._with_people and self._iterable_class is ModelIterable:
            attach_people(self._result_cache, self)


def assignments(picked):
    """(cell pk, role, user id, username, last name, first name) of the active patrollers of the
    cells in the queryset `picked`, as plain values; the cells are picked by a subquery (a list of
    many ids makes SQLite choose a very slow plan)."""
    return (
        Member.cells.through.objects.filter(
            gridcell_id__in=picked.values("pk"),
            member__active=True,
            member__unit__active=True,
            member__role__in=CELL_ROLES,
        )
        .order_by("member_id")
        .values_list(
            "gridcell_id",
            "member__role",
            "member__user_id",
            "member__user__username",
            "member__user__last_name",
            "member__user__first_name",
        )
    )


def attach_people(cells, picked):
    """Give each of `cells` (fetched from the queryset `picked`) its patrollers; one query."""
    by_pk = {}
    for cell in cells:
        cell.gridworkers, cell.volunteers, cell.people = [], [], set()
        by_pk[cell.pk] = cell
    if not by_pk:
        return
    for cell_pk, role, user_id, username, last_name, first_name in assignments(picked):
        cell = by_pk.get(cell_pk)
        if cell is None:
            continue
        # As grid.models.display_name, without building a User.
        name = f"{last_name}{first_name}".strip() or username
        (cell.gridworkers if role == Role.GRIDWORKER else cell.volunteers).append(name)
        cell.people.add(user_id)
