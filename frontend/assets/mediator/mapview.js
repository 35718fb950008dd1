/* The map: the cases in view (clusters with exact counts from the server, single cases coloured by
 * state or grade and overdue ringed at street zoom), the township, village and grid-cell boundaries
 * as layers, a layers control and a legend. Leaflet is the global `L` from django-leaflet.
 *
 * The map asks /maps/cases.geojson only for what is in view, at the zoom it shows (bbox and zoom,
 * with the filters): the server groups the cases (maps/casemap.py), so the browser never holds more
 * than one view's clusters or, at street zoom, that street's cases. */
import { api } from "./api.js";
import { debounce, fmt, h } from "./dom.js";
import { shortLabel } from "./format.js";

const CELLS_FROM_ZOOM = 12;
const BOUNDARY_STYLES = {
  township: { color: "#0b3d5c", weight: 2.5, fill: false, interactive: false },
  village: { color: "#3d6b55", weight: 1.2, dashArray: "4 3", fillOpacity: 0, fillColor: "#3d6b55" },
  cell: { color: "#8a5a00", weight: 1, dashArray: "1 3", fillOpacity: 0, fillColor: "#8a5a00" },
};

// The early warning's hot cells, shaded by their Gi* z-score (earlywarning, /api/warnings/hot-cells/).
export const HOT_BANDS = [
  { from: 3, colour: "#b00020" },
  { from: 2, colour: "#e0561b" },
  { from: 1, colour: "#f4b400" },
];

export function hotColour(z) {
  const band = HOT_BANDS.find((b) => z >= b.from);
  return band ? band.colour : null;
}

export class CaseMap {
  constructor(map, { config, strings, onSelect, isOverdue, label }) {
    this.map = map;
    this.config = config;
    this.strings = strings;
    this.onSelect = onSelect;
    this.isOverdue = isOverdue;
    this.label = label;
    this.colour = "state";
    this.markers = new Map(); // case id → marker, for the single cases in view
    this.selected = null; // the case selected now

    this.cases = L.layerGroup().addTo(map); // what /maps/cases.geojson answered for the view
    this.query = null; // the filters' API query; nothing is asked before the filters are known
    this.focus = null; // [lon, lat] of the selected case, to show it at street zoom

    this.townships = L.geoJSON(null, { style: BOUNDARY_STYLES.township }).addTo(map);
    this.villages = L.geoJSON(null, {
      style: BOUNDARY_STYLES.village,
      onEachFeature: (feature, layer) => layer.bindTooltip(feature.properties.name, { sticky: true }),
    }).addTo(map);
    this.cells = L.geoJSON(null, {
      style: BOUNDARY_STYLES.cell,
      onEachFeature: (feature, layer) => layer.bindTooltip(() => this.cellLabel(feature.properties), { sticky: true }),
    }).addTo(map);

    this.hotCells = L.geoJSON(null, {
      style: (feature) => ({
        color: hotColour(feature.properties.z) || "#f4b400",
        weight: 1,
        fillColor: hotColour(feature.properties.z) || "#f4b400",
        fillOpacity: 0.35,
      }),
      onEachFeature: (feature, layer) =>
        layer.bindTooltip(
          () =>
            fmt(this.strings.hot_cell_tooltip, {
              name: feature.properties.name || feature.properties.code,
              z: Number(feature.properties.z).toFixed(1),
              count: feature.properties.count,
            }),
          { sticky: true },
        ),
    });
    if (config.urls.hotCells) this.hotCells.addTo(map);

    this.layersControl();
    this.legend = this.legendControl();

    if (config.bounds) map.fitBounds(config.bounds, { padding: [16, 16] });
    this.loadTownships();
    const refresh = debounce(() => {
      this.loadVisibleBoundaries();
      this.loadCases();
    }, 250);
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
      [s.layer_cases]: this.cases,
      [s.layer_townships]: this.townships,
      [s.layer_villages]: this.villages,
      [s.layer_cells]: this.cells,
    };
    if (this.config.urls.hotCells) overlays[s.layer_hot_cells] = this.hotCells;
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
        h(
          "div",
          { class: "hot-legend" },
          h("p", { class: "note", text: s.hot_cells_legend }),
          h(
            "ul",
            { class: "legend-keys" },
            HOT_BANDS.map((band) =>
              h("li", {}, h("span", { class: "swatch hot", style: `--dot: ${band.colour}`, "aria-hidden": "true" }), ` z ≥ ${band.from}`),
            ),
          ),
        ),
        h("p", { class: "note cells-note", hidden: this.map.getZoom() >= CELLS_FROM_ZOOM, text: fmt(s.cells_zoom, { zoom: CELLS_FROM_ZOOM }) }),
      ),
    );
  }

  setColour(mode) {
    this.colour = mode;
    this.renderLegend();
    this.markers.forEach((marker) => marker.setIcon(this.icon(marker.feature)));
  }

  // --- the cases in view -------------------------------------------------------------------

  /** The bbox parameter of the view, clamped to the world. */
  viewBox() {
    const bounds = this.map.getBounds();
    return [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map((value, index) => Math.max(index % 2 ? -90 : -180, Math.min(index % 2 ? 90 : 180, value)).toFixed(5))
      .join(",");
  }

  /** Show the cases matching `query` (the API's filter parameters): a filter change or a reload. */
  setQuery(query) {
    this.query = query;
    return this.loadCases();
  }

  /** Ask again for the view (a case changed somewhere): the same bbox, zoom and filters. */
  refresh() {
    return this.loadCases();
  }

  async loadCases() {
    if (this.query === null || !this.map.hasLayer(this.cases)) return;
    if (this.pendingCases) this.pendingCases.abort();
    const controller = new AbortController();
    this.pendingCases = controller;
    const zoom = Math.round(this.map.getZoom());
    const url = `${this.config.urls.caseMap}?bbox=${this.viewBox()}&zoom=${zoom}${this.query ? `&${this.query}` : ""}`;
    try {
      const { data } = await api(url, { signal: controller.signal });
      if (controller !== this.pendingCases) return;
      this.draw(data.features || []);
    } catch {
      /* aborted by a newer view, or unavailable: keep what is drawn */
    } finally {
      if (controller === this.pendingCases) this.pendingCases = null;
    }
  }

  draw(features) {
    const layers = [];
    this.markers = new Map();
    for (const feature of features) {
      if (!feature.geometry) continue;
      if (feature.properties.cluster) layers.push(this.makeCluster(feature));
      else {
        const marker = this.makeMarker(feature);
        this.markers.set(feature.id, marker);
        layers.push(marker);
      }
    }
    this.cases.clearLayers();
    layers.forEach((layer) => this.cases.addLayer(layer));
  }

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

  /** A cluster: its exact count from the server; a click zooms in on it. */
  makeCluster(feature) {
    const [lon, lat] = feature.geometry.coordinates;
    const count = feature.properties.count;
    const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    const icon = L.divIcon({
      html: `<div><span>${count}</span></div>`,
      className: `marker-cluster marker-cluster-${size}`,
      iconSize: L.point(40, 40),
    });
    const title = fmt(this.strings.cluster_label, { count });
    const marker = L.marker([lat, lon], { icon, title, alt: title, keyboard: true });
    const open = () => this.map.setView([lat, lon], Math.min(this.map.getZoom() + 2, this.config.street_zoom));
    marker.on("click", open);
    marker.on("keypress", (event) => {
      if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") open();
    });
    return marker;
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

  /** The clock has moved: restyle the markers that have just become overdue. */
  restyle() {
    this.markers.forEach((marker) => {
      if (this.isOverdue(marker.feature.properties) !== marker.overdue) marker.setIcon(this.icon(marker.feature));
    });
  }

  /** Mark the case `id` (or none) as selected. */
  select(id) {
    const previous = this.markers.get(this.selected);
    this.selected = id;
    if (previous) previous.setIcon(this.icon(previous.feature));
    const marker = this.markers.get(id);
    if (marker) marker.setIcon(this.icon(marker.feature));
  }

  /** Show the case at `lon`, `lat`: `reveal` goes to street zoom there, where it is a marker of its own. */
  showCase(lon, lat, { reveal = false } = {}) {
    const point = L.latLng(lat, lon);
    if (reveal && this.map.getZoom() < this.config.street_zoom) this.map.setView(point, this.config.street_zoom);
    else if (!this.map.getBounds().contains(point)) this.map.panTo(point);
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
    if (this.map.hasLayer(this.hotCells)) {
      this.fetchInto(this.hotCells, `${this.config.urls.hotCells}?bbox=${bbox}`, "hotCells");
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
    this.hotCells.bringToBack();
    this.villages.bringToBack();
    this.townships.bringToBack();
  }

  cellLabel(p) {
    const people = (p.gridworkers || []).join("、") || this.strings.empty_value;
    return fmt(this.strings.cell_tooltip, { name: p.name || p.code, people });
  }
}
