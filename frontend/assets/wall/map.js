/* The wall's map: the region's boundaries, its open cases as points coloured by grade, and
 * pulses where events happen. Leaflet (global `L`) comes from django-leaflet, which also made
 * the map with the tile layer from the settings; with no tiles reachable the boundaries and
 * points still draw on the plain dark background.
 *
 * Bounded for weeks of running: case points are kept by case id and updated in place (one
 * canvas draws them all), a pulse removes itself when its animation ends (or after a timeout
 * if the animation never runs), and at most MAX_PULSES are on the map at once.
 */
import { request } from "../common/api.js";

const GRADE_COLOURS = { red: "#ff4d4f", orange: "#ff9f1a", yellow: "#ffd93d", green: "#3ddc84" };
const GRADE_RANK = { green: 0, yellow: 1, orange: 2, red: 3 };
const MAX_PULSES = 24;
const BOUNDARY_ZOOM = 12; // detail of the boundaries (simplified by the server): fine for a county or township
const PULSE_MS = { report: 3600, event: 2200, alert: 15600 }; // the dot's animation (style.css)

function remPixels() {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

export function createWallMap(map, { boundariesUrl, region, childLevel, onArea, onFailure }) {
  const prefix = region.prefix;
  // Nobody touches the wall: no controls, no dragging or zooming, fractional zoom to fill the panel.
  map.options.zoomSnap = 0.1;
  if (map.zoomControl) map.zoomControl.remove();
  ["dragging", "touchZoom", "doubleClickZoom", "scrollWheelZoom", "boxZoom", "keyboard"].forEach((handler) => {
    if (map[handler]) map[handler].disable();
  });
  map.getContainer().setAttribute("tabindex", "-1");

  map.createPane("wall-boundaries").style.zIndex = 350;
  map.createPane("wall-cases").style.zIndex = 450;
  map.createPane("wall-pulses").style.zIndex = 620;
  const renderer = L.canvas({ pane: "wall-cases", padding: 0.2 });

  let outline = null;
  let inner = null;
  let boundariesLoaded = false;
  let loading = null;
  const points = new Map(); // case id -> circle marker
  const pulses = new Set();
  let rem = remPixels();

  // --- boundaries ---------------------------------------------------------------------------

  async function fetchLevel(level) {
    const query = new URLSearchParams({ level, within: region.code, zoom: String(BOUNDARY_ZOOM) });
    const { data: collection } = await request(`${boundariesUrl}?${query}`);
    collection.features = (collection.features || []).filter((feature) =>
      String((feature.properties || {}).code || "").startsWith(prefix),
    );
    return collection;
  }

  function loadBoundaries() {
    if (boundariesLoaded || loading) return loading;
    const wanted = [fetchLevel(region.level)];
    if (childLevel) wanted.push(fetchLevel(childLevel));
    loading = Promise.all(wanted)
      .then(([own, children]) => {
        if (children && children.features.length) {
          const label = children.features.length <= 40;
          inner = L.geoJSON(children, {
            pane: "wall-boundaries",
            interactive: Boolean(onArea), // a click on an area opens its wall
            style: () => ({ color: "#5ec8ff", weight: rem * 0.08, opacity: 0.7, fillColor: "#1d6fa5", fillOpacity: 0.08, className: onArea ? "wall-area" : "" }),
            onEachFeature(feature, layer) {
              const code = feature.properties.code || feature.id;
              if (onArea && code) layer.on("click", () => onArea(code));
              if (!label) return;
              layer.bindTooltip(feature.properties.name, {
                permanent: true,
                direction: "center",
                className: "wall-map-label",
                interactive: false,
              });
            },
          }).addTo(map);
        }
        outline = L.geoJSON(own, {
          pane: "wall-boundaries",
          interactive: false,
          style: () => ({ color: "#8fe3ff", weight: rem * 0.19, opacity: 0.95, fill: false }),
        }).addTo(map);
        boundariesLoaded = true;
        fit();
      })
      .catch((error) => {
        onFailure(error); // tried again with the next figures
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  }

  function fit() {
    map.invalidateSize({ pan: false });
    let bounds = outline && outline.getLayers().length ? outline.getBounds() : null;
    if (!bounds && points.size) bounds = L.latLngBounds(Array.from(points.values(), (marker) => marker.getLatLng()));
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { padding: [rem * 1.5, rem * 1.5], animate: false });
  }

  // --- case points --------------------------------------------------------------------------

  function style(item) {
    const colour = GRADE_COLOURS[item.grade] || "#9fb0c8";
    const rank = GRADE_RANK[item.grade] || 0;
    return {
      renderer,
      pane: "wall-cases",
      interactive: false,
      radius: rem * (0.28 + rank * 0.06),
      fillColor: colour,
      fillOpacity: 0.9,
      color: item.overdue ? "#ffffff" : "#0b1526",
      weight: item.overdue ? rem * 0.16 : rem * 0.06,
    };
  }

  function setCases(cases) {
    const seen = new Set();
    // Lowest grade first, so that red points are drawn on top.
    const sorted = cases
      .filter((item) => isFinite(item.lat) && isFinite(item.lon))
      .sort((a, b) => (GRADE_RANK[a.grade] || 0) - (GRADE_RANK[b.grade] || 0));
    for (const item of sorted) {
      seen.add(item.id);
      const marker = points.get(item.id);
      if (marker) {
        marker.setLatLng([item.lat, item.lon]);
        marker.setStyle(style(item));
        marker.setRadius(style(item).radius);
        marker.item = item;
      } else {
        const created = L.circleMarker([item.lat, item.lon], style(item)).addTo(map);
        created.item = item;
        points.set(item.id, created);
      }
    }
    for (const [id, marker] of points) {
      if (!seen.has(id)) {
        marker.remove();
        points.delete(id);
      }
    }
    if (!boundariesLoaded) {
      loadBoundaries();
      if (!outline) fit();
    }
    return points.size;
  }

  // --- pulses -------------------------------------------------------------------------------

  function pulse(lon, lat, kind, number) {
    if (!isFinite(lon) || !isFinite(lat)) return;
    while (pulses.size >= MAX_PULSES) {
      const oldest = pulses.values().next().value;
      oldest.dispose();
    }
    const marker = L.marker([lat, lon], {
      pane: "wall-pulses",
      interactive: false,
      keyboard: false,
      icon: L.divIcon({
        className: `wall-pulse wall-pulse--${kind}`,
        iconSize: null,
        html: '<span class="wall-pulse-ring"></span><span class="wall-pulse-ring"></span><span class="wall-pulse-dot"></span>',
      }),
    });
    let timeout = null;
    const element = () => marker.getElement();
    function onEnd(event) {
      // The dot's animation is the longest: when it ends, the pulse is over.
      if (event.target.classList.contains("wall-pulse-dot")) dispose();
    }
    function dispose() {
      clearTimeout(timeout);
      const el = element();
      if (el) el.removeEventListener("animationend", onEnd);
      marker.remove();
      pulses.delete(handle);
    }
    const handle = { dispose };
    marker.addTo(map);
    const el = element();
    if (el) {
      el.dataset.number = number || "";
      el.dataset.lon = String(lon);
      el.dataset.lat = String(lat);
      el.addEventListener("animationend", onEnd);
    }
    // Animations do not run in a hidden page: the timeout removes the pulse all the same.
    timeout = setTimeout(dispose, (PULSE_MS[kind] || PULSE_MS.event) + 1000);
    pulses.add(handle);
  }

  function resized() {
    const next = remPixels();
    if (next !== rem) {
      rem = next;
      [outline, inner].forEach((layer) => layer && layer.resetStyle());
      for (const marker of points.values()) {
        const s = style(marker.item);
        marker.setStyle(s);
        marker.setRadius(s.radius);
      }
    }
    fit();
  }

  loadBoundaries();
  return { setCases, pulse, resized, loadBoundaries, pulseCount: () => pulses.size };
}
