/* My grid: the user's cells with their names, and where the user is now. */
import { cellsLayer, makeMap } from "./maps.js";
import { formatNumber, t } from "./text.js";

const $ = (id) => document.getElementById(id);

export class GridView {
  constructor() {
    this.map = null;
    this.cells = null;
    this.layer = null;
    this.me = null;
    this.halo = null;
    this.watch = null;
    this.fitted = false;
    $("grid-fit").addEventListener("click", () => this.fit());
    $("grid-locate").addEventListener("click", () => {
      if (this.me) this.map.setView(this.me.getLatLng(), Math.max(this.map.getZoom(), 16));
    });
  }

  setCells(cells, problem) {
    this.cells = cells;
    const status = $("grid-status");
    if (problem) status.textContent = t("gridMissing");
    else if (cells && !cells.features.length) status.textContent = t("gridEmpty");
    else status.textContent = "";
    status.hidden = !status.textContent;
    if (this.map) this.draw();
  }

  draw() {
    if (this.layer) this.layer.remove();
    this.layer = null;
    if (!this.cells || !this.cells.features.length) return;
    this.layer = cellsLayer(this.cells).addTo(this.map);
    this.layer.eachLayer((layer) => {
      const name = layer.feature.properties.name || layer.feature.properties.code;
      // Above the middle, so that my position (often near the middle) stays visible.
      if (name) layer.bindTooltip(name, { permanent: true, direction: "top", offset: [0, -16], className: "cell-label" });
    });
    if (!this.fitted) this.fit();
  }

  fit() {
    if (this.layer && this.layer.getBounds().isValid()) {
      this.map.fitBounds(this.layer.getBounds(), { padding: [16, 16], maxZoom: 17, animate: this.fitted });
      this.fitted = true;
    }
  }

  activate() {
    if (!window.L) return;
    if (!this.map) {
      this.map = makeMap($("grid-map"));
      this.draw();
    }
    this.map.invalidateSize();
    if (navigator.geolocation && this.watch === null) {
      this.watch = navigator.geolocation.watchPosition(
        (position) => this.showMe(position.coords),
        () => {},
        { enableHighAccuracy: true, maximumAge: 30000, timeout: 30000 },
      );
    }
  }

  deactivate() {
    if (this.watch !== null) navigator.geolocation.clearWatch(this.watch);
    this.watch = null;
  }

  showMe(coords) {
    const L = window.L;
    const where = [coords.latitude, coords.longitude];
    if (!this.me) {
      this.halo = L.circle(where, { radius: coords.accuracy || 0, color: "#b35900", weight: 1, fillOpacity: 0.12, interactive: false }).addTo(this.map);
      this.me = L.circleMarker(where, { radius: 9, color: "#ffffff", weight: 3, fillColor: "#b35900", fillOpacity: 1, interactive: false, className: "my-position" }).addTo(this.map);
    } else {
      this.me.setLatLng(where);
      this.halo.setLatLng(where).setRadius(coords.accuracy || 0);
    }
    $("grid-position").textContent = t("accuracy", { metres: formatNumber(coords.accuracy || 0) });
    if (!this.fitted && !this.layer) this.map.setView(where, 16);
  }
}
