/* Where the event happened: the phone's fix with its accuracy, or a pin the user places.
 *
 * The fix is watched while the report form is open and the best recent one is kept. When it is
 * poorer than config.poorFixMetres, or there is none (no permission, no satellites indoors), a
 * small map opens with a pin to drag (or tap the map) to the place; a pin set by hand wins over
 * later fixes and is sent without an accuracy.
 */
import { cellsLayer, makeMap } from "./maps.js";
import { config, formatNumber, t } from "./text.js";

const STALE_MS = 60 * 1000;

export class PositionPicker {
  constructor({ status, mapElement, gpsButton, onChange, cells }) {
    this.status = status;
    this.gpsButton = gpsButton;
    this.mapElement = mapElement;
    this.onChange = onChange || (() => {});
    this.cells = cells || (() => null);
    this.fix = null; // {lon, lat, accuracy, at}
    this.pin = null; // {lon, lat}
    this.watch = null;
    this.map = null;
    this.marker = null;
    this.cellLayer = null;
    this.problem = null;
  }

  /** {lon, lat, accuracy_m} to send, or null. */
  value() {
    if (this.pin) return { lon: this.pin.lon, lat: this.pin.lat, accuracy_m: null };
    if (this.fix) return { lon: this.fix.lon, lat: this.fix.lat, accuracy_m: Math.round(this.fix.accuracy * 10) / 10 };
    return null;
  }

  poor() {
    return !this.fix || this.fix.accuracy > config.poorFixMetres;
  }

  start() {
    this.stop();
    if (!this.pin) this.describe();
    if (!navigator.geolocation) {
      this.problem = "noFix";
      this.describe();
      return;
    }
    this.watch = navigator.geolocation.watchPosition(
      (position) => this.onFix(position),
      (error) => this.onError(error),
      { enableHighAccuracy: true, maximumAge: 30000, timeout: 20000 },
    );
  }

  stop() {
    if (this.watch !== null && navigator.geolocation) navigator.geolocation.clearWatch(this.watch);
    this.watch = null;
  }

  /** A new report: the pin goes; the phone's fix stays while it is fresh (the phone has not moved far). */
  reset() {
    this.pin = null;
    if (this.fix && Date.now() - this.fix.at > STALE_MS) this.fix = null;
    if (this.marker) {
      this.marker.remove();
      this.marker = null;
    }
    this.mapElement.hidden = true;
    if (this.fix && this.poor()) this.showMap();
    this.describe();
  }

  /** Take a position given earlier (a refused report being corrected): it counts as set by hand. */
  setPin(lon, lat) {
    this.pin = { lon, lat };
    this.showMap();
    this.describe();
    this.onChange();
  }

  onFix(position) {
    const { longitude, latitude, accuracy } = position.coords;
    // The latest fix: the phone refines it as satellites come in, and it follows the user who walks on.
    this.fix = { lon: longitude, lat: latitude, accuracy: accuracy || 0, at: Date.now() };
    this.problem = null;
    if (!this.pin) {
      if (this.poor()) this.showMap();
      else if (this.map && !this.mapElement.hidden) this.placeMarker(this.fix.lat, this.fix.lon, false);
    }
    this.describe();
    this.onChange();
  }

  onError(error) {
    this.problem = error && error.code === 1 ? "denied" : "noFix";
    if (!this.fix) {
      this.showMap();
      this.describe();
      this.onChange();
    }
  }

  describe() {
    let text;
    let level = "poor";
    if (this.pin) {
      text = t("byHand");
      level = "good";
    } else if (this.fix && !this.poor()) {
      text = t("accuracy", { metres: formatNumber(this.fix.accuracy) });
      level = "good";
    } else if (this.fix) {
      text = t("poorFix", { metres: formatNumber(this.fix.accuracy) });
    } else if (this.problem) {
      text = t(this.problem);
    } else {
      text = t("locating");
      level = "pending";
    }
    this.status.textContent = text;
    this.status.dataset.level = level;
    if (this.gpsButton) this.gpsButton.hidden = !this.pin; // back from the pin to the phone's fix
  }

  showMap() {
    const L = window.L;
    if (!L) return;
    this.mapElement.hidden = false;
    if (!this.map) {
      this.map = makeMap(this.mapElement, { zoom: 15 });
      this.map.on("click", (event) => this.setByHand(event.latlng));
    }
    this.map.invalidateSize();
    const cells = this.cells();
    if (cells && !this.cellLayer) {
      this.cellLayer = cellsLayer(cells).addTo(this.map);
    }
    if (this.pin) this.placeMarker(this.pin.lat, this.pin.lon, true);
    else if (this.fix) this.placeMarker(this.fix.lat, this.fix.lon, true);
    else if (this.cellLayer && this.cellLayer.getBounds().isValid()) {
      const centre = this.cellLayer.getBounds().getCenter();
      this.placeMarker(centre.lat, centre.lng, false);
      this.map.fitBounds(this.cellLayer.getBounds(), { maxZoom: 16 });
    } else {
      this.placeMarker(this.map.getCenter().lat, this.map.getCenter().lng, false);
    }
  }

  placeMarker(lat, lon, centre) {
    const L = window.L;
    if (!this.marker) {
      this.marker = L.marker([lat, lon], { draggable: true, autoPan: true, keyboard: true, alt: t("byHand") }).addTo(this.map);
      this.marker.on("dragend", () => this.setByHand(this.marker.getLatLng()));
    } else {
      this.marker.setLatLng([lat, lon]);
    }
    if (centre) this.map.setView([lat, lon], Math.max(this.map.getZoom(), 16));
  }

  setByHand(latlng) {
    const lon = Math.round(latlng.lng * 1e7) / 1e7;
    const lat = Math.round(latlng.lat * 1e7) / 1e7;
    this.pin = { lon, lat };
    this.placeMarker(lat, lon, false);
    this.describe();
    this.onChange();
  }
}
