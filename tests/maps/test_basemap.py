"""The background under every map (maps/basemap.py): what each BASE_MAP setting gives the pages."""

import json
import re
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from maps.basemap import ATTRIBUTION_PREFIX, base_map

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"
MAP_VARIABLES = (
    "BASE_MAP",
    "TIANDITU_KEY",
    "TIANDITU_KEY_FILE",
    "MAP_TILE_URL",
    "MAP_TILE_SUBDOMAINS",
    "MAP_TILE_ATTRIBUTION",
)


def settings_with(monkeypatch, **env):
    """config/settings.py as the process would read it with these variables (and no other map ones)."""
    for name in MAP_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_the_default_is_no_tiles_at_all(monkeypatch):
    values = settings_with(monkeypatch)
    assert values["BASE_MAP"] == "none"
    leaflet = values["LEAFLET_CONFIG"]
    assert leaflet["TILES"] == [] and leaflet["OVERLAYS"] == []
    assert leaflet["ATTRIBUTION_PREFIX"] == ATTRIBUTION_PREFIX
    config = values["BASE_MAP_LAYERS"].page_config()
    assert config == {"kind": "none", "tiles": [], "overlays": [], "attributionPrefix": ATTRIBUTION_PREFIX}


def test_the_attribution_prefix_has_no_flag():
    assert "<svg" not in ATTRIBUTION_PREFIX and "<img" not in ATTRIBUTION_PREFIX
    assert re.sub(r"<[^>]+>", "", ATTRIBUTION_PREFIX) == "Leaflet"


@pytest.mark.parametrize(
    ("kind", "base", "notes"), [("tianditu-vector", "vec", "cva"), ("tianditu-image", "img", "cia")]
)
def test_tianditu_gives_its_layer_and_the_place_names_with_the_countys_key(monkeypatch, kind, base, notes):
    values = settings_with(monkeypatch, BASE_MAP=kind, TIANDITU_KEY="k3y")
    (name, url, options), *more = values["LEAFLET_CONFIG"]["TILES"]
    assert not more
    assert url.startswith(f"https://t{{s}}.tianditu.gov.cn/{base}_w/wmts?")
    assert f"LAYER={base}&" in url and "TILEMATRIXSET=w" in url and url.endswith("&tk=k3y")
    assert "TILEMATRIX={z}" in url and "TILEROW={y}" in url and "TILECOL={x}" in url
    assert options["subdomains"] == "01234567" and options["maxZoom"] == 18 and "天地图" in options["attribution"]
    ((_label, overlay, overlay_options),) = values["LEAFLET_CONFIG"]["OVERLAYS"]
    assert overlay.startswith(f"https://t{{s}}.tianditu.gov.cn/{notes}_w/wmts?") and f"LAYER={notes}&" in overlay
    assert overlay.endswith("&tk=k3y") and overlay_options["attribution"] == ""
    config = json.loads(json.dumps(values["BASE_MAP_LAYERS"].page_config()))  # what a page's script receives
    assert config["kind"] == kind
    assert [layer["url"] for layer in config["tiles"]] == [url]
    assert [layer["url"] for layer in config["overlays"]] == [overlay]


def test_the_tianditu_key_may_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "tianditu"
    secret.write_text("fromfile\n")
    values = settings_with(monkeypatch, BASE_MAP="tianditu-vector", TIANDITU_KEY_FILE=str(secret))
    assert values["LEAFLET_CONFIG"]["TILES"][0][1].endswith("&tk=fromfile")


def test_an_intranet_tile_server_by_url(monkeypatch):
    values = settings_with(
        monkeypatch,
        BASE_MAP="url",
        MAP_TILE_URL="http://tiles.gov.local/{z}/{x}/{y}.png",
        MAP_TILE_SUBDOMAINS="",
        MAP_TILE_ATTRIBUTION="县自然资源局",
    )
    ((_label, url, options),) = values["LEAFLET_CONFIG"]["TILES"]
    assert url == "http://tiles.gov.local/{z}/{x}/{y}.png"
    assert options == {"attribution": "县自然资源局", "subdomains": "abc"}  # an empty variable means the default
    assert values["LEAFLET_CONFIG"]["OVERLAYS"] == []


def test_a_tile_url_alone_keeps_working_as_before(monkeypatch):
    values = settings_with(monkeypatch, MAP_TILE_URL="http://tiles.gov.local/{z}/{x}/{y}.png")
    assert values["BASE_MAP"] == "url"
    assert values["LEAFLET_CONFIG"]["TILES"][0][1] == "http://tiles.gov.local/{z}/{x}/{y}.png"


@pytest.mark.parametrize(
    ("kind", "options", "needs"),
    [
        ("tianditu-vector", {}, "TIANDITU_KEY"),
        ("tianditu-image", {}, "TIANDITU_KEY"),
        ("url", {}, "MAP_TILE_URL"),
        ("osm", {}, "BASE_MAP must be one of"),
    ],
)
def test_an_incomplete_or_unknown_setting_stops_the_start(kind, options, needs):
    with pytest.raises(ImproperlyConfigured, match=needs):
        base_map(kind, **options)


@pytest.mark.django_db
def test_the_pages_get_the_configured_background(client, settings):
    settings.BASE_MAP_LAYERS = base_map("tianditu-image", tianditu_key="k3y")
    content = client.get("/phone/").content.decode()
    config = json.loads(
        re.search(r'<script id="phone-config" type="application/json">(.*?)</script>', content).group(1)
    )
    assert config["map"]["kind"] == "tianditu-image"
    assert config["map"]["tiles"][0]["url"].startswith("https://t{s}.tianditu.gov.cn/img_w/")
    assert config["map"]["overlays"][0]["url"].startswith("https://t{s}.tianditu.gov.cn/cia_w/")


@pytest.mark.django_db
def test_by_default_no_page_names_a_tile_server(admin_client):
    for path in ("/", "/mediator/", "/phone/", "/admin/grid/region/add/"):
        content = admin_client.get(path).content.decode()
        assert "openstreetmap" not in content and "tianditu" not in content, path
        # The plugin that turns overlays on, on every django-leaflet map (the admin's too).
        assert content.count("/static/frontend/basemap.js") == 1, path
