/* The gridworker's phone app: sign in once, report with or without signal, see the grid and tasks.
 *
 * The page (frontend/phone.py) carries the translated text and settings; the service worker
 * (sw.js) keeps the page and its files for use without signal; IndexedDB (db.js) keeps the
 * sign-in, the outbox of reports and photos, and what the app last saw.
 */
import "./style.css";
import { ApiError, describe } from "../common/api.js";
import { createEventStream } from "../common/events.js";
import * as store from "./db.js";
import { list, request } from "./api.js";
import { CaseSheet } from "./casesheet.js";
import { cachedTree, refreshTree } from "./categories.js";
import { GridView } from "./grid.js";
import { renderOutbox, renderServerReports, renderTasks, showProgress } from "./lists.js";
import { cachedCells, cellCodes, refreshCells } from "./maps.js";
import { Outbox, SENT } from "./outbox.js";
import { ReportForm } from "./report.js";
import { authLossReason, pendingCount, signInNotice } from "./session.js";
import { config, formatNumber, formatTime, strings, t } from "./text.js";
import { sendPhoto } from "./upload.js";

const $ = (id) => document.getElementById(id);
const VIEWS = ["report", "queue", "tasks", "grid", "me"];

const state = {
  auth: null,
  cells: null,
  server: { reports: [], tasks: [], open: [], at: null },
  view: null,
  live: "connecting",
  stream: null,
  refreshTimer: null,
  sentSeen: new Set(),
};

// Photos go resumably (tus, phone/upload.js), in the page's language like every other request.
const resumable = ({ photo, stored, auth, onUrl, onProgress, onChunk }) =>
  sendPhoto({
    blob: stored.blob,
    sha256: photo.sha256,
    endpoint: new URL(config.api.uploads, window.location.href).href,
    uploadUrl: photo.uploadUrl,
    token: auth.token,
    language: config.language || "zh-hans",
    onUrl,
    onProgress,
    onChunk,
  });
const outbox = new Outbox({
  auth: () => state.auth,
  onAuthLost: (error) => authLost(error),
  request,
  urls: config.api,
  sendPhoto: resumable,
});
let form = null;
let grid = null;
let sheet = null;

// --- status line ------------------------------------------------------------------------------

function toast(message) {
  const element = $("toast");
  element.textContent = message;
  element.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    element.hidden = true;
  }, 6000);
}

function showNetwork() {
  const online = navigator.onLine !== false;
  const element = $("net-status");
  element.textContent = online ? t("online") : t("offline");
  element.dataset.online = String(online);
  showLive(state.live);
}

/** The event stream's status; with no network at all it cannot be live, whatever the socket thinks. */
function showLive(status) {
  state.live = status || "connecting";
  const shown = navigator.onLine === false ? "offline" : state.live;
  const element = $("live-status");
  element.textContent = t(`live.${shown}`);
  element.dataset.status = shown;
}

// --- views ------------------------------------------------------------------------------------

function show(view) {
  if (!VIEWS.includes(view)) view = "report";
  if (state.view === view) return;
  $("toast").hidden = true;
  if (state.view === "report") form.deactivate();
  if (state.view === "grid") grid.deactivate();
  state.view = view;
  VIEWS.forEach((name) => {
    $(`view-${name}`).hidden = name !== view;
    const tab = document.querySelector(`#tabs [data-view="${name}"]`);
    if (name === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  });
  if (view === "report") form.activate();
  if (view === "grid") grid.activate();
  if (view === "queue" || view === "tasks") refreshServer();
  if (view === "me") refreshMe();
  if (`#${view}` !== window.location.hash) history.replaceState(null, "", `#${view}`);
  window.scrollTo(0, 0);
}

// --- signing in and out -----------------------------------------------------------------------

function placeLanguageSwitch(container) {
  const languageSwitch = document.querySelector(".language-switch");
  if (languageSwitch && languageSwitch.parentElement !== container) container.append(languageSwitch);
}

function showSignIn(notice) {
  state.auth = null;
  $("main").hidden = true;
  $("tabs").hidden = true;
  $("signin").hidden = false;
  $("header-status").hidden = true;
  placeLanguageSwitch($("signin-language"));
  const element = $("signin-notice");
  element.textContent = notice || "";
  element.hidden = !notice;
  $("signin-error").hidden = true;
}

async function signIn(event) {
  event.preventDefault();
  const username = $("signin-username").value.trim();
  const password = $("signin-password").value;
  const error = $("signin-error");
  error.hidden = true;
  if (!username || !password) return;
  const button = $("signin-submit");
  button.disabled = true;
  try {
    const { data } = await request(config.api.token, { method: "POST", json: { username, password } });
    const auth = { token: data.token, username };
    await store.setValue("auth", auth);
    $("signin-password").value = "";
    await startApp(auth);
  } catch (failure) {
    if (!(failure instanceof ApiError)) throw failure;
    error.textContent = failure.kind === "network" ? t("signInOffline") : describe(failure.body) || t("signInFailed");
    error.hidden = false;
    $("signin-password").focus();
  } finally {
    button.disabled = false;
  }
}

async function signOut() {
  const pending = pendingCount(await outbox.items());
  const auth = state.auth;
  const user = auth.username;
  stopStream();
  // The server revokes the token; without signal it stays valid until it expires unused.
  if (navigator.onLine !== false) {
    request(config.api.logout, { method: "POST", token: auth.token, timeoutMs: 5000 }).catch(() => undefined);
  }
  await store.deleteValue("auth");
  await store.deleteValue(`cells:${user}`);
  await store.deleteValue(`lists:${user}`);
  await store.deleteValue(`me:${user}`);
  state.cells = null;
  state.server = { reports: [], tasks: [], open: [], at: null };
  $("signin-username").value = user;
  showSignIn(pending ? t("pendingOnSignOut", { count: pending }) : "");
}

/** The server no longer takes the token: sign in again. The outbox stays as it is, and is sent after. */
async function authLost(error) {
  if (!state.auth) return; // another request found out first
  const user = state.auth.username;
  const pending = pendingCount(await outbox.items());
  stopStream();
  await store.deleteValue("auth");
  $("signin-username").value = user;
  const notice = signInNotice(authLossReason(error), pending).map(([key, params]) => t(key, params));
  showSignIn(notice.join(" "));
}

// --- live events ------------------------------------------------------------------------------

function startStream() {
  stopStream();
  if (!state.auth) return;
  state.stream = createEventStream({
    url: `${config.events}?token=${encodeURIComponent(state.auth.token)}`,
    storageKey: `gridgov:phone:events:${state.auth.username}`,
    onEvent: () => scheduleRefresh(),
    onStatus: (status) => showLive(status),
  });
  state.stream.start();
}

function stopStream() {
  if (state.stream) state.stream.stop();
  state.stream = null;
}

// --- what the server holds --------------------------------------------------------------------

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => refreshServer(), 400);
}

function inMyGrid(items) {
  const codes = cellCodes(state.cells);
  return codes.size ? items.filter((item) => codes.has(item.area_code)) : items;
}

async function refreshServer() {
  const auth = state.auth;
  if (!auth || navigator.onLine === false) return;
  try {
    const cases = config.api.cases;
    const [reports, work, open] = await Promise.all([
      list(`${config.api.reports}?mine=1&page_size=50`, auth.token, 50),
      request(config.api.work, { token: auth.token }).then(({ data }) => data),
      list(`${cases}?${states(config.lifecycle.in_hand)}&page_size=100`, auth.token, 100),
    ]);
    if (state.auth !== auth) return;
    state.server = { reports, tasks: work, open: inMyGrid(open), at: new Date().toISOString() };
    notifyUrgent(work, auth);
    await store.setValue(`lists:${auth.username}`, state.server);
    await renderAll();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.kind === "auth") authLost(error);
  }
}

/** The query string for cases in any of `names` (state sets come from the server: disputes/lifecycle.py). */
function states(names) {
  return names.map((name) => `state=${encodeURIComponent(name)}`).join("&");
}

// --- 待办: telling the user ----------------------------------------------------------------------

/** A browser notification for each matter that has newly become urgent (once per case and level). */
function notifyUrgent(work, auth) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const key = `gridgov:phone:notified:${auth.username}`;
  let told = {};
  try {
    told = JSON.parse(localStorage.getItem(key) || "{}");
  } catch {
    told = {};
  }
  const now = {};
  work.forEach(({ case: item, urgency }) => {
    if (urgency !== "breached" && urgency !== "warning") return;
    const mark = `${item.id}:${urgency}`;
    now[mark] = true;
    if (told[mark]) return;
    const title = t(`notify.${urgency}`, { number: item.number });
    const options = { body: [item.category && item.category.name, item.description].filter(Boolean).join(" · "), tag: mark };
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.ready.then((registration) => registration.showNotification(title, options)).catch(() => undefined);
    } else {
      try {
        new Notification(title, options);
      } catch {
        // Some phones allow notifications only through the service worker.
      }
    }
  });
  localStorage.setItem(key, JSON.stringify(now));
}

function showNotifyState() {
  const button = $("notify-enable");
  const status = $("notify-status");
  if (!("Notification" in window)) {
    button.hidden = true;
    status.textContent = t("notify.unsupported");
    return;
  }
  button.hidden = Notification.permission !== "default";
  status.textContent = Notification.permission === "granted" ? t("notify.on") : Notification.permission === "denied" ? t("notify.denied") : "";
}

async function enableNotifications() {
  if (!("Notification" in window)) return;
  await Notification.requestPermission();
  showNotifyState();
  if (Notification.permission === "granted") scheduleRefresh();
}

// --- 我的 -------------------------------------------------------------------------------------

function renderMe(me) {
  const cells = $("me-cells");
  cells.replaceChildren();
  (me.cells || []).forEach((cell) => {
    const item = document.createElement("li");
    item.textContent = `${cell.name} (${cell.code})`;
    cells.append(item);
  });
  if (!(me.cells || []).length) {
    const item = document.createElement("li");
    item.textContent = t("noCells");
    cells.append(item);
  }
  const units = $("me-units");
  units.replaceChildren();
  (me.units || []).forEach((unit) => {
    const item = document.createElement("li");
    item.textContent = `${unit.name} · ${unit.role_display}`;
    units.append(item);
  });
  $("me-figures-title").textContent = t("figuresOf", { month: me.month });
  const figures = $("me-figures");
  figures.replaceChildren();
  Object.keys(strings.figures || {}).forEach((key) => {
    const term = document.createElement("dt");
    term.textContent = t(`figures.${key}`);
    const value = document.createElement("dd");
    value.textContent = formatNumber((me.figures || {})[key] || 0);
    value.dataset.figure = key;
    figures.append(term, value);
  });
}

async function refreshMe() {
  const auth = state.auth;
  if (!auth) return;
  showNotifyState();
  const cached = await store.getValue(`me:${auth.username}`);
  if (cached) renderMe(cached);
  if (navigator.onLine === false) {
    $("me-status").textContent = t("meOffline");
    return;
  }
  try {
    const { data } = await request(config.api.me, { token: auth.token });
    if (state.auth !== auth) return;
    await store.setValue(`me:${auth.username}`, data);
    renderMe(data);
    $("me-status").textContent = "";
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.kind === "auth") return authLost(error);
    $("me-status").textContent = t("meOffline");
  }
}

async function verify(item, passed, note) {
  if (navigator.onLine === false) return t("needsSignal");
  try {
    await request(config.verify.url.replace("{id}", item.id), {
      method: "POST",
      token: state.auth.token,
      json: { passed, note, version: item.version },
    });
    scheduleRefresh();
    return "";
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.kind === "auth") authLost(error);
    if (error.kind === "network") return t("needsSignal");
    scheduleRefresh();
    return error.summary;
  }
}

async function renderAll() {
  if (!state.auth) return;
  const items = await outbox.items();
  const server = new Map(state.server.reports.map((report) => [report.id, report]));
  const pending = renderOutbox(items, server, outbox.progress, {
    correct: async (item) => {
      form.load(item, await store.photosOf(item.id));
      show("report");
    },
    discard: async (item) => {
      if (window.confirm(t("confirmDiscard"))) await outbox.discard(item.id);
    },
  });
  const openCase = (id) => sheet.open(id);
  renderServerReports(state.server.reports, new Set(items.map((item) => item.id)), openCase);
  renderTasks(state.server.tasks, state.server.open, verify, openCase);
  $("me-queue").textContent = String(pending);
  $("me-synced").textContent = state.server.at ? formatTime(state.server.at) : "—";
  $("reports-updated").textContent = state.server.at ? t("updated", { time: formatTime(state.server.at) }) : "";
  const count = $("pending-count");
  count.textContent = pending ? t("pending", { count: pending }) : "";
  count.hidden = !pending;
  const tabCount = $("queue-count");
  tabCount.textContent = pending ? String(pending) : "";
  tabCount.hidden = !pending;
  // A report the server has just confirmed: its case is now in the server's lists.
  const newlySent = items.filter((item) => item.state === SENT && !state.sentSeen.has(item.id));
  newlySent.forEach((item) => state.sentSeen.add(item.id));
  if (newlySent.length) {
    const last = newlySent[newlySent.length - 1];
    const caseRef = last.receipt && last.receipt.case;
    toast(caseRef ? `${t("state.sent")} · ${t("receipt", { number: caseRef.number, code: caseRef.verification_code })}` : t("state.sent"));
    scheduleRefresh();
  }
}

// --- starting ---------------------------------------------------------------------------------

async function loadReference(auth) {
  const tree = await cachedTree();
  if (tree) await form.setTree(tree);
  state.cells = await cachedCells(auth.username);
  grid.setCells(state.cells, false);
  if (navigator.onLine === false) return;
  try {
    await form.setTree(await refreshTree(auth.token));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.kind === "auth") return authLost(error);
  }
  try {
    const cells = await refreshCells(auth);
    if (cells) state.cells = cells;
    grid.setCells(state.cells, !cells && !state.cells);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    grid.setCells(state.cells, !state.cells);
  }
  scheduleRefresh();
}

async function startApp(auth) {
  state.auth = auth;
  $("signin").hidden = true;
  $("main").hidden = false;
  $("tabs").hidden = false;
  $("header-status").hidden = false;
  $("signed-in-as").textContent = t("signedInAs", { user: auth.username });
  placeLanguageSwitch($("me-language"));
  const cached = await store.getValue(`lists:${auth.username}`);
  if (cached) state.server = cached;
  (await outbox.items()).forEach((item) => item.state === SENT && state.sentSeen.add(item.id));
  state.view = null;
  show(window.location.hash.slice(1));
  await renderAll();
  outbox.start();
  startStream();
  loadReference(auth);
}

/** Ask the browser not to clear the app's storage under pressure: it holds reports not yet sent. */
function keepStorage() {
  if (navigator.storage && typeof navigator.storage.persist === "function") {
    navigator.storage.persist().catch(() => undefined);
  }
}

function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register(config.serviceWorker, { scope: config.scope }).catch((error) => {
    console.warn("service worker", error);
  });
}

async function boot() {
  form = new ReportForm({
    auth: () => state.auth,
    outbox,
    cells: () => state.cells,
    saved: () => {
      show("queue");
      toast(t("saved"));
    },
  });
  grid = new GridView();
  sheet = new CaseSheet({ auth: () => state.auth, onAuthLost: (error) => authLost(error), showTasks: () => show("tasks") });
  $("notify-enable").addEventListener("click", enableNotifications);
  $("me-version").textContent = config.version || "";
  outbox.addEventListener("change", () => renderAll());
  outbox.addEventListener("progress", (event) => showProgress(event.detail));
  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("send-now").addEventListener("click", () => outbox.pump(true));
  document.querySelectorAll("#tabs [data-view]").forEach((tab) => {
    tab.addEventListener("click", () => show(tab.dataset.view));
  });
  window.addEventListener("hashchange", () => state.auth && show(window.location.hash.slice(1)));
  window.addEventListener("online", () => {
    showNetwork();
    outbox.pump(true);
    refreshServer();
  });
  window.addEventListener("offline", showNetwork);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.auth) {
      outbox.pump();
      scheduleRefresh();
    }
  });
  setInterval(() => state.auth && state.view === "queue" && renderAll(), 30000); // "next try at" stays true
  showNetwork();
  registerServiceWorker();
  keepStorage();

  const auth = await store.getValue("auth");
  if (auth && auth.token) await startApp(auth);
  else showSignIn("");
  document.getElementById("phone-app").dataset.ready = "true";
}

boot();
