"""The background under every map (phone, mediator map, wall, home page, admin): one setting.

``BASE_MAP`` chooses it:

* ``none`` (the default): no tiles at all; boundaries, cells and cases draw on the plain
  background. Nothing is requested from any other site.
* ``tianditu-vector`` / ``tianditu-image``: 天地图, the state's approved map service, with the
  county's key (``TIANDITU_KEY``): the vector map (vec_w) or the satellite image (img_w), each with
  its annotation layer (cva_w / cia_w) on top. Tianditu's ``_w`` tiles are Web Mercator on
  CGCS2000, which agrees with the WGS 84 boundaries to centimetres (no GCJ-02 shift).
* ``url``: any tile server by URL (``MAP_TILE_URL``, e.g. the intranet's own), with
  ``MAP_TILE_SUBDOMAINS`` and ``MAP_TILE_ATTRIBUTION``.

This module is imported by the settings: it must not import Django's models or anything
that needs configured settings.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

NONE = "none"
TIANDITU_VECTOR = "tianditu-vector"
TIANDITU_IMAGE = "tianditu-image"
URL = "url"
CHOICES = (NONE, TIANDITU_VECTOR, TIANDITU_IMAGE, URL)

# Leaflet's own credit without its flag (Leaflet 1.9 puts a flag icon before it by default).
ATTRIBUTION_PREFIX = '<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">Leaflet</a>'

TIANDITU_SUBDOMAINS = "01234567"
TIANDITU_MAX_ZOOM = 18
TIANDITU_ATTRIBUTION = '© <a href="https://www.tianditu.gov.cn/">天地图</a>'
# (base layer, its annotation layer) per choice; Web Mercator ("_w") tile matrix set.
TIANDITU_LAYERS = {
    TIANDITU_VECTOR: ("vec", "cva"),
    TIANDITU_IMAGE: ("img", "cia"),
}


@dataclass(frozen=True)
class TileLayer:
    name: str
    url: str
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class BaseMap:
    kind: str
    layers: tuple = ()  # base layers (Leaflet shows the first)
    overlays: tuple = ()  # drawn on top of the base layer, on by default (Tianditu's names)

    def leaflet_tiles(self):
        """django-leaflet's TILES: (name, url, options) tuples."""
        return [(layer.name, layer.url, layer.options) for layer in self.layers]

    def leaflet_overlays(self):
        """django-leaflet's OVERLAYS (frontend/static/frontend/basemap.js turns them on)."""
        return [(layer.name, layer.url, layer.options) for layer in self.overlays]

    def page_config(self):
        """The background for a page's own script (JSON)."""

        def layer(item):
            return {"name": str(item.name), "url": item.url, "options": dict(item.options)}

        return {
            "kind": self.kind,
            "tiles": [layer(item) for item in self.layers],
            "overlays": [layer(item) for item in self.overlays],
            "attributionPrefix": ATTRIBUTION_PREFIX,
        }


def tianditu_url(layer, key):
    """A Tianditu WMTS tile URL (Web Mercator) in Leaflet's template form."""
    return (
        f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
        f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
    )


def base_map(kind, *, tianditu_key="", tile_url="", tile_subdomains="abc", tile_attribution=""):
    """The background a setting gives; refuses an incomplete or unknown one (at start-up)."""
    kind = (kind or NONE).strip().lower()
    if kind == NONE:
        return BaseMap(kind)
    if kind in TIANDITU_LAYERS:
        if not tianditu_key:
            raise ImproperlyConfigured(f"BASE_MAP={kind} needs the county's Tianditu key in TIANDITU_KEY.")
        base, notes = TIANDITU_LAYERS[kind]
        options = {
            "subdomains": TIANDITU_SUBDOMAINS,
            "maxZoom": TIANDITU_MAX_ZOOM,
            "attribution": tile_attribution or TIANDITU_ATTRIBUTION,
        }
        name = _("Tianditu map") if kind == TIANDITU_VECTOR else _("Tianditu satellite image")
        return BaseMap(
            kind,
            layers=(TileLayer(name, tianditu_url(base, tianditu_key), options),),
            # The attribution is the base layer's; the same text twice would show twice.
            overlays=(TileLayer(_("Place names"), tianditu_url(notes, tianditu_key), {**options, "attribution": ""}),),
        )
    if kind == URL:
        if not tile_url:
            raise ImproperlyConfigured("BASE_MAP=url needs the tile server's address in MAP_TILE_URL.")
        options = {"attribution": tile_attribution}
        if tile_subdomains:
            options["subdomains"] = tile_subdomains
        return BaseMap(kind, layers=(TileLayer(_("Map"), tile_url, options),))
    raise ImproperlyConfigured(f"BASE_MAP must be one of {', '.join(CHOICES)}, not {kind!r}.")
