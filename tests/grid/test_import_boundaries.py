"""The boundary importer, end to end: real files written with GDAL and pyshp, imported through the command."""

import json
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
import shapefile
from django.contrib.gis.gdal import DataSource
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from grid.models import GridCell, GridCellKind, Region, RegionLevel
from tests import factories

pytestmark = pytest.mark.django_db

BOM = b"\xef\xbb\xbf"
HUADE = Path(__file__).resolve().parents[2] / "demo" / "data" / "huade-150922.geojson"
SHARED_COUNTIES = Path("/work/shared/data/boundaries/counties-150900.geojson")

COUNTY = "150922000000"
TOWNSHIP = "150922101000"
VILLAGE = "150922101201"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def ring(xmin, ymin, xmax, ymax):
    return [[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax], [xmin, ymin]]


def polygon(bounds=(114.0, 41.0, 114.5, 41.5)):
    return {"type": "Polygon", "coordinates": [ring(*bounds)]}


def feature(code, name, geometry=None, **properties):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **properties},
        "geometry": polygon() if geometry is None else geometry,
    }


def write_geojson(path, features, bom=False):
    text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    path.write_bytes((BOM if bom else b"") + text.encode("utf-8"))
    return path


def ogr2ogr(target, source, *options):
    subprocess.run(["ogr2ogr", *options, str(target), str(source)], check=True, capture_output=True)
    return target


def run(path, level, *args):
    out, err = StringIO(), StringIO()
    call_command("import_boundaries", str(path), "--level", level, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_gbk_shapefile(base, records, name_field="名称"):
    writer = shapefile.Writer(str(base), shapeType=shapefile.POLYGON, encoding="gbk")
    writer.field("code", "C", 12)
    writer.field(name_field, "C", 50)
    for code, name, bounds in records:
        writer.poly([list(reversed(ring(*bounds)))])  # shapefile outer rings run clockwise
        writer.record(code, name)
    writer.close()
    return base.with_suffix(".shp")


def assert_close(extent, expected, tolerance=1e-6):
    assert extent == pytest.approx(expected, abs=tolerance)


# ---------------------------------------------------------------- formats


def test_geojson_with_bom_polygon_becomes_multipolygon(tmp_path):
    path = write_geojson(tmp_path / "county.geojson", [feature("150922", "化德县")], bom=True)

    out, err = run(path, "county")

    county = Region.objects.get()
    assert (county.code, county.name, county.level, county.parent) == (COUNTY, "化德县", RegionLevel.COUNTY, None)
    assert county.boundary.geom_type == "MultiPolygon"
    assert county.boundary.srid == 4326
    assert_close(county.boundary.extent, (114.0, 41.0, 114.5, 41.5))
    assert "1 county boundary: 1 created, 0 updated, 0 unchanged." in out
    assert "checked 1/1" in err and "saved 1/1" in err


def test_shapefile_in_gbk_without_cpg_is_detected(tmp_path):
    factories.county()
    path = write_gbk_shapefile(
        tmp_path / "townships",
        [(TOWNSHIP, "长顺镇", (114.0, 41.0, 114.5, 41.5)), ("150922102000", "朝阳镇", (114.5, 41.0, 115.0, 41.5))],
    )
    assert not path.with_suffix(".cpg").exists()
    with pytest.raises(UnicodeDecodeError):
        path.with_suffix(".dbf").read_bytes().decode("utf-8")

    run(path, "township", "--name-field", "名称")

    assert dict(Region.objects.filter(level="township").values_list("code", "name")) == {
        TOWNSHIP: "长顺镇",
        "150922102000": "朝阳镇",
    }
    # No .prj: the coordinates are taken as WGS 84 as they stand.
    assert_close(Region.objects.get(code=TOWNSHIP).boundary.extent, (114.0, 41.0, 114.5, 41.5))


def test_shapefile_cpg_is_honoured_and_explicit_encoding_overrides_a_wrong_one(tmp_path):
    factories.county()
    path = write_gbk_shapefile(tmp_path / "townships", [(TOWNSHIP, "长顺镇", (114.0, 41.0, 114.5, 41.5))])

    path.with_suffix(".cpg").write_text("GBK")  # GDAL recodes to UTF-8 itself
    run(path, "township", "--name-field", "名称")
    assert Region.objects.get(code=TOWNSHIP).name == "长顺镇"

    Region.objects.filter(code=TOWNSHIP).update(name="x")
    path.with_suffix(".cpg").write_text("1252")  # wrong: GDAL would turn the GBK bytes into Latin mojibake
    run(path, "township", "--name-field", "名称", "--encoding", "gbk")
    assert Region.objects.get(code=TOWNSHIP).name == "长顺镇"


def test_unknown_or_wrong_encoding_is_rejected(tmp_path):
    path = write_geojson(tmp_path / "county.geojson", [feature(COUNTY, "化德县")])
    with pytest.raises(CommandError, match="Unknown encoding “klingon”"):
        run(path, "county", "--encoding", "klingon")
    with pytest.raises(CommandError, match="county.geojson: the attribute values are not in the ascii encoding"):
        run(path, "county", "--encoding", "ascii")
    assert not Region.objects.exists()


def test_geopackage(tmp_path):
    source = write_geojson(tmp_path / "county.geojson", [feature(COUNTY, "化德县")])
    path = ogr2ogr(tmp_path / "county.gpkg", source, "-f", "GPKG")

    run(path, "county")

    county = Region.objects.get()
    assert county.name == "化德县"
    assert_close(county.boundary.extent, (114.0, 41.0, 114.5, 41.5))


@pytest.mark.parametrize(
    ("srs", "driver", "suffix"),
    [
        ("EPSG:4490", "GPKG", "gpkg"),
        ("EPSG:4490", "GeoJSON", "geojson"),
        ("EPSG:3857", "GeoJSON", "geojson"),
        ("EPSG:3857", "ESRI Shapefile", "shp"),
    ],
)
def test_reprojected_inputs_land_at_the_right_longitude_and_latitude(tmp_path, srs, driver, suffix):
    source = write_geojson(tmp_path / "wgs84.geojson", [feature(COUNTY, "化德县", polygon((114.1, 41.6, 114.6, 42.2)))])
    path = ogr2ogr(tmp_path / f"projected.{suffix}", source, "-f", driver, "-t_srs", srs)
    assert DataSource(str(path))[0].srs.srid == int(srs.removeprefix("EPSG:"))

    run(path, "county")

    # Longitude first: a swapped axis order would put the county at (41.6, 114.1).
    assert_close(Region.objects.get().boundary.extent, (114.1, 41.6, 114.6, 42.2))


def test_projected_shapefile_without_prj_needs_srid(tmp_path):
    source = write_geojson(tmp_path / "wgs84.geojson", [feature(COUNTY, "化德县")])
    path = ogr2ogr(tmp_path / "mercator.shp", source, "-t_srs", "EPSG:3857")
    path.with_suffix(".prj").unlink()

    with pytest.raises(CommandError, match=r"feature 1 \(code 150922000000\): the coordinates are not longitudes"):
        run(path, "county")
    assert not Region.objects.exists()

    run(path, "county", "--srid", "3857")
    assert_close(Region.objects.get().boundary.extent, (114.0, 41.0, 114.5, 41.5))


def test_numeric_codes_are_read_as_codes(tmp_path):
    factories.county()
    path = write_geojson(tmp_path / "townships.geojson", [feature(150922101, "长顺镇")])

    run(path, "township")

    assert Region.objects.get(level="township").code == TOWNSHIP


def test_several_layers_need_layer_option(tmp_path):
    path = ogr2ogr(
        tmp_path / "both.gpkg",
        write_geojson(tmp_path / "a.geojson", [feature(COUNTY, "化德县")]),
        "-f",
        "GPKG",
        "-nln",
        "counties",
    )
    ogr2ogr(
        path, write_geojson(tmp_path / "b.geojson", [feature("150923000000", "商都县")]), "-update", "-nln", "others"
    )

    with pytest.raises(CommandError, match="several layers \\(counties, others\\); choose one with --layer"):
        run(path, "county")
    run(path, "county", "--layer", "others")

    assert list(Region.objects.values_list("name", flat=True)) == ["商都县"]


# ---------------------------------------------------------------- repair, re-import, hierarchy

BOWTIE = {"type": "Polygon", "coordinates": [[[114, 41], [115, 42], [115, 41], [114, 42], [114, 41]]]}


def test_repair_keeps_the_polygonal_parts(tmp_path):
    path = write_geojson(tmp_path / "county.geojson", [feature(COUNTY, "化德县", BOWTIE)])

    run(path, "county", "--repair")

    boundary = Region.objects.get().boundary
    assert boundary.geom_type == "MultiPolygon"
    assert boundary.valid
    assert len(boundary) == 2
    assert boundary.area == pytest.approx(0.5)


def test_reimport_is_idempotent_and_reports_updates(tmp_path):
    features = [feature(COUNTY, "化德县"), feature("150923000000", "商都县", polygon((113.0, 41.0, 113.5, 41.5)))]
    path = write_geojson(tmp_path / "counties.geojson", features)
    run(path, "county")
    ids = dict(Region.objects.values_list("code", "id"))

    out, _err = run(path, "county")
    assert "2 county boundaries: 0 created, 0 updated, 2 unchanged." in out

    features[1]["properties"]["name"] = "商都县（新）"
    features[0]["geometry"] = polygon((114.0, 41.0, 114.6, 41.5))
    features.append(feature("150924000000", "兴和县", polygon((113.5, 40.5, 114.0, 41.0))))
    out, _err = run(write_geojson(path, features), "county")

    assert "3 county boundaries: 1 created, 2 updated, 0 unchanged." in out
    assert Region.objects.get(code="150923000000").name == "商都县（新）"
    assert_close(Region.objects.get(code=COUNTY).boundary.extent, (114.0, 41.0, 114.6, 41.5))
    assert {code: pk for code, pk in Region.objects.values_list("code", "id") if code in ids} == ids


def test_dry_run_saves_nothing(tmp_path):
    path = write_geojson(tmp_path / "county.geojson", [feature(COUNTY, "化德县")])

    out, _err = run(path, "county", "--dry-run")

    assert "Dry run, nothing saved: 1 county boundary: 1 created" in out
    assert not Region.objects.exists()


def test_full_hierarchy_from_files(tmp_path):
    run(
        write_geojson(tmp_path / "county.geojson", [feature("150922", "化德县", polygon((114, 41, 115, 42)))]), "county"
    )
    townships = [
        feature("150922101", "长顺镇", polygon((114, 41, 114.5, 42))),
        feature("150922102", "朝阳镇", polygon((114.5, 41, 115, 42))),
    ]
    run(write_geojson(tmp_path / "townships.geojson", townships), "township")
    villages = [
        feature(VILLAGE, "西井子村", polygon((114, 41, 114.5, 41.5))),
        feature("150922102201", "七号村", polygon((114.5, 41, 115, 41.5))),
    ]
    run(write_geojson(tmp_path / "villages.geojson", villages), "village")
    cells = [
        feature(VILLAGE + "001", "西井子村第1网格", polygon((114, 41, 114.25, 41.5)), hh=120, kind="general"),
        feature(VILLAGE + "002", "西井子村小学", polygon((114.25, 41, 114.5, 41.5)), hh="0", kind="Dedicated Cell"),
    ]
    out, err = run(
        write_geojson(tmp_path / "cells.geojson", cells), "cell", "--households-field", "hh", "--kind-field", "kind"
    )

    county = Region.objects.get(code=COUNTY)
    chaoyang = Region.objects.get(code="150922102000")
    assert chaoyang.parent == county
    assert Region.objects.get(code="150922102201").parent == chaoyang
    assert Region.objects.get(code=VILLAGE).parent.code == TOWNSHIP
    first, school = GridCell.objects.order_by("code")
    assert (first.village.code, first.households, first.kind) == (VILLAGE, 120, GridCellKind.GENERAL)
    assert (school.village.code, school.households, school.kind) == (VILLAGE, 0, GridCellKind.DEDICATED)
    assert "2 grid cell boundaries: 2 created" in out

    # Re-importing cells without the optional fields leaves households and kind alone.
    cells[0]["properties"]["name"] = "第一网格"
    run(write_geojson(tmp_path / "cells.geojson", cells), "cell")
    first.refresh_from_db()
    assert (first.name, first.households) == ("第一网格", 120)


def test_parent_option_and_parent_field(tmp_path):
    county = factories.county()
    township = factories.township(county, TOWNSHIP, "长顺镇", (114, 41, 114.5, 42))
    path = write_geojson(tmp_path / "villages.geojson", [feature(VILLAGE, "西井子村", up=TOWNSHIP)])

    run(path, "village", "--parent", "150922101")
    assert Region.objects.get(code=VILLAGE).parent == township

    run(path, "village", "--parent-field", "up")
    assert Region.objects.get(code=VILLAGE).parent == township


def test_shipped_county_file(tmp_path):
    # The shipped outline has a self-touching ring, so it only imports with --repair.
    run(HUADE, "county", "--code-field", "id", "--name-field", "name", "--repair")

    county = Region.objects.get()
    assert (county.code, county.name, county.level) == (COUNTY, "化德县", RegionLevel.COUNTY)
    assert county.boundary.valid
    assert 113.5 < county.boundary.centroid.x < 114.8 and 41.6 < county.boundary.centroid.y < 42.3


def test_county_file_with_bom(tmp_path):
    path = tmp_path / "counties.geojson"
    if SHARED_COUNTIES.exists():
        shutil.copy(SHARED_COUNTIES, path)
    else:
        path.write_bytes(BOM + HUADE.read_bytes())
    assert path.read_bytes().startswith(BOM)

    run(path, "county", "--code-field", "id", "--repair")

    assert Region.objects.get(code=COUNTY).name == "化德县"
    assert Region.objects.filter(level="county").count() == (11 if SHARED_COUNTIES.exists() else 1)
    out, _err = run(path, "county", "--code-field", "id", "--repair")
    assert "0 created, 0 updated" in out


def test_quiet_at_verbosity_zero(tmp_path):
    path = write_geojson(tmp_path / "county.geojson", [feature(COUNTY, "化德县")])
    assert run(path, "county", "-v", "0") == ("", "")
    assert Region.objects.exists()


# ---------------------------------------------------------------- bad files

LINE = {"type": "LineString", "coordinates": [[114, 41], [114.5, 41.5]]}
POINT = {"type": "Point", "coordinates": [114, 41]}
EMPTY = {"type": "MultiPolygon", "coordinates": []}
GOOD_TOWNSHIPS = [
    feature(TOWNSHIP, "长顺镇（改名）"),  # an update that must not survive the failure
    feature("150922102000", "朝阳镇"),
]

# (level, bad feature appended after the good ones or None, extra args, expected message parts)
BAD_FEATURES = {
    "point": ("township", feature("150922103000", "点", POINT), [], ["feature 3 (code 150922103000)", "is a Point"]),
    "line": ("township", feature("150922103000", "线", LINE), [], ["feature 3", "is a LineString"]),
    "self-intersection": (
        "township",
        feature("150922103000", "蝴蝶", BOWTIE),
        [],
        ["feature 3 (code 150922103000): the geometry is invalid (Self-intersection", "--repair"],
    ),
    "empty code": ("township", feature("  ", "无码"), [], ["feature 3: the code is empty."]),
    "invalid code": ("township", feature("15092A", "坏码"), [], ["feature 3", "“15092A” is not a region code"]),
    "wrong level": (
        "township",
        feature(COUNTY, "化德县"),
        [],
        ["feature 3 (code 150922000000): Code 150922000000 is a county code, not a township code."],
    ),
    "duplicate": (
        "township",
        feature(TOWNSHIP, "重复"),
        [],
        ["feature 3 (code 150922101000): the same code as feature 1."],
    ),
    "parent missing": (
        "township",
        feature("150923101000", "别县的镇"),
        [],
        ["feature 3 (code 150923101000): its parent county 150923000000 does not exist"],
    ),
    "empty geometry": ("township", feature("150922103000", "空", EMPTY), [], ["feature 3", "the geometry is empty."]),
    "no geometry": (
        "township",
        {**feature("150922103000", "无"), "geometry": None},
        [],
        ["feature 3", "has no geometry"],
    ),
    "missing code field": (
        "township",
        None,
        ["--code-field", "xzqdm"],
        ["has no field “xzqdm”", "its fields are: code, name"],
    ),
}


@pytest.fixture
def existing(db):
    county = factories.county()
    township = factories.township(county, TOWNSHIP, "长顺镇", (114, 41, 114.5, 42))
    village = factories.village(township, VILLAGE, "西井子村", (114, 41, 114.5, 41.5))
    factories.cell(village, 1, (114, 41, 114.25, 41.5))
    return county


def snapshot():
    return (
        sorted(Region.objects.values_list("code", "name", "parent__code")),
        sorted(GridCell.objects.values_list("code", "name", "village__code")),
    )


def assert_rejected(path, level, args, expected):
    before = snapshot()
    with pytest.raises(CommandError) as raised:
        run(path, level, *args)
    message = str(raised.value)
    for part in expected:
        assert part in message
    assert snapshot() == before
    return message


@pytest.mark.parametrize("case", BAD_FEATURES)
def test_bad_feature_rejects_the_whole_file(tmp_path, existing, case):
    level, bad, args, expected = BAD_FEATURES[case]
    features = GOOD_TOWNSHIPS + ([bad] if bad else [])
    path = write_geojson(tmp_path / "townships.geojson", features)

    message = assert_rejected(path, level, args, expected)

    assert message.startswith("townships.geojson")
    assert message.count("\n") == 0


def test_village_whose_parent_is_not_a_township(tmp_path, existing):
    path = write_geojson(tmp_path / "villages.geojson", [feature("150922101202", "东村", up=COUNTY)])
    assert_rejected(
        path,
        "village",
        ["--parent-field", "up"],
        ["feature 1", "The parent of a village must be a township, not a county."],
    )
    assert_rejected(path, "village", ["--parent", COUNTY], ["must be a township, but 150922000000 is a county code"])


def test_cell_under_the_wrong_village(tmp_path, existing):
    factories.village(Region.objects.get(code=TOWNSHIP), "150922101202", "东村", (114, 41.5, 114.5, 42))
    path = write_geojson(tmp_path / "cells.geojson", [feature(VILLAGE + "002", "网格", up="150922101202")])
    assert_rejected(path, "cell", ["--parent-field", "up"], ["does not start with its village's code 150922101202"])


def test_bad_households_value(tmp_path, existing):
    path = write_geojson(tmp_path / "cells.geojson", [feature(VILLAGE + "002", "网格", hh="many")])
    assert_rejected(path, "cell", ["--households-field", "hh"], ["feature 1 (code 150922101201002)", "“many”"])


def test_not_a_geo_file(tmp_path, existing):
    path = tmp_path / "notes.geojson"
    path.write_text("这不是地图")
    assert_rejected(path, "county", [], ["notes.geojson is not a spatial data file"])


def test_missing_file(tmp_path, existing):
    assert_rejected(tmp_path / "nowhere.shp", "county", [], ["File not found", "nowhere.shp"])


def test_no_features(tmp_path, existing):
    path = write_geojson(tmp_path / "empty.geojson", [])
    assert_rejected(path, "county", [], ["empty.geojson contains no features."])


def test_help_renders():
    from grid.management.commands.import_boundaries import Command

    text = Command().create_parser("manage.py", "import_boundaries").format_help()
    assert "GeoPackage" in text and "--repair" in text and "--encoding" in text
