"""Places: imported from a file (all or nothing), found with regions and cells by name or pinyin."""

import json

import pytest
from django.core.management import CommandError, call_command

from desk import places
from desk.models import Place, PlaceKind


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_csv_import_places_each_row_and_a_second_import_updates(world, tmp_path):
    path = write(
        tmp_path,
        "places.csv",
        "\ufeffname,kind,lon,lat\n东沟村小学,landmark,114.2,41.4\n幸福路12号,address,114.8,41.6\n",
    )
    call_command("import_places", path)
    school = Place.objects.get(name="东沟村小学")
    assert school.region == world.v1 and school.kind == PlaceKind.LANDMARK and "dgcxx" in school.terms
    call_command("import_places", path)
    assert Place.objects.count() == 2


def test_a_geojson_import(world, tmp_path):
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [115.5, 42.0]},
        "properties": {"name": "王家营卫生室"},
    }
    path = write(tmp_path, "places.geojson", json.dumps({"type": "FeatureCollection", "features": [feature]}))
    call_command("import_places", path)
    assert Place.objects.get().region == world.v3


def test_a_bad_row_is_named_and_nothing_is_imported(world, tmp_path):
    path = write(
        tmp_path,
        "places.csv",
        "name,kind,lon,lat\n东沟村小学,landmark,114.2,41.4\n远方,landmark,100,30\n,address,114.2,41.4\n",
    )
    with pytest.raises(CommandError) as raised:
        call_command("import_places", path)
    assert "rows[2]" in str(raised.value) and "rows[3]" in str(raised.value)
    assert not Place.objects.exists()


def test_search_finds_regions_cells_and_places_by_name_and_initials(world):
    places.import_places([("东沟村小学", "landmark", 114.2, 41.4), ("王家营卫生室", "landmark", 115.5, 42.0)])
    found = places.search(world.operator, "dgc")
    kinds = [(hit["kind"], hit["name"]) for hit in found]
    assert ("region", "东沟村") in kinds and ("place", "东沟村小学") in kinds
    village = next(hit for hit in found if hit["name"] == "东沟村")
    assert 114 < village["lon"] < 115 and 41 < village["lat"] < 42  # a point inside it, for grid.locate
    assert [hit["name"] for hit in places.search(world.operator, "小学")] == ["村小学", "东沟村小学"]


def test_search_stays_in_the_users_jurisdiction(world):
    places.import_places([("王家营卫生室", "landmark", 115.5, 42.0)])
    assert places.search(world.operator, "王家营") == []  # 朝阳镇 is not 长顺镇's
    names = [hit["name"] for hit in places.search(world.operator_t2, "wjy")]
    assert names == ["王家营村", "王家营村第1网格", "王家营卫生室"]
    assert places.search(world.outsider, "王家营") == []
    assert places.search(world.operator, "  ") == []
