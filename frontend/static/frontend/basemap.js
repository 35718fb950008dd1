/* The background of every django-leaflet map (the faces and the admin; maps/basemap.py): django-leaflet
 * puts overlays only in its layers control, switched off, but Tianditu's place names belong on its map
 * from the start. Loaded as a django-leaflet plugin (LEAFLET_CONFIG["PLUGINS"]), not bundled. */
(function () {
  "use strict";
  if (window.gridgovBaseMap) return; // included twice on a page (the admin's forms and the plugins)
  window.gridgovBaseMap = true;
  window.addEventListener("map:init", (event) => {
    const map = event.detail.map;
    const control = map.layerscontrol;
    if (!control || !control._layers) return;
    // L.Control.Layers keeps its entries in _layers ({layer, name, overlay}): Leaflet 1.x has no public list.
    control._layers.forEach((entry) => {
      if (entry.overlay && entry.layer instanceof L.TileLayer) map.addLayer(entry.layer);
    });
  });
})();
