"""grid.locate: inside, outside, shared edges and vertices, holes, multi-part areas — each answered
from the in-memory index (shapely's STRtree) and from the database, which must agree.

The layout (lon, lat), every edge exact in binary floating point:

    lat 43 +-----------------+-----------------+
           |  V2: cell C3    |  V4 (no cells)  |
           |   [C4 = hole]   +-----------------+ 42.5
    lat 42 +--------+--------+  V3: C5 and C6  |
           | V1: C1 |   C2   |  (two parts     |
           |        |        |   each, checker)|
    lat 41 +--------+--------+-----------------+
          114     114.5     115               116
            township T1          township T2
"""

import random

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from django.test.utils import CaptureQueriesContext

import grid
from core import versions
from grid import location as loc
from grid.location import OUTSIDE, CoordinateError
from grid.models import GridCell
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["memory", "database"])
def where(request, settings):
    """Every test runs against both ways of answering."""
    settings.LOCATE_IN_MEMORY = request.param == "memory"
    return request.param


@pytest.fixture
def county():
    county = f.county(bounds=(114, 41, 116, 43))
    t1 = f.township(county, "150922100000", "长顺镇", (114, 41, 115, 43))
    t2 = f.township(county, "150922101000", "朝阳镇", (115, 41, 116, 43))
    v1 = f.village(t1, "150922100201", "东沟村", (114, 41, 115, 42))
    v2 = f.village(t1, "150922100202", "西滩村", (114, 42, 115, 43))
    v3 = f.village(t2, "150922101201", "王家营村", (115, 41, 116, 42.5))
    v4 = f.village(t2, "150922101202", "三道沟村", (115, 42.5, 116, 43))
    cells = {
        "C1": f.cell(v1, 1, (114, 41, 114.5, 42)),
        "C2": f.cell(v1, 2, (114.5, 41, 115, 42)),
        # C3 has a hole that is exactly C4, a dedicated cell (a school).
        "C3": f.cell(
            v2,
            1,
            None,
            boundary=MultiPolygon(
                Polygon(
                    ((114, 42), (115, 42), (115, 43), (114, 43), (114, 42)),
                    ((114.25, 42.25), (114.25, 42.75), (114.75, 42.75), (114.75, 42.25), (114.25, 42.25)),
                ),
                srid=4326,
            ),
        ),
        "C4": f.cell(v2, 2, (114.25, 42.25, 114.75, 42.75), kind="dedicated"),
        "C5": f.cell(
            v3,
            1,
            None,
            boundary=MultiPolygon(
                Polygon.from_bbox((115, 41, 115.5, 41.75)), Polygon.from_bbox((115.5, 41.75, 116, 42.5)), srid=4326
            ),
        ),
        "C6": f.cell(
            v3,
            2,
            None,
            boundary=MultiPolygon(
                Polygon.from_bbox((115.5, 41, 116, 41.75)), Polygon.from_bbox((115, 41.75, 115.5, 42.5)), srid=4326
            ),
        ),
    }
    return {"county": county, "t1": t1, "t2": t2, "v1": v1, "v2": v2, "v3": v3, "v4": v4, **cells}


def codes(location):
    return (
        location.cell and location.cell.code,
        location.village and location.village.code,
        location.township and location.township.code,
        location.county and location.county.code,
    )


@pytest.mark.parametrize(
    ("lon", "lat", "cell", "village", "township"),
    [
        (114.2, 41.5, "C1", "v1", "t1"),
        (114.8, 41.2, "C2", "v1", "t1"),
        (114.1, 42.9, "C3", "v2", "t1"),
        (115.2, 41.3, "C5", "v3", "t2"),  # first part of C5
        (115.8, 42.2, "C5", "v3", "t2"),  # second part of C5
        (115.8, 41.3, "C6", "v3", "t2"),
        (115.2, 42.2, "C6", "v3", "t2"),
    ],
)
def test_point_inside_gets_its_cell_and_the_cells_chain(county, lon, lat, cell, village, township):
    location = grid.locate(lon, lat)
    assert location.inside
    assert codes(location) == (
        county[cell].code,
        county[village].code,
        county[township].code,
        county["county"].code,
    )


def test_point_in_a_hole_belongs_to_what_fills_the_hole(county):
    assert grid.locate(114.5, 42.5).cell == county["C4"]
    # Just outside the hole, the holed cell.
    assert grid.locate(114.2, 42.5).cell == county["C3"]


def test_point_far_outside_every_boundary(county):
    location = grid.locate(100.0, 30.0)
    assert location == OUTSIDE
    assert not location
    assert codes(location) == (None, None, None, None)


def test_point_just_outside_the_county_edge(county):
    assert not grid.locate(113.999999, 41.5)
    assert not grid.locate(116.000001, 42.0)


def test_shared_edge_goes_to_the_smaller_code(county):
    # x = 114.5 is the edge between C1 (…201001) and C2 (…201002).
    assert grid.locate(114.5, 41.5).cell == county["C1"]


def test_shared_vertex_goes_to_the_smaller_code(county):
    # (114.5, 42) touches C1, C2 and C3.
    assert grid.locate(114.5, 42.0).cell == county["C1"]


def test_edge_between_townships_gives_one_consistent_chain(county):
    # x = 115 separates township T1 (C2) from township T2 (C5/C6).
    location = grid.locate(115.0, 41.5)
    assert location.cell == county["C2"]
    assert (location.village, location.township) == (county["v1"], county["t1"])


def test_edge_of_a_hole_goes_to_the_smaller_code(county):
    # The hole's rim belongs to both C3 (…202001) and C4 (…202002).
    assert grid.locate(114.25, 42.5).cell == county["C3"]


def test_internal_vertex_of_a_multipart_cell(county):
    # (115.5, 41.75) is the corner where C5's two parts and C6's two parts meet.
    assert grid.locate(115.5, 41.75).cell == county["C5"]


def test_county_outer_edge_counts_as_inside(county):
    location = grid.locate(114.0, 41.5)
    assert location.cell == county["C1"]


def test_village_without_cells_still_gets_village_township_and_county(county):
    location = grid.locate(115.5, 42.8)
    assert location.inside
    assert codes(location) == (None, county["v4"].code, county["t2"].code, county["county"].code)


def test_township_without_villages_gives_township_and_county():
    county = f.county(bounds=(114, 41, 116, 43))
    township = f.township(county, "150922200000", "德包图乡", (114, 41, 115, 43))
    location = grid.locate(114.5, 42)
    assert codes(location) == (None, None, township.code, county.code)
    location = grid.locate(115.5, 42)
    assert codes(location) == (None, None, None, county.code)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(181, 40), (-180.5, 40), (114, 90.01), (114, -91), ("east", 40), (None, 40), (float("nan"), 40)],
)
def test_coordinates_out_of_range_or_not_numbers_are_refused(lon, lat):
    with pytest.raises(CoordinateError):
        grid.locate(lon, lat)


def test_a_found_cell_costs_one_query_or_none_from_memory(county, where, django_assert_num_queries):
    versions.request_started()  # in a request, the cached regions' version is read once
    try:
        grid.locate(114.8, 41.5)  # the first look-up in a process loads the regions (and cells)
        with django_assert_num_queries(0 if where == "memory" else 1):
            location = grid.locate(114.2, 41.5)
            # The chain comes with the cell: no further queries to reach the county.
            assert location.county.code == county["county"].code
            assert location.township.name == "长顺镇"
    finally:
        versions.request_finished()


def test_a_renamed_region_is_seen_at_once(county):
    assert grid.locate(114.2, 41.5).village.name == "东沟村"
    village = county["v1"]
    village.name = "东沟新村"
    village.save()
    assert grid.locate(114.2, 41.5).village.name == "东沟新村"


def test_the_cell_query_goes_through_the_spatial_index(county, settings):
    settings.LOCATE_IN_MEMORY = False
    with CaptureQueriesContext(connection) as queries:
        grid.locate(114.2, 41.5)
    sql = queries.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        # On a tiny table the planner prefers a sequential scan; forbid it to prove the
        # predicate can use the GiST index at all.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "grid_gridcell_boundary" in plan and "Index" in plan, plan
    else:
        assert "idx_grid_gridcell_boundary" in sql


def test_memory_and_database_agree_everywhere_edges_and_vertices_included(county, where):
    """Random points and every point of a 1/8° lattice (all edges and vertices of the layout)."""
    rng = random.Random(7)
    points = [(rng.uniform(113.9, 116.1), rng.uniform(40.9, 43.1)) for _ in range(300)]
    points += [(114 + i / 8, 41 + j / 8) for i in range(17) for j in range(17)]
    index = loc.cells.get()
    for lon, lat in points:
        from_memory = index.find(lon, lat)
        from_database = loc._find_cell_in_database(lon, lat)
        assert (from_memory and from_memory[1]) == (from_database and from_database.code), (lon, lat)


def test_a_changed_cell_is_seen_at_once_and_a_bulk_insert_through_the_database(county, where):
    assert grid.locate(114.2, 41.5).cell.code == county["C1"].code
    moved = county["C1"]
    moved.boundary = MultiPolygon(Polygon.from_bbox((114, 41, 114.1, 42)), srid=4326)
    moved.save()  # C1 shrinks to a strip: the point now lies in no cell of V1
    assert grid.locate(114.2, 41.5).cell is None
    assert grid.locate(114.05, 41.5).cell.code == moved.code
    # A cell written without signals (a bulk insert: V4 had none) is not in the index, and is
    # found all the same.
    v4 = county["v4"]
    boundary = MultiPolygon(Polygon.from_bbox((115, 42.5, 116, 43)), srid=4326)
    added = GridCell(code=f"{v4.code}001", name="新网格", village=v4, boundary=boundary)
    GridCell.objects.bulk_create([added])
    if where == "memory":
        assert loc.cells.get().find(115.5, 42.8) is None
    assert grid.locate(115.5, 42.8).cell.code == added.code


def test_the_index_holds_no_more_than_its_limit(county, settings):
    settings.LOCATE_IN_MEMORY_MAX_CELLS = 3
    loc.cells.forget()
    try:
        assert loc.cells.get() is None
        assert grid.locate(114.2, 41.5).cell.code == county["C1"].code  # the database answers
    finally:
        loc.cells.forget()
