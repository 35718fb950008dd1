/* The map: case markers (clustered, coloured by state or grade, overdue ringed), the township,
 * village and grid-cell boundaries as layers, a layers control and a legend. Leaflet is the global
 * `L` from django-leaflet; leaflet.markercluster attaches itself to it. */
import "leaflet.markercluster";
import { api } from "./api.js";
import { debounce, fmt, h } from "./dom.js";
import { shortLabel } from "./format.js";

const CELLS_FROM_ZOOM = 12;
const BOUNDARY_STYLES = {
  township: { color: "#0b3d5c", weight: 2.5, fill: false, interactive: false },
  village: { color: "#3d6b55", weight: 1.2, dashArray: "4 3", fillOpacity: 0, fillColor: "#3d6b55" },
  cell: { color: "#8a5a00", weight: 1, dashArray: "1 3", fillOpacity: 0, fillColor: "#8a5a00" },
};

export class CaseMap {
  constructor(map, { config, strings, onSelect, isOverdue, label }) {
    this.map = map;
    this.config = config;
    this.strings = strings;
    this.onSelect = onSelect;
    this.isOverdue = isOverdue;
    this.label = label;
    this.colour = "state";
    this.markers = new Map(); // case id → marker
    this.selected = null; // the case selected now
    this.shown = null; // the case whose marker looks selected
    this.queue = []; // marker changes waiting for the map to settle
    this.waiting = null;

    this.clusters = L.markerClusterGroup({
      chunkedLoading: true,
      maxClusterRadius: 48,
      disableClusteringAtZoom: 16,
      spiderfyOnMaxZoom: true,
      showCoverageOnHover: false,
      iconCreateFunction: (cluster) => this.clusterIcon(cluster),
    }).addTo(map);

    this.townships = L.geoJSON(null, { style: BOUNDARY_STYLES.township }).addTo(map);
    this.villages = L.geoJSON(null, {
      style: BOUNDARY_STYLES.village,
      onEachFeature: (feature, layer) => layer.bindTooltip(feature.properties.name, { sticky: true }),
    }).addTo(map);
    this.cells = L.geoJSON(null, {
      style: BOUNDARY_STYLES.cell,
      onEachFeature: (feature, layer) => layer.bindTooltip(() => this.cellLabel(feature.properties), { sticky: true }),
    }).addTo(map);

    this.layersControl();
    this.legend = this.legendControl();

    if (config.bounds) map.fitBounds(config.bounds, { padding: [16, 16] });
    this.loadTownships();
    const refresh = debounce(() => this.loadVisibleBoundaries(), 250);
    map.on("moveend", refresh);
    map.on("overlayadd", refresh);
    this.loadVisibleBoundaries();
  }

  layersControl() {
    const s = this.strings;
    // The background's tiles (a base layer and Tianditu's place names over it) as one choice, in
    // one control: django-leaflet's own control, made when there are overlays, gives way to this one.
    if (this.map.layerscontrol) this.map.layerscontrol.remove();
    const tiles = [];
    this.map.eachLayer((layer) => {
      if (layer instanceof L.TileLayer) tiles.push(layer);
    });
    const base = {};
    if (tiles.length) {
      tiles.forEach((layer) => this.map.removeLayer(layer));
      base[s.background_map] = L.layerGroup(tiles).addTo(this.map);
      base[s.no_background] = L.layerGroup();
    }
    const overlays = {
      [s.layer_cases]: this.clusters,
      [s.layer_townships]: this.townships,
      [s.layer_villages]: this.villages,
      [s.layer_cells]: this.cells,
    };
    L.control.layers(base, overlays, { collapsed: false, position: "topright" }).addTo(this.map);
  }

  legendControl() {
    const control = L.control({ position: "bottomright" });
    control.onAdd = () => {
      const box = h("div", { class: "legend leaflet-bar" });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      this.legendBox = box;
      this.renderLegend();
      return box;
    };
    control.addTo(this.map);
    return control;
  }

  renderLegend() {
    const s = this.strings;
    const box = this.legendBox;
    if (!box) return;
    const wasOpen = !box.firstChild || box.firstChild.open;
    box.replaceChildren();
    const toggle = h(
      "fieldset",
      { class: "colour-toggle" },
      h("legend", { text: s.colour_by }),
      ["state", "grade"].map((mode) =>
        h(
          "label",
          {},
          h("input", {
            type: "radio",
            name: "colour",
            value: mode,
            checked: this.colour === mode,
            onchange: () => this.onColour && this.onColour(mode),
          }),
          ` ${mode === "state" ? s.by_state : s.by_grade}`,
        ),
      ),
    );
    const entries = this.colour === "grade" ? this.config.grades : this.config.states;
    box.append(
      h(
        "details",
        { open: wasOpen },
        h("summary", { text: s.legend }),
        toggle,
      h(
        "ul",
        { class: "legend-keys" },
        entries.map(([value, label]) =>
          h("li", {}, h("span", { class: `dot ${this.colour}-${value}`, "aria-hidden": "true" }), ` ${shortLabel(label)}`),
        ),
        h("li", {}, h("span", { class: "dot ring", "aria-hidden": "true" }), ` ${s.overdue_ring}`),
      ),
      h("p", { class: "note", text: s.cluster_note }),
        h("p", { class: "note cells-note", hidden: this.map.getZoom() >= CELLS_FROM_ZOOM, text: fmt(s.cells_zoom, { zoom: CELLS_FROM_ZOOM }) }),
      ),
    );
  }

  setColour(mode) {
    this.colour = mode;
    this.renderLegend();
    this.whenSettled(() => {
      this.markers.forEach((marker) => marker.setIcon(this.icon(marker.feature)));
      this.clusters.refreshClusters();
    });
  }

  // --- markers -------------------------------------------------------------------------

  icon(feature) {
    const p = feature.properties;
    const classes = ["case-marker", `state-${p.state}`, `grade-${p.grade}`, `by-${this.colour}`];
    const marker = this.markers.get(feature.id);
    const overdue = this.isOverdue(p);
    if (marker) marker.overdue = overdue;
    if (overdue) classes.push("overdue");
    if (this.selected === feature.id) classes.push("selected");
    return L.divIcon({ className: classes.join(" "), html: "<span></span>", iconSize: [18, 18], iconAnchor: [9, 9] });
  }

  clusterIcon(cluster) {
    const children = cluster.getAllChildMarkers();
    const count = children.length;
    const overdue = children.some((marker) => this.isOverdue(marker.feature.properties));
    const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    return L.divIcon({
      html: `<div><span>${count}</span></div>`,
      className: `marker-cluster marker-cluster-${size}${overdue ? " has-overdue" : ""}`,
      iconSize: L.point(40, 40),
    });
  }

  makeMarker(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    const marker = L.marker([lat, lon], { icon: this.icon(feature), title: this.label(feature.properties), keyboard: true });
    marker.feature = feature;
    marker.overdue = this.isOverdue(feature.properties);
    marker.on("click", () => this.onSelect(feature.id));
    marker.on("keypress", (event) => {
      if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") this.onSelect(feature.id);
    });
    return marker;
  }

  /**
   * Run changes of the markers in order, each once the map and the clusters are not animating: adding
   * or removing markers in the middle of a cluster's zoom animation can break leaflet.markercluster's
   * state. If a change fails anyway, the cluster group is rebuilt from the markers (the truth).
   */
  whenSettled(change) {
    this.queue.push(change);
    this.drain();
  }

  busy() {
    return this.clusters._inZoomAnimation > 0 || Boolean(this.map._animatingZoom);
  }

  drain() {
    if (this.waiting) return;
    while (this.queue.length) {
      if (this.busy()) {
        this.waiting = setTimeout(() => {
          this.waiting = null;
          this.drain();
        }, 100);
        return;
      }
      const change = this.queue.shift();
      try {
        change();
      } catch {
        this.clusters.clearLayers();
        this.clusters.addLayers(Array.from(this.markers.values()));
      }
    }
  }

  /** Show exactly `features` (a filter change or a full reload); unchanged markers stay put. */
  setCases(features) {
    this.whenSettled(() => this.replace(features));
  }

  replace(features) {
    const keep = new Set();
    const added = [];
    for (const feature of features) {
      if (!feature.geometry) continue;
      keep.add(feature.id);
      const marker = this.markers.get(feature.id);
      if (marker) this.update(marker, feature);
      else {
        const made = this.makeMarker(feature);
        this.markers.set(feature.id, made);
        added.push(made);
      }
    }
    const removed = [];
    this.markers.forEach((marker, id) => {
      if (!keep.has(id)) {
        removed.push(marker);
        this.markers.delete(id);
      }
    });
    if (removed.length) this.clusters.removeLayers(removed);
    if (added.length) this.clusters.addLayers(added);
  }

  upsert(feature) {
    this.whenSettled(() => this.put(feature));
  }

  put(feature) {
    const marker = this.markers.get(feature.id);
    if (marker) {
      this.update(marker, feature);
      this.clusters.refreshClusters(marker);
    } else if (feature.geometry) {
      const made = this.makeMarker(feature);
      this.markers.set(feature.id, made);
      this.clusters.addLayer(made);
    }
  }

  update(marker, feature) {
    const [lon, lat] = feature.geometry.coordinates;
    const moved = !marker.getLatLng().equals([lat, lon]);
    marker.feature = feature;
    marker.setIcon(this.icon(feature));
    marker.options.title = this.label(feature.properties);
    if (marker._icon) marker._icon.title = marker.options.title;
    if (moved) {
      this.clusters.removeLayer(marker);
      marker.setLatLng([lat, lon]);
      this.clusters.addLayer(marker);
    }
  }

  remove(id) {
    this.whenSettled(() => {
      const marker = this.markers.get(id);
      if (!marker) return;
      this.markers.delete(id);
      this.clusters.removeLayer(marker);
    });
  }

  /** The clock has moved: restyle the markers that have just become overdue (and their clusters). */
  restyle() {
    this.whenSettled(() => this.restyleNow());
  }

  restyleNow() {
    const changed = [];
    this.markers.forEach((marker) => {
      if (this.isOverdue(marker.feature.properties) !== marker.overdue) {
        marker.setIcon(this.icon(marker.feature));
        changed.push(marker);
      }
    });
    if (changed.length) this.clusters.refreshClusters(changed);
  }

  /** Mark the case `id` (or none) as selected; `reveal` zooms until its marker is out of its cluster. */
  select(id, { reveal = false } = {}) {
    this.selected = id;
    this.whenSettled(() => this.showSelection(reveal ? id : null));
  }

  showSelection(reveal) {
    const previous = this.markers.get(this.shown);
    this.shown = this.selected;
    if (previous) previous.setIcon(this.icon(previous.feature));
    const marker = this.markers.get(this.selected);
    if (!marker) return;
    marker.setIcon(this.icon(marker.feature));
    if (reveal === this.selected) {
      this.clusters.zoomToShowLayer(marker, () => {
        if (!this.map.getBounds().pad(-0.1).contains(marker.getLatLng())) this.map.panTo(marker.getLatLng());
      });
    }
  }

  /** Where to look for a case that is not among the markers (e.g. outside the filters). */
  showPoint(lon, lat) {
    const point = L.latLng(lat, lon);
    if (!this.map.getBounds().contains(point)) this.map.panTo(point);
  }

  // --- boundaries ----------------------------------------------------------------------

  async loadTownships() {
    try {
      const { data } = await api(`${this.config.urls.regions}?level=township&zoom=${Math.round(this.map.getZoom())}`);
      this.townships.clearLayers().addData(data);
      this.stack();
    } catch {
      /* boundaries are a backdrop: the cases still show without them */
    }
  }

  async loadVisibleBoundaries() {
    const zoom = Math.round(this.map.getZoom());
    const bounds = this.map.getBounds();
    const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map((value, index) => Math.max(index % 2 ? -90 : -180, Math.min(index % 2 ? 90 : 180, value)).toFixed(5))
      .join(",");
    const notes = this.legendBox && this.legendBox.querySelector(".cells-note");
    if (notes) notes.hidden = zoom >= CELLS_FROM_ZOOM;
    const query = `bbox=${bbox}&zoom=${zoom}`;
    if (this.map.hasLayer(this.villages)) {
      this.fetchInto(this.villages, `${this.config.urls.regions}?level=village&${query}`, "villages");
    }
    if (this.map.hasLayer(this.cells)) {
      if (zoom >= CELLS_FROM_ZOOM) this.fetchInto(this.cells, `${this.config.urls.cells}?${query}`, "cells");
      else this.cells.clearLayers();
    }
  }

  async fetchInto(layer, url, key) {
    this.pending = this.pending || {};
    if (this.pending[key]) this.pending[key].abort();
    const controller = new AbortController();
    this.pending[key] = controller;
    try {
      const { data } = await api(url, { signal: controller.signal });
      layer.clearLayers().addData(data);
      this.stack();
    } catch {
      /* aborted by a newer view, or unavailable: keep what is drawn */
    }
  }

  /** Cells above villages (their tooltips win), townships at the back (they only draw lines). */
  stack() {
    this.villages.bringToBack();
    this.townships.bringToBack();
  }

  cellLabel(p) {
    const people = (p.gridworkers || []).join("、") || this.strings.empty_value;
    return fmt(this.strings.cell_tooltip, { name: p.name || p.code, people });
  }
}
