/* The governance centre's wall (大屏): runs unattended for weeks.
 *
 * - Figures: GET /api/wall/ every `refreshSeconds`, and shortly after events (refresh.js).
 * - Events: the shared stream client (common/events.js) over /ws/events/, resuming by stream
 *   position (kept in localStorage), so a wall that was away receives every event it missed.
 *   On a new screen the position starts a few events back (the view's `startAfter`).
 * - While the stream is down the header says since when; each figures request then doubles as a
 *   probe, and when the server answers again the stream reconnects at once instead of waiting
 *   for its backoff.
 * - If the API refuses the credential (a revoked display token, an expired session), the page
 *   reloads (at most every five minutes), and the server shows why: the refused page or sign-in.
 * - The map pulses where reports, escalations, breaches and red alerts happen: live events and those
 *   missed during an outage (if recent), not the backlog a new page starts with.
 * - Bounded: fixed rows reused, map points kept by id, pulses removed, one timer per purpose.
 */
import "./style.css";
import { ApiError } from "../common/api.js";
import { createEventStream } from "../common/events.js";
import { fill } from "../common/text.js";
import { createFeed } from "./feed.js";
import { makeFormats } from "./format.js";
import { createWallMap } from "./map.js";
import { createPanels } from "./panels.js";
import { createRefresher } from "./refresh.js";

const RECENT_MS = 2 * 60 * 1000; // events older than this (a catch-up) do not pulse on the map
const ALERT_RECENT_MS = 10 * 60 * 1000; // nor raise the red-alert banner
const ALERT_MS = 30 * 1000; // how long the banner stays after the last red alert
const NUDGE_MS = 10 * 1000; // at most one forced reconnect per this
const RELOAD_GUARD_MS = 5 * 60 * 1000;
const RELOAD_KEY = "gridgov:wall:reloaded-at";

function byId(id) {
  return document.getElementById(id);
}

function setText(node, value) {
  if (node.textContent !== value) node.textContent = value;
}

function boot() {
  const config = JSON.parse(byId("wall-config").textContent);
  const lang = document.documentElement.lang || "zh-hans";
  const text = config.text;
  const formats = makeFormats(lang, config.timeZone, text);
  let offset = 0; // the server's clock minus this one, in ms (from each figures answer)
  const now = () => new Date(Date.now() + offset);

  const app = byId("wall-app");
  const statusNode = byId("wall-status");
  const offlineNode = byId("wall-offline");
  const updatedNode = byId("wall-updated");
  const noticeNode = byId("wall-notice");
  const clockTime = byId("wall-clock-time");
  const clockDate = byId("wall-clock-date");
  const alertNode = byId("wall-alert");
  const mapCount = byId("map-count");

  const withDisplay = (href) => (config.display ? `${href}&display=${encodeURIComponent(config.display)}` : href);
  // A display's wall follows its links (the period switch, back up, an area's own wall) with its
  // token, which no link in the page holds.
  if (config.display) {
    document.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest('a[href^="/wall/"]');
      if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
      event.preventDefault();
      window.location.assign(withDisplay(link.getAttribute("href")));
    });
  }
  const openArea = config.down ? (code) => window.location.assign(withDisplay(config.down.replace("{code}", encodeURIComponent(code)))) : null;
  const panels = createPanels({ text, states: config.states, formats, down: config.down });
  const feed = createFeed({
    list: byId("wall-feed"),
    empty: byId("feed-empty"),
    kinds: config.kinds,
    states: config.states,
    text,
    formats,
    now,
  });

  let wallMap = null;
  let lastCases = null;
  let streamStatus = "connecting";
  let offlineSince = null; // when the stream was lost (null while live or before the first connection)
  let updatedAt = null; // when the figures shown were made (server time)
  let lastEventAt = 0;
  let lastNudge = 0;
  let beenLive = false; // before the first hello, events are the backlog of a new page: no pulses

  // --- status ---------------------------------------------------------------------------------

  function showStatus() {
    const moment = now();
    const state = streamStatus === "live" ? "live" : offlineSince ? "offline" : "connecting";
    statusNode.dataset.status = state;
    app.dataset.status = state;
    if (state === "live") setText(statusNode, text.live);
    else if (state === "offline") setText(statusNode, fill(text.offlineSince, { time: formats.moment(offlineSince, moment) }));
    else setText(statusNode, text.connecting);
    offlineNode.hidden = state !== "offline";
    if (state === "offline") {
      setText(
        offlineNode,
        fill(text.offlineBanner, {
          time: formats.moment(offlineSince, moment),
          duration: formats.duration(Date.now() - offlineSince.getTime()),
          updated: updatedAt ? formats.moment(updatedAt, moment) : "–",
        }),
      );
    }
    if (updatedAt) {
      setText(updatedNode, fill(text.updated, { time: formats.moment(updatedAt, moment) }));
      updatedNode.classList.toggle("is-stale", moment - updatedAt > config.refreshSeconds * 2500);
    }
  }

  // --- figures --------------------------------------------------------------------------------

  function onBoard(board, receivedAt) {
    const generated = Date.parse(board.generated_at);
    if (isFinite(generated)) {
      offset = generated - receivedAt;
      updatedAt = new Date(generated);
    }
    panels.render(board, now().getTime());
    // What the centre must act on outside the figures, e.g. next year's holidays not entered.
    const notices = (board.notices || []).join(" ");
    setText(noticeNode, notices);
    noticeNode.hidden = !notices;
    lastCases = board.cases || [];
    if (wallMap) setText(mapCount, fill(text.mapCount, { count: formats.count(wallMap.setCases(lastCases)) }));
    showStatus();
    // The server answers: if the stream is still down, reconnect now rather than after its backoff.
    const quiet = Date.now() - lastEventAt > 5000;
    if (streamStatus !== "live" && offlineSince && quiet && Date.now() - lastNudge > NUDGE_MS) {
      lastNudge = Date.now();
      stream.stop();
      stream.start();
    }
  }

  function onFailure(error) {
    showStatus();
    if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 403)) return;
    // Refused: let the server say why (the refused page, or sign-in), but never reload in a loop.
    try {
      const last = Number(window.sessionStorage.getItem(RELOAD_KEY)) || 0;
      if (Date.now() - last < RELOAD_GUARD_MS) return;
      window.sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
    } catch {
      return;
    }
    window.location.reload();
  }

  const refresher = createRefresher({
    url: config.api,
    display: config.display,
    lang,
    intervalMs: config.refreshSeconds * 1000,
    onBoard,
    onFailure,
  });

  // --- red alerts -----------------------------------------------------------------------------

  let alertTimer = null;
  let alertCount = 0;

  function redAlert(facts, warning) {
    alertCount += 1;
    let message = warning
      ? fill(text.warningAlert, {
          level: text.warningLevels[warning.level] || warning.level,
          kind: text.warningKinds[warning.kind] || warning.kind,
          place: warning.place || "",
        })
      : fill(text.redAlert, { number: facts.number || "", category: facts.category || "" });
    if (alertCount > 1) message += ` ${fill(text.moreAlerts, { count: alertCount - 1 })}`;
    setText(alertNode.firstElementChild, message);
    alertNode.hidden = false;
    app.classList.add("has-alert");
    clearTimeout(alertTimer);
    alertTimer = setTimeout(() => {
      alertNode.hidden = true;
      app.classList.remove("has-alert");
      alertCount = 0;
    }, ALERT_MS);
  }

  // --- events ---------------------------------------------------------------------------------

  const PULSES = {
    report_received: "report",
    red_alert: "alert",
    escalated: "event",
    deadline_breached: "event",
    warning_raised: "alert",
  };
  // An early warning of these levels raises the alert banner too (预警).
  const ALERTING_LEVELS = new Set(["orange", "red"]);

  function onEvent(event) {
    // A signed-in user's stream may hold more than this wall's region (a superuser's, all counties).
    if (!String(event.area_code || "").startsWith(config.region.prefix)) return;
    lastEventAt = Date.now();
    feed.add(event);
    const warning = event.payload && event.payload.warning;
    const facts = (event.payload && event.payload.case) || {};
    const age = now() - Date.parse(event.at);
    const point = (warning ? warning.point : facts.point) || [];
    if (wallMap && beenLive && PULSES[event.kind] && age < RECENT_MS && point.length) {
      wallMap.pulse(point[0], point[1], PULSES[event.kind], facts.number || (warning && warning.place));
    }
    if (event.kind === "red_alert" && age < ALERT_RECENT_MS) redAlert(facts);
    if (event.kind === "warning_raised" && warning && ALERTING_LEVELS.has(warning.level) && age < ALERT_RECENT_MS) {
      redAlert(facts, warning);
    }
    refresher.soon();
  }

  function onStatus(status, since) {
    streamStatus = status;
    if (status === "live") {
      offlineSince = null;
      beenLive = true;
    }
    else if (status === "offline" && !offlineSince) offlineSince = since || new Date();
    showStatus();
  }

  try {
    // A new screen starts a few events back; afterwards the stream keeps its position here.
    if (window.localStorage.getItem(config.storageKey) === null) {
      window.localStorage.setItem(config.storageKey, String(config.startAfter));
    }
  } catch {
    /* storage disabled: the stream starts from now */
  }
  const stream = createEventStream({
    url: config.events,
    storageKey: config.storageKey,
    heartbeatSeconds: config.heartbeatSeconds,
    maxDelayMs: 15000,
    onEvent,
    onStatus,
  });

  // --- clock ----------------------------------------------------------------------------------

  let day = "";
  function tick() {
    const moment = now();
    setText(clockTime, formats.time(moment));
    const today = formats.date(moment);
    if (today !== day) {
      day = today;
      setText(clockDate, today);
      feed.refresh();
    }
    showStatus();
    setTimeout(tick, 1000 - (moment.getTime() % 1000) + 20);
  }

  // --- map ------------------------------------------------------------------------------------

  window.addEventListener("map:init", (event) => {
    wallMap = createWallMap(event.detail.map, {
      boundariesUrl: config.boundaries,
      region: config.region,
      childLevel: config.levels.children,
      onArea: openArea,
      onFailure: () => {},
    });
    if (lastCases) setText(mapCount, fill(text.mapCount, { count: formats.count(wallMap.setCases(lastCases)) }));
  });
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => wallMap && wallMap.resized(), 200);
  });

  tick();
  refresher.now();
  stream.start();
}

boot();
