/* Maps: the background from the settings (maps/basemap.py; Leaflet is the global L), the user's grid cells.
 *
 * With no tiles reachable (no signal, a closed intranet) the cells still draw on the plain
 * background. The cells come from maps/ (GET cells.geojson?mine=1, signed in with the token) and
 * are kept on the phone without their members' names, so the maps work without signal too.
 */
import * as store from "./db.js";
import { ApiError } from "../common/api.js";
import { request } from "./api.js";
import { config } from "./text.js";

export const CELL_STYLE = { color: "#0b3d5c", weight: 3, fillColor: "#0b3d5c", fillOpacity: 0.06, className: "grid-cell" };

export function makeMap(element, options = {}) {
  const L = window.L;
  const map = L.map(element, {
    center: config.map.center,
    zoom: config.map.zoom,
    maxZoom: config.map.maxZoom || 18,
    zoomControl: true,
    attributionControl: true,
    tap: false,
    ...options,
  });
  if (config.map.attributionPrefix !== undefined) map.attributionControl.setPrefix(config.map.attributionPrefix);
  // The first base layer and every overlay (Tianditu's place names); none at all by default.
  [...(config.map.tiles || []).slice(0, 1), ...(config.map.overlays || [])].forEach((tile) => {
    L.tileLayer(tile.url, { maxZoom: config.map.maxZoom || 18, ...tile.options }).addTo(map);
  });
  return map;
}

/** Only what the maps draw: shape, code, name (a cell's properties may name its gridworkers). */
function slim(collection) {
  return {
    type: "FeatureCollection",
    features: (collection.features || []).map((feature) => ({
      type: "Feature",
      geometry: feature.geometry,
      properties: { code: feature.properties && feature.properties.code, name: feature.properties && feature.properties.name },
    })),
  };
}

export async function cachedCells(user) {
  return (await store.getValue(`cells:${user}`)) || null;
}

/** The user's cells from the server (kept for offline use); null when the layer does not exist. */
export async function refreshCells(auth) {
  try {
    const { data } = await request(config.cells, { token: auth.token });
    if (!data || data.type !== "FeatureCollection") return null;
    const cells = slim(data);
    await store.setValue(`cells:${auth.username}`, cells);
    return cells;
  } catch (error) {
    if (error instanceof ApiError && error.kind === "refused") return null; // e.g. 404: not there yet
    throw error;
  }
}

export function cellsLayer(cells) {
  const L = window.L;
  return L.geoJSON(cells, { style: CELL_STYLE, interactive: false });
}

export function cellCodes(cells) {
  return new Set(((cells && cells.features) || []).map((feature) => feature.properties.code).filter(Boolean));
}
