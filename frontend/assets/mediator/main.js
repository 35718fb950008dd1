/* The mediator's map: entry point. Wires the filters (kept in the address), the case layer and list,
 * the case panel and the live event stream together. Every text comes from the page (json_script). */
import "leaflet.markercluster/dist/MarkerCluster.css";
import "leaflet.markercluster/dist/MarkerCluster.Default.css";
import "../common/dates.css";
import "./style.css";

import { createEventStream } from "../common/events.js";
import { ApiError, setNetworkMessage } from "../common/api.js";
import { isoDateFields } from "../common/dates.js";
import { api, withId } from "./api.js";
import { debounce, fmt, h } from "./dom.js";
import { apiQuery, fromForm, fromQuery, pageQuery, sameFilters, toForm } from "./filters.js";
import { clock } from "./format.js";
import { CaseList } from "./list.js";
import { CaseMap } from "./mapview.js";
import { afterAct } from "./outcome.js";
import { CasePanel } from "./panel.js";
import { isOverdue } from "./states.js";

const config = JSON.parse(document.getElementById("mediator-config").textContent);
const S = config.strings;
setNetworkMessage(S.network_error);

const LIVE_BATCH = 15; // more changed cases than this at once: reload the list instead
const LIST_PAGE = 100; // cases the list asks for at a time (it follows `next` on "more")
const state = { filters: null, caseId: null, colour: "state", sort: "", features: [], byId: new Map(), next: null };
const categories = new Map(); // code → name
let caseMap;
let list;
let panel;
let loadController = null;

const $ = (id) => document.getElementById(id);
const form = $("filters");
const announcer = $("announcer");

window.addEventListener("map:init", (event) => start(event.detail.map));

function start(map) {
  const restored = fromQuery(window.location.search);
  const params = new URLSearchParams(window.location.search);
  state.filters = restored.filters;
  state.caseId = restored.caseId;
  state.colour = restored.colour;
  state.sort = params.get("sort") === "deadline" ? "deadline" : "";

  caseMap = new CaseMap(map, { config, strings: S, onSelect: (id) => openCase(id), isOverdue, label: markerLabel });
  caseMap.onColour = setColour;
  if (state.colour !== "state") caseMap.setColour(state.colour);

  list = new CaseList($("case-list"), {
    count: $("result-count"),
    message: $("list-message"),
    strings: S,
    config,
    categoryName: (code) => categories.get(code) || code,
    onSelect: (id) => openCase(id, { reveal: true }),
    onMore: () => loadMore(),
  });
  list.sort = state.sort;
  $("list-sort").value = state.sort;
  $("list-sort").addEventListener("change", (event) => {
    state.sort = list.sort = event.target.value;
    list.render();
    writeAddress();
  });

  panel = new CasePanel($("case-panel"), {
    config,
    strings: S,
    onClose: closeCase,
    onActDone: actDone,
    onReload: (id) => openCase(id, { force: true }),
    onOpen: (id) => openCase(id, { reveal: true }),
  });

  isoDateFields(form, { choose: S.choose_date });
  toForm(form, state.filters);
  const apply = () => applyFilters(fromForm(form));
  const applySoon = debounce(apply, 400);
  form.addEventListener("change", (event) => (event.target.name === "q" ? applySoon() : apply()));
  form.elements.q.addEventListener("input", applySoon);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    applySoon.cancel();
    apply();
  });
  form.addEventListener("reset", () => {
    delete form.elements.category.dataset.pending;
    setTimeout(apply); // after the browser has reset the fields
  });

  loadCategories();
  loadCases().then(() => {
    if (state.caseId) openCase(state.caseId, { reveal: true });
  });
  startLive();
  setInterval(tick, 30_000);
}

function markerLabel(p) {
  const stateLabel = (config.states.find(([value]) => value === p.state) || [p.state, p.state])[1];
  return `${p.number} · ${categories.get(p.category) || p.category} · ${stateLabel}`;
}

// --- the address ------------------------------------------------------------------------

function writeAddress() {
  let query = pageQuery(state.filters, state.caseId, state.colour);
  if (state.sort) query += `${query ? "&" : ""}sort=${state.sort}`;
  const url = `${window.location.pathname}${query ? `?${query}` : ""}`;
  if (url !== `${window.location.pathname}${window.location.search}`) window.history.replaceState(null, "", url);
}

function applyFilters(filters) {
  if (sameFilters(filters, state.filters)) return;
  state.filters = filters;
  writeAddress();
  loadCases({ reset: true });
}

function setColour(mode) {
  state.colour = mode;
  caseMap.setColour(mode);
  writeAddress();
}

// --- categories -------------------------------------------------------------------------

async function loadCategories() {
  const select = form.elements.category;
  try {
    const { data } = await api(config.urls.categories);
    const options = [];
    const walk = (nodes, depth) => {
      for (const node of nodes) {
        categories.set(node.code, node.name);
        options.push(h("option", { value: node.code, text: `${"\u3000".repeat(depth)}${node.name}` }));
        walk(node.children || [], depth + 1);
      }
    };
    walk(data, 0);
    select.append(...options);
    if (select.dataset.pending) {
      select.value = select.dataset.pending;
      delete select.dataset.pending;
    }
    list.render();
  } catch {
    /* the filter keeps "all categories"; the list shows codes */
  }
}

// --- the cases --------------------------------------------------------------------------

/** A row of /api/cases/ as the list and the map draw a case. */
function toFeature(row) {
  return {
    type: "Feature",
    id: row.id,
    geometry: { type: "Point", coordinates: [row.lon, row.lat] },
    properties: {
      number: row.number,
      kind: row.kind,
      category: row.category ? row.category.code : "",
      grade: row.grade,
      severity: row.severity,
      state: row.state,
      due_at: row.due_at,
      overdue: row.overdue,
      duplicates: row.duplicates || 0,
    },
  };
}

/** The list's first page and the map's view for the current filters. */
async function loadCases({ reset = false, quiet = false } = {}) {
  caseMap.setQuery(apiQuery(state.filters));
  if (loadController) loadController.abort();
  const controller = new AbortController();
  loadController = controller;
  if (!quiet) list.loading();
  try {
    const { data } = await api(`${config.urls.cases}?${apiQuery(state.filters, { page_size: String(LIST_PAGE) })}`, {
      signal: controller.signal,
    });
    if (controller !== loadController) return;
    state.features = data.results.map(toFeature);
    state.byId = new Map(state.features.map((feature) => [feature.id, feature]));
    state.next = data.next;
    list.selected = state.caseId;
    list.set(state.features, { reset, more: Boolean(state.next) });
    caseMap.select(state.caseId);
  } catch (error) {
    // A newer load has taken over (an aborted response can fail in other ways than AbortError).
    if (error.name === "AbortError" || controller !== loadController) return;
    if (quiet) say(fmt(S.load_failed, { message: error.message }));
    else list.failed(fmt(S.load_failed, { message: error.message }));
  } finally {
    if (controller === loadController) loadController = null;
  }
}

/** The list's next page, after the rows it holds (keyset: the server never counts them). */
async function loadMore() {
  const next = state.next;
  if (!next || loadController) return;
  const controller = new AbortController();
  loadController = controller;
  try {
    const { data } = await api(next, { signal: controller.signal });
    if (controller !== loadController) return;
    const added = data.results.map(toFeature).filter((feature) => !state.byId.has(feature.id));
    added.forEach((feature) => state.byId.set(feature.id, feature));
    state.features = [...state.features, ...added];
    state.next = data.next;
    list.set(state.features, { more: Boolean(state.next) });
  } catch (error) {
    if (error.name !== "AbortError" && controller === loadController) say(fmt(S.load_failed, { message: error.message }));
  } finally {
    if (controller === loadController) loadController = null;
  }
}

function upsertFeature(feature) {
  const known = state.byId.has(feature.id);
  state.byId.set(feature.id, feature);
  if (known) state.features = state.features.map((f) => (f.id === feature.id ? feature : f));
  else state.features = [feature, ...state.features].sort((a, b) => b.id - a.id);
  list.changed(feature.id);
  list.set(state.features, { more: Boolean(state.next) });
}

function removeFeature(id) {
  if (!state.byId.has(id)) return;
  state.byId.delete(id);
  state.features = state.features.filter((f) => f.id !== id);
  list.set(state.features, { more: Boolean(state.next) });
}

/** Fetch one case through the current filters: it appears, changes, or leaves the list. */
async function refreshOne(id, number) {
  const { data } = await api(`${config.urls.cases}?${apiQuery(state.filters, { q: number })}`);
  const row = (data.results || []).find((r) => r.id === id);
  if (row) upsertFeature(toFeature(row));
  else removeFeature(id);
}

function tick() {
  // The clock makes cases overdue: refresh the deadlines in the list and the rings on the map.
  list.render();
  caseMap.restyle();
}

// --- the case panel ---------------------------------------------------------------------

async function openCase(id, { reveal = false, force = false } = {}) {
  const changed = state.caseId !== id;
  state.caseId = id;
  writeAddress();
  list.select(id);
  caseMap.select(id);
  if (!changed && !force && panel.caseId === id) return;
  panel.loading(id);
  try {
    const { data } = await api(withId(config.urls.case, id));
    if (state.caseId !== id) return;
    panel.render(data);
    caseMap.showCase(data.lon, data.lat, { reveal });
  } catch (error) {
    if (state.caseId !== id) return;
    panel.failed(error instanceof ApiError && error.status === 404 ? S.case_gone : error.message);
  }
}

function closeCase() {
  const row = document.querySelector(`#case-list .case-row[data-id="${state.caseId}"]`);
  state.caseId = null;
  writeAddress();
  list.select(null);
  caseMap.select(null);
  panel.hide();
  if (row) row.focus(); // back where the case was chosen
}

async function refreshPanel() {
  const id = panel.caseId;
  if (!id) return;
  try {
    const { data } = await api(withId(config.urls.case, id));
    if (panel.caseId !== id || data.version === panel.detail.version) return;
    if (panel.dirty) panel.changedElsewhere();
    else panel.render(data, { keepScroll: true, message: fmt(S.case_updated, { number: data.number }) });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && panel.caseId === id) panel.failed(S.case_gone);
  }
}

async function actDone(spec, response) {
  const id = state.caseId;
  const outcome = afterAct(response);
  if (outcome === "gone") {
    // The act moved the case out of the user's jurisdiction (e.g. returned to the dispatcher).
    removeFeature(id);
    caseMap.refresh();
    panel.failed(fmt(S.gone, { act: spec.title }));
    say(fmt(S.gone, { act: spec.title }));
    return;
  }
  const message = fmt(S.done, { act: spec.title });
  let detail = response.data;
  if (outcome === "reload") {
    // Our own change: show the case as it is now even though the form held typing.
    try {
      ({ data: detail } = await api(withId(config.urls.case, id)));
    } catch (error) {
      if (panel.caseId !== id) return;
      panel.failed(error instanceof ApiError && error.status === 404 ? S.case_gone : error.message);
      return;
    }
    if (panel.caseId !== id) return;
  }
  panel.render(detail, { message });
  say(message);
  refreshOne(detail.id, detail.number).catch(() => {});
  caseMap.refresh();
}

function say(text) {
  announcer.textContent = text;
}

// --- live -------------------------------------------------------------------------------

const pending = new Map(); // case id → number
const flush = debounce(async () => {
  const batch = new Map(pending);
  pending.clear();
  try {
    if (batch.size > LIVE_BATCH || state.filters.q || Array.from(batch.values()).some((number) => !number)) {
      await loadCases({ quiet: true });
    } else {
      await Promise.all([...Array.from(batch, ([id, number]) => refreshOne(id, number)), caseMap.refresh()]);
    }
  } catch {
    /* the next event or reload catches up */
  }
  if (panel.caseId && batch.has(panel.caseId)) refreshPanel();
}, 400);

function startLive() {
  const status = $("live-status");
  createEventStream({
    storageKey: `gridgov:mediator:last:${document.getElementById("mediator-app").dataset.user}`,
    onEvent(event) {
      if (!event.case_id) return;
      const payload = (event.payload && event.payload.case) || {};
      pending.set(event.case_id, payload.number || pending.get(event.case_id) || "");
      flush();
    },
    onStatus(value, since) {
      status.dataset.status = value;
      status.textContent = value === "live" ? S.live : value === "offline" ? fmt(S.offline_since, { when: clock(since) }) : S.connecting;
    },
  }).start();
}
