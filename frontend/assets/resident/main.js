/* The resident's face at /r/: report a matter without an account, follow it, rate it, complain,
 * and see the public map. Phone-first; every word comes from the page (residents/views.py); the
 * map is never the only way (a typed place works with a screen reader or a weak phone). */
import "./style.css";
import { ApiError, request, setNetworkMessage } from "../common/api.js";
import { index, search } from "../common/categories.js";
import { fill } from "../common/text.js";

const T = JSON.parse(document.getElementById("resident-strings").textContent);
const C = JSON.parse(document.getElementById("resident-config").textContent);
const $ = (id) => document.getElementById(id);
const DRAFT = "resident-draft-id";

const state = { categories: null, category: null, place: null, token: null, phone: "", photos: [], map: null, pin: null };

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([key, value]) => node.setAttribute(key, value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function say(message) {
  $("status").textContent = message || "";
}

function showError(id, message) {
  const node = $(id);
  node.textContent = message || "";
  node.hidden = !message;
  const field = node.id.replace(/-error$/, "");
  const input = $(field);
  if (input && input.tagName !== "FIELDSET") {
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

function errorText(error) {
  if (error instanceof ApiError) return error.kind === "network" ? T.offline : error.summary || fill(T.error, { status: error.status });
  return String(error);
}

function csrf() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function api(url, options = {}) {
  return request(url, { csrf: csrf(), ...options });
}

/* --- views ------------------------------------------------------------------------------ */

function route() {
  const hash = window.location.hash.replace(/^#/, "");
  let view = ["report", "follow", "map"].find((name) => hash.startsWith(name)) || "report";
  const link = hash.match(/^f=([^-]+)-(\w+)/); // the link in the closing SMS: #f=<number>-<code>
  if (link) view = "follow";
  say(""); // what was said belongs to the view it was said on
  document.querySelectorAll(".view").forEach((section) => {
    section.hidden = section.id !== `view-${view}`;
  });
  document.querySelectorAll("nav a").forEach((a) => {
    if (a.dataset.view === view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
  if (link) {
    $("follow-number").value = link[1];
    $("follow-code").value = link[2];
    follow();
  }
  if (view === "map") openMap();
}

/* --- the category picker ---------------------------------------------------------------- */

async function loadCategories() {
  const { data } = await api(C.api.categories);
  state.categories = index(data);
}

function chooseCategory(node) {
  state.category = node;
  $("category-chosen").textContent = fill(T.categoryChosen, { name: [...node.path, node.name].join(" › ") });
  $("category-results").replaceChildren();
  showError("category-error", "");
}

function listCategories() {
  if (!state.categories) return;
  const { nodes, fallback } = search(state.categories, $("category-search").value, 12);
  const list = $("category-results");
  list.replaceChildren();
  if (fallback) list.append(el("li", { class: "note" }, T.noMatchOther));
  nodes.forEach((node) => {
    const li = el("li");
    const button = el("button", { type: "button", class: "choice-button" }, [...node.path, node.name].join(" › "));
    button.addEventListener("click", () => chooseCategory(node));
    li.append(button);
    list.append(li);
  });
}

/* --- where ------------------------------------------------------------------------------ */

function setPlace(place, words) {
  state.place = place;
  $("place-chosen").textContent = words;
  showError("place-error", "");
  if (state.pin) state.pin.setLatLng([place.lat, place.lon]);
}

async function findPlace() {
  const query = $("place-search").value.trim();
  const list = $("place-results");
  list.replaceChildren();
  if (!query) return;
  say(T.searching);
  try {
    const { data } = await api(`${C.api.places}?q=${encodeURIComponent(query)}`);
    say("");
    if (!data.length) list.append(el("li", { class: "note" }, T.noPlace));
    data.forEach((place) => {
      const li = el("li");
      const label = place.within ? `${place.within} · ${place.name}` : place.name;
      const button = el("button", { type: "button", class: "choice-button" }, label);
      button.addEventListener("click", () => {
        setPlace({ lon: place.lon, lat: place.lat }, fill(T.placeChosen, { name: label }));
        list.replaceChildren();
      });
      li.append(button);
      list.append(li);
    });
  } catch (error) {
    say(errorText(error));
  }
}

function useGps() {
  if (!navigator.geolocation) {
    say(T.gpsFailed);
    return;
  }
  say(T.gpsWorking);
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const { longitude, latitude, accuracy } = position.coords;
      const metres = Math.round(accuracy);
      setPlace({ lon: longitude, lat: latitude, accuracy_m: accuracy }, fill(T.gpsFound, { metres }));
      say(fill(T.gpsFound, { metres }));
    },
    () => say(T.gpsFailed),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

function makeMap(element) {
  const L = window.L;
  const map = L.map(element, { center: C.map.center, zoom: C.map.zoom, maxZoom: C.map.maxZoom || 18 });
  if (C.map.attributionPrefix !== undefined) map.attributionControl.setPrefix(C.map.attributionPrefix);
  [...(C.map.tiles || []).slice(0, 1), ...(C.map.overlays || [])].forEach((tile) => {
    L.tileLayer(tile.url, { maxZoom: C.map.maxZoom || 18, ...tile.options }).addTo(map);
  });
  return map;
}

function togglePin() {
  const box = $("pin-map");
  box.hidden = !box.hidden;
  $("pin").setAttribute("aria-expanded", String(!box.hidden));
  if (box.hidden || !window.L) return;
  if (!state.map) {
    state.map = makeMap(box);
    const start = state.place ? [state.place.lat, state.place.lon] : C.map.center;
    state.pin = window.L.marker(start, { draggable: true, keyboard: true, title: T.pinSet }).addTo(state.map);
    const put = (latlng) => {
      state.pin.setLatLng(latlng);
      setPlace({ lon: latlng.lng, lat: latlng.lat }, T.pinSet);
    };
    state.map.on("click", (event) => put(event.latlng));
    state.pin.on("dragend", () => put(state.pin.getLatLng()));
  }
  setTimeout(() => state.map.invalidateSize(), 0);
}

/* --- photos ----------------------------------------------------------------------------- */

function renderPhotos() {
  const list = $("photo-list");
  list.replaceChildren();
  state.photos.forEach((photo, i) => {
    const li = el("li");
    const img = el("img", { src: photo.url, alt: "" });
    const remove = el("button", { type: "button", class: "secondary" }, fill(T.removePhoto, { number: i + 1 }));
    remove.addEventListener("click", () => {
      URL.revokeObjectURL(photo.url);
      state.photos.splice(i, 1);
      renderPhotos();
    });
    li.append(img, remove);
    list.append(li);
  });
}

function addPhotos() {
  Array.from($("photos").files || []).forEach((file) => {
    if (state.photos.length < 6) state.photos.push({ file, url: URL.createObjectURL(file), sha256: null });
  });
  $("photos").value = "";
  renderPhotos();
}

/* --- phone ------------------------------------------------------------------------------ */

async function sendCode() {
  showError("phone-error", "");
  const phone = $("phone").value.trim();
  try {
    await api(C.api.code, { method: "POST", json: { phone } });
    state.phone = phone;
    $("code-row").hidden = false;
    say(fill(T.codeSent, { phone }));
    $("code").focus();
  } catch (error) {
    showError("phone-error", errorText(error));
  }
}

async function verify() {
  showError("code-error", "");
  try {
    const { data } = await api(C.api.verify, { method: "POST", json: { phone: state.phone, code: $("code").value.trim() } });
    state.token = data.token;
    $("code-row").hidden = true;
    $("phone-ok").textContent = T.phoneVerified;
    say(T.phoneVerified);
  } catch (error) {
    showError("code-error", errorText(error));
  }
}

/* --- the report ------------------------------------------------------------------------- */

function draftId() {
  // Made on the device once per report and kept until the server has it: a resend never stores twice.
  let id = sessionStorage.getItem(DRAFT);
  if (!id) {
    id = window.crypto && crypto.randomUUID ? crypto.randomUUID() : fallbackUuid();
    sessionStorage.setItem(DRAFT, id);
  }
  return id;
}

function fallbackUuid() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function uploadPhotos() {
  for (const photo of state.photos) {
    if (photo.sha256) continue;
    const form = new FormData();
    form.append("token", state.token);
    form.append("file", photo.file);
    const { data } = await api(C.api.photos, { method: "POST", form });
    photo.sha256 = data.sha256;
  }
}

async function submitReport(event) {
  event.preventDefault();
  ["category-error", "description-error", "place-error", "phone-error", "report-error"].forEach((id) => showError(id, ""));
  let ok = true;
  if (!state.category) {
    showError("category-error", T.needCategory);
    ok = false;
  }
  if (!state.place) {
    showError("place-error", T.needPlace);
    ok = false;
  }
  if (!state.token) {
    showError("phone-error", T.needPhone);
    ok = false;
  }
  if (!ok) {
    showError("report-error", T.fix);
    return;
  }
  const button = $("submit");
  button.disabled = true;
  say(T.sending);
  try {
    await uploadPhotos();
    const body = {
      id: draftId(),
      token: state.token,
      category: state.category.code,
      description: $("description").value,
      lon: state.place.lon,
      lat: state.place.lat,
      accuracy_m: state.place.accuracy_m ?? null,
      photos: state.photos.map((photo) => photo.sha256),
    };
    const { data } = await api(C.api.reports, { method: "POST", json: body });
    sessionStorage.removeItem(DRAFT);
    const receipt = $("receipt");
    receipt.replaceChildren(
      el("p", { class: "big" }, fill(T.received, data)),
      el("p", {}, T.keep),
      el("a", { href: `#f=${data.number}-${data.code}` }, T.followIt),
    );
    receipt.hidden = false;
    $("report-form").hidden = true;
    say(fill(T.received, data));
    receipt.focus();
  } catch (error) {
    const fields = (error instanceof ApiError && error.fields) || {};
    Object.entries(fields).forEach(([name, messages]) => {
      const id = { lon: "place-error", lat: "place-error", token: "phone-error" }[name] || `${name}-error`;
      if ($(id)) showError(id, [].concat(messages).join(" "));
    });
    showError("report-error", errorText(error));
    say(errorText(error));
  } finally {
    button.disabled = false;
  }
}

/* --- following --------------------------------------------------------------------------- */

function when(iso) {
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function renderCase(data) {
  $("case-title").textContent = data.number;
  $("case-category").textContent = data.category;
  $("case-state").textContent = data.state_display;
  $("case-due").textContent = data.due_at ? fill(T.dueAt, { time: when(data.due_at) }) : T.noDue;
  const list = $("case-timeline");
  list.replaceChildren();
  data.timeline.forEach((entry) => {
    const li = el("li");
    li.append(el("span", { class: "what" }, entry.label));
    if (entry.unit) li.append(document.createTextNode(` · ${entry.unit}`));
    li.append(document.createTextNode(" · "), el("time", { datetime: entry.at }, when(entry.at)));
    list.append(li);
  });
  $("case-rated").hidden = !data.rating;
  $("case-rated").textContent = data.rating ? fill(T.rated, { rating: T.satisfaction[data.rating] }) : "";
  $("rate-form").hidden = !data.can_rate;
  $("complain-form").hidden = !data.can_complain;
  $("case").hidden = false;
}

function followKey() {
  return { number: $("follow-number").value.trim(), code: $("follow-code").value.trim() };
}

async function follow(event) {
  if (event) event.preventDefault();
  showError("follow-error", "");
  const { number, code } = followKey();
  try {
    const { data } = await api(`${C.api.cases}${encodeURIComponent(number)}/?code=${encodeURIComponent(code)}`);
    renderCase(data);
    $("case").focus();
  } catch (error) {
    $("case").hidden = true;
    showError("follow-error", errorText(error));
  }
}

async function rate(event) {
  event.preventDefault();
  showError("rate-error", "");
  const { number, code } = followKey();
  const chosen = document.querySelector('input[name="satisfaction"]:checked');
  try {
    const json = { code, satisfaction: chosen ? chosen.value : "", reason: $("rate-reason").value };
    const { data } = await api(`${C.api.cases}${encodeURIComponent(number)}/rating/`, { method: "POST", json });
    renderCase(data);
    say(T.thanksRating);
  } catch (error) {
    showError("rate-error", errorText(error));
  }
}

async function complain(event) {
  event.preventDefault();
  showError("complain-error", "");
  const { number, code } = followKey();
  try {
    const json = { code, text: $("complain-text").value };
    const { data } = await api(`${C.api.cases}${encodeURIComponent(number)}/complaint/`, { method: "POST", json });
    renderCase(data);
    say(T.thanksComplaint);
  } catch (error) {
    showError("complain-error", errorText(error));
  }
}

/* --- the public map ---------------------------------------------------------------------- */

let publicMap = null;
let dots = null;

async function refreshMap() {
  const b = publicMap.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const bbox = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
    .map((v) => v.toFixed(6))
    .join(",");
  try {
    const { data } = await api(`${C.api.map}?bbox=${bbox}`);
    dots.clearLayers();
    const list = $("map-list");
    list.replaceChildren();
    if (!data.length) list.append(el("li", {}, T.nothingInView));
    data.forEach((cell) => {
      const line = fill(T.cellLine, cell);
      window.L.circleMarker([cell.lat, cell.lon], { radius: 6 + Math.min(14, cell.total), color: "#0b3d5c", weight: 2, fillOpacity: 0.5 })
        .bindTooltip(line)
        .addTo(dots);
      list.append(el("li", {}, line));
    });
  } catch (error) {
    say(errorText(error));
  }
}

function openMap() {
  if (publicMap || !window.L) return;
  publicMap = makeMap($("public-map"));
  dots = window.L.layerGroup().addTo(publicMap);
  publicMap.on("moveend", refreshMap);
  setTimeout(() => {
    publicMap.invalidateSize();
    refreshMap();
  }, 0);
}

/* --- start ------------------------------------------------------------------------------- */

function start() {
  setNetworkMessage(T.offline);
  $("category-search").addEventListener("input", listCategories);
  $("place-find").addEventListener("click", findPlace);
  $("place-search").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      findPlace();
    }
  });
  $("gps").addEventListener("click", useGps);
  $("pin").addEventListener("click", togglePin);
  $("photos").addEventListener("change", addPhotos);
  $("send-code").addEventListener("click", sendCode);
  $("verify").addEventListener("click", verify);
  $("report-form").addEventListener("submit", submitReport);
  $("follow-form").addEventListener("submit", follow);
  $("rate-form").addEventListener("submit", rate);
  $("complain-form").addEventListener("submit", complain);
  window.addEventListener("hashchange", route);
  loadCategories()
    .then(listCategories) // words typed while the categories were on their way
    .catch((error) => say(errorText(error)));
  route();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
