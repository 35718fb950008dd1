"""maps.layers: zoom arithmetic, the shape checks, the fallback drawing, and the API schema."""

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from grid.models import GridCell, Region
from maps import layers


def test_tolerance_halves_with_each_zoom_and_precision_follows_it():
    assert layers.tolerance(0) == pytest.approx(360 / 512)
    for zoom in range(layers.MIN_ZOOM, layers.MAX_ZOOM):
        assert layers.tolerance(zoom + 1) == pytest.approx(layers.tolerance(zoom) / 2)
        assert layers.decimals(zoom) <= layers.decimals(zoom + 1) <= layers.MAX_DECIMALS
        # Rounding moves a point by less than the simplification does, up to the six-decimal cap.
        assert 0.5 * 10 ** -layers.decimals(zoom) <= max(layers.tolerance(zoom), 0.5e-6)
    assert [layers.decimals(zoom) for zoom in (0, 8, 12, 14, 18, 22)] == [1, 3, 4, 5, 6, 6]


SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def test_area_accepts_valid_polygons_as_multipolygons():
    assert layers.area({"type": "Polygon", "coordinates": [SQUARE]}) == {
        "type": "MultiPolygon",
        "coordinates": [[SQUARE]],
    }
    repeated = [[0, 0], [1, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    assert layers.area({"type": "MultiPolygon", "coordinates": [[repeated]]})["coordinates"] == [[SQUARE]]


@pytest.mark.parametrize(
    "geometry",
    [
        None,
        {"type": "Point", "coordinates": [0, 0]},
        {"type": "MultiPolygon", "coordinates": []},
        # Rounded to nothing: every corner on one point.
        {"type": "Polygon", "coordinates": [[[0, 0], [0, 0], [0, 0], [0, 0]]]},
        # Collapsed to a line.
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]},
        # A bow tie: the ring crosses itself.
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
    ],
)
def test_area_refuses_what_is_not_a_valid_area(geometry):
    assert layers.area(geometry) is None


def test_rounded_rounds_every_coordinate():
    shape = {"type": "Polygon", "coordinates": [[[0.123456789, 1.987654321], [2, 3]]]}
    assert layers.rounded(shape, 3) == {"type": "Polygon", "coordinates": [[[0.123, 1.988], [2, 3]]]}
    assert layers.rounded(None, 3) is None


def test_a_shape_that_rounding_breaks_is_drawn_finer_in_one_more_query(world):
    cells = layers.with_shapes(GridCell.objects.order_by("code"), 0)
    layers.draw(list(cells), 0)  # SpatiaLite asks its version once per connection
    with CaptureQueriesContext(connection) as queries:
        rows = layers.draw(list(cells.all()), 0)
    assert len(queries) == 2
    tiny = next(row for row in rows if row.code == world.tiny.code)
    shape = GEOSGeometry(json.dumps(tiny.map_geometry), srid=4326)
    assert shape.valid and not shape.empty
    assert shape.extent == pytest.approx(world.tiny.boundary.extent, abs=1e-6)
    # Everything else survived rounding to one decimal.
    assert all(row.map_geometry["coordinates"] for row in rows)

    regions = layers.with_shapes(Region.objects.order_by("code"), 14)
    with CaptureQueriesContext(connection) as queries:
        layers.draw(list(regions), 14)
    assert len(queries) == 1


def test_the_schema_describes_the_layers_without_warnings():
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("maps/", include("maps.urls"))])
    schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS, (GENERATOR_STATS._warn_cache, GENERATOR_STATS._error_cache)
    cells = schema["paths"]["/maps/cells.geojson"]["get"]
    assert {p["name"] for p in cells["parameters"]} == {"bbox", "zoom", "region", "mine", "If-None-Match"}
    regions = schema["paths"]["/maps/regions.geojson"]["get"]
    assert {p["name"] for p in regions["parameters"]} == {"bbox", "zoom", "level", "within", "If-None-Match"}
    assert set(regions["responses"]) == {"200", "304", "400"}
    assert set(cells["responses"]) == {"200", "304", "400", "401", "403"}


def test_the_whole_api_schema_still_generates(world, admin_client):
    response = admin_client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/maps/cells.geojson" in response.content and b"/api/cases/" in response.content
