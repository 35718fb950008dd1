"""Cases on the map by view and zoom: clusters with exact counts, single cases at street zoom.

The browser asks for what is in view (bbox) at the zoom it shows and never holds more than a
few thousand features. Clusters are the cases grouped on a lon/lat grid whose step is about
CLUSTER_PX screen pixels at that zoom; each sits at the centroid of its cases and carries their
exact count.

Wide views (county, township) are answered from `CaseSquare`, a count per map square, township,
state and grade kept current in the transaction that changes a case (`recorded`, called by the
one helper that records every change of a case): a view reads the rows of its clusters' squares,
whatever the number of cases. Views the summary cannot answer — narrow ones, and filters it
does not hold (category, overdue, dates, text, region, unit), or a user who sees cases by unit
rather than by place — group the matching cases themselves, found through the spatial index of
their points. Both databases run the same code; on SpatiaLite (a demo county) either path is
quick.
"""

import json
import math

from django.contrib.gis.gdal import OGRGeometry
from django.db import connection
from django.db.models import Avg, Count, F, FloatField, Func, IntegerField, Sum, Value
from django.db.models.functions import Floor, Left
from django.utils import timezone
from rest_framework.fields import DateTimeField

from disputes.lifecycle import is_overdue
from grid import jurisdiction

from .models import CaseSquare

CLUSTER_PX = 60  # a cluster gathers the cases within about this many screen pixels
# The summary keeps one grid per zoom from LEVELS[0] to LEVELS[-1], each square the size of a cluster
# at that zoom: a view reads at most its clusters' squares (times the states, grades and townships in
# them). Wider zooms merge squares of the coarsest grid; narrower ones group the cases themselves.
LEVELS = range(8, 14)
POINTS_FROM_ZOOM = 16  # single cases from this zoom (a street)
MAX_POINTS = 2000  # more cases than this in a street view are clustered all the same
# The query parameters the summary can answer besides the view; any other filter groups the cases.
SUMMARY_FILTERS = {"state", "grade"}
# The acts that change what the summary counts by without changing the state (grading.regrade_case).
REGRADING = {"regrade"}


class X(Func):
    function = "ST_X"
    output_field = FloatField()


class Y(Func):
    function = "ST_Y"
    output_field = FloatField()


def step(zoom):
    """The cluster grid's step in degrees at `zoom` (256-pixel tiles): halves with every zoom."""
    return CLUSTER_PX * 360 / (256 * 2**zoom)


def square(level, lon, lat):
    size = step(level)
    return math.floor(lon / size), math.floor(lat / size)


def level_for(zoom):
    """The summary grid a view at `zoom` reads, or None when the cases are grouped instead."""
    if zoom > LEVELS[-1]:
        return None
    return max(zoom, LEVELS[0])


# --- keeping the summary ----------------------------------------------------------------


def recorded(case, entry):
    """The one helper that records a change of a case (disputes.workflow.core.record) calls this in
    the transaction of the change. A case's place and area are fixed when it opens; its state and
    grade move it from one row to another: one statement takes it out of the old rows and adds it to
    the new ones at every level (atomic upserts, so concurrent changes add up)."""
    grade = case.grade
    old_grade = entry.details.get("from") if entry.action in REGRADING else grade
    if entry.from_state == entry.to_state and old_grade == grade:
        return
    point = case.point
    if point is None:  # a case known by its id only
        from disputes.models import Case

        point = Case.objects.values_list("point", flat=True).get(pk=case.pk)
    township = case.area_code[:9]
    moves = [(entry.to_state, grade, 1)]
    if entry.from_state:  # "" when the case opens
        moves.append((entry.from_state, old_grade, -1))
    rows = []
    for level in LEVELS:
        gx, gy = square(level, point.x, point.y)
        for state, grade_, n in moves:
            rows.append((level, gx, gy, township, state, grade_, n, n * point.x, n * point.y))
    add(sorted(rows))  # one order for every transaction: no deadlock between two of them


def add(rows):
    """Add (level, gx, gy, township, state, grade, n, sum_lon, sum_lat) rows to the counts."""
    table = CaseSquare._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (level, gx, gy, township, state, grade, n, sum_lon, sum_lat) VALUES {values}"
            " ON CONFLICT (level, gx, gy, township, state, grade) DO UPDATE SET"
            f" n = {table}.n + excluded.n, sum_lon = {table}.sum_lon + excluded.sum_lon,"
            f" sum_lat = {table}.sum_lat + excluded.sum_lat",
            [value for row in rows for value in row],
        )


def rebuild():
    """Recount every square from the cases (after a bulk load; the migration starts empty), in SQL."""
    from disputes.models import Case

    CaseSquare.objects.all().delete()
    columns = ("gx", "gy", "township", "state", "grade", "n", "sum_lon", "sum_lat")
    for level in LEVELS:
        size = step(level)
        rows = (
            Case.objects.annotate(
                gx=Floor(X("point") / Value(size), output_field=IntegerField()),
                gy=Floor(Y("point") / Value(size), output_field=IntegerField()),
                township=Left("area_code", 9),
            )
            .values("gx", "gy", "township", "state", "grade")
            .annotate(n=Count("pk"), sum_lon=Sum(X("point")), sum_lat=Sum(Y("point")))
            .order_by()
        )
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {CaseSquare._meta.db_table} (level, {', '.join(columns)})"
                f" SELECT %s, {', '.join(f'q.{name}' for name in columns)} FROM ({sql}) q",
                (level, *params),
            )


# --- reading ----------------------------------------------------------------------------


def summary_scope(user):
    """The township-code prefixes that are all `user` sees ([""] for everything), or None when the
    user sees cases by anything else than place (cells, units, own reports): the summary cannot tell."""
    holder = jurisdiction.of(user)
    if holder.everything:
        return [""]
    if holder.cells or holder.units or holder.patrols:
        return None
    prefixes = sorted(holder.region_prefixes)
    if not prefixes or any(len(prefix) > 9 for prefix in prefixes):
        return None
    return prefixes


def summary_can_answer(params, user, zoom):
    """The summary level and the user's prefixes when the summary answers this view, else None."""
    level = level_for(zoom)
    if level is None or zoom >= POINTS_FROM_ZOOM:
        return None
    given = {name for name in params if name not in ("bbox", "zoom")}
    if not given <= SUMMARY_FILTERS:
        return None
    prefixes = summary_scope(user)
    return None if prefixes is None else (level, prefixes)


def clusters_from_summary(level, prefixes, box, zoom, states=(), grades=()):
    """[(lon, lat, count)] from the summary squares of `level` meeting `box`, merged for wider zooms."""
    from django.db.models import Q

    minx, miny, maxx, maxy = box.extent
    x0, y0 = square(level, minx, miny)
    x1, y1 = square(level, maxx, maxy)
    rows = CaseSquare.objects.filter(level=level, gx__gte=x0, gx__lte=x1, gy__gte=y0, gy__lte=y1)
    if prefixes != [""]:
        scope = Q()
        for prefix in prefixes:
            scope |= Q(township__startswith=prefix)
        rows = rows.filter(scope)
    if states:
        rows = rows.filter(state__in=states)
    if grades:
        rows = rows.filter(grade__in=grades)
    merge = 2 ** (level - zoom)  # squares of one cluster along each side (1 from LEVELS[0] in)
    if merge > 1:
        # Integer division rounds towards zero: right for the eastern and northern hemispheres.
        rows = rows.annotate(
            cx=F("gx") / Value(merge, output_field=IntegerField()),
            cy=F("gy") / Value(merge, output_field=IntegerField()),
        )
        keys = ("cx", "cy")
    else:
        keys = ("gx", "gy")
    grouped = (
        rows.values(*keys)
        .annotate(count=Sum("n"), lon=Sum("sum_lon"), lat=Sum("sum_lat"))
        .filter(count__gt=0)
        .order_by()
    )
    return [(row["lon"] / row["count"], row["lat"] / row["count"], row["count"]) for row in grouped]


def clusters_from_cases(cases, zoom):
    """[(lon, lat, count)] grouping `cases` (already narrowed to the view) on the cluster grid."""
    cluster = step(zoom)
    grouped = (
        cases.annotate(
            cx=Floor(X("point") / Value(cluster), output_field=IntegerField()),
            cy=Floor(Y("point") / Value(cluster), output_field=IntegerField()),
        )
        .values("cx", "cy")
        .annotate(count=Count("pk"), lon=Avg(X("point")), lat=Avg(Y("point")))
        .order_by()
    )
    return [(row["lon"], row["lat"], row["count"]) for row in grouped]


def cluster_feature(lon, lat, count):
    return {
        "type": "Feature",
        "id": None,
        "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
        "properties": {"cluster": True, "count": count},
    }


# --- single cases at street zoom --------------------------------------------------------

# What a marker reads, in the order of CaseGeoSerializer's properties (disputes/api/serializers.py);
# `category` is the category's code, `overdue` is worked out from state and due_at.
POINT_PROPERTIES = ("number", "kind", "category", "grade", "severity", "state", "due_at")


def point_features(cases, now):
    """CaseGeoSerializer's features for `cases` (a queryset, in its order), built from plain values.

    One query of the marker's columns (the point as two numbers) and no model object or serializer
    field per value; the coordinates go through GDAL once for the whole answer, as a MultiPoint,
    so that they are written exactly as the serializer (GEOS → GDAL's GeoJSON) writes them.
    tests/maps/test_street_view.py holds the output to the serializer's.
    """
    rows = list(
        cases.annotate(lon=X("point"), lat=Y("point"), category_code=F("category__code")).values_list(
            "pk", "lon", "lat", "number", "kind", "category_code", "grade", "severity", "state", "due_at"
        )
    )
    # The serializer's field for due_at (the same text), with the active time zone looked up once
    # rather than once a value.
    due_text = DateTimeField(default_timezone=timezone.get_current_timezone()).to_representation
    placed = [(lon, lat) for _pk, lon, lat, *_rest in rows if lon is not None]
    coordinates = iter(
        json.loads(OGRGeometry("MULTIPOINT (" + ", ".join(f"{x!r} {y!r}" for x, y in placed) + ")").json)["coordinates"]
        if placed
        else ()
    )
    features = []
    for pk, lon, _lat, number, kind, category, grade, severity, state, due_at in rows:
        values = (
            number,
            kind,
            category,
            grade,
            severity,
            state,
            None if due_at is None else due_text(due_at),
        )
        properties = dict(zip(POINT_PROPERTIES, values, strict=True))
        properties["overdue"] = is_overdue(state, due_at, now)
        geometry = None if lon is None else {"type": "Point", "coordinates": next(coordinates)}
        features.append({"id": pk, "type": "Feature", "geometry": geometry, "properties": properties})
    return features
