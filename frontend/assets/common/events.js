/* The live event stream's client, shared by every face (home page, phone, mediator map, wall).
 *
 *   const stream = createEventStream({onEvent(event) {...}, onStatus(status, since) {...}});
 *   stream.start(); ... stream.stop();
 *
 * Speaks the protocol of realtime/consumers.py over /ws/events/?after=<seq>:
 * - resumes from the last position applied (kept in localStorage, so a reload resumes too); with none
 *   stored it connects without `after` (stream from now, no catch-up) and takes `hello.last`;
 * - drops duplicates with a bounded set of recent positions (a reconnect replays events above the
 *   resume point, and positions may arrive out of order);
 * - answers the server's ping with a pong; with no frame for 2 x heartbeat it drops the socket as dead;
 * - reconnects with exponential backoff and full jitter (1 s doubling to 30 s, reset by a hello);
 * - gives up on close codes 4401/4403 (not allowed) and reports "offline".
 *
 * The resume position is a floor, never just the highest position seen: every event at or below it has
 * been applied. It starts at hello.last, moves up through contiguous positions, and at each server ping
 * rises to the highest position seen before the previous ping (the server re-reads the stream before
 * every ping, so anything at or below that has been sent by then) - which keeps it moving for users who
 * only see some regions' events, whose positions have gaps.
 */

export const NOT_ALLOWED = [4401, 4403];
const RECENT_LIMIT = 4096;

/** The resume position and the duplicate filter: no sockets, no storage, no timers. */
export class StreamPosition {
  constructor(floor = null, limit = RECENT_LIMIT) {
    this.floor = floor; // null: nothing applied yet
    this.limit = limit;
    this.recent = new Set(); // positions above the floor already applied
    this.seenAtLastPing = null; // highest position seen when the previous server ping arrived
  }

  /** An event's position: true when it is new (apply it), false for a duplicate or a malformed one. */
  accept(seq) {
    if (typeof seq !== "number" || (this.floor !== null && seq <= this.floor) || this.recent.has(seq)) return false;
    this.recent.add(seq);
    // Bounded memory: past the limit, the oldest position kept becomes the floor.
    this.raise(this.recent.size > this.limit ? Math.min(...this.recent) : this.floor);
    return true;
  }

  /** The server's hello: it has sent everything up to `last` that this client may see. */
  hello(last) {
    this.seenAtLastPing = null;
    this.raise(last);
  }

  /** A server ping: everything seen before the previous ping is complete up to its highest position. */
  ping() {
    if (this.seenAtLastPing !== null) this.raise(this.seenAtLastPing);
    this.seenAtLastPing = this.highestSeen();
  }

  highestSeen() {
    let highest = this.floor || 0;
    for (const seq of this.recent) if (seq > highest) highest = seq;
    return highest;
  }

  raise(to) {
    if (to === null || to === undefined) return;
    if (this.floor === null || to > this.floor) this.floor = to;
    while (this.recent.has(this.floor + 1)) this.floor += 1;
    for (const seq of this.recent) if (seq <= this.floor) this.recent.delete(seq);
  }
}

/** The longest wait before reconnection attempt `attempt` (0 first): doubling, capped. */
export function retryCap(attempt, baseMs, maxMs) {
  return Math.min(maxMs, baseMs * 2 ** attempt);
}

/** The socket's address: `url` made absolute for the page, with `after=<floor>` once there is one. */
export function streamAddress(url, floor, location = globalThis.location) {
  const base = /^wss?:/.test(url) ? url : `${location.protocol === "https:" ? "wss://" : "ws://"}${location.host}${url}`;
  return floor === null ? base : `${base}${base.includes("?") ? "&" : "?"}after=${floor}`;
}

function loadFloor(storageKey) {
  try {
    const value = parseInt(globalThis.localStorage.getItem(storageKey), 10);
    return isNaN(value) || value < 0 ? null : value;
  } catch {
    return null; // storage disabled
  }
}

function saveFloor(storageKey, floor) {
  try {
    globalThis.localStorage.setItem(storageKey, String(floor));
  } catch {
    /* storage full or disabled: a reload then starts from now */
  }
}

export function createEventStream(options = {}) {
  const url = options.url || "/ws/events/";
  const onEvent = options.onEvent || (() => {});
  const onStatus = options.onStatus || (() => {});
  const heartbeatMs = (options.heartbeatSeconds || 30) * 1000; // dead after 2 x this: 60 s by default
  const baseDelay = options.baseDelayMs || 1000;
  const maxDelay = options.maxDelayMs || 30000;
  const storageKey = options.storageKey || "gridgov:events:last";

  const position = new StreamPosition(loadFloor(storageKey));
  let socket = null;
  let attempt = 0;
  let running = false;
  let retryTimer = null;
  let deadTimer = null;
  let status = null;
  let since = new Date();

  function report(next, when) {
    if (next === status) return;
    status = next;
    if (when) since = when;
    onStatus(status, since);
  }

  /** Run `change` on the position and store the floor if it moved. */
  function moving(change) {
    const before = position.floor;
    const result = change();
    if (position.floor !== before) saveFloor(storageKey, position.floor);
    return result;
  }

  function armDeadTimer() {
    clearTimeout(deadTimer);
    deadTimer = setTimeout(() => {
      // No frame for two heartbeats: the socket is dead even if the browser has not noticed.
      if (socket) drop(socket, null);
    }, 2 * heartbeatMs);
  }

  function connect() {
    retryTimer = null;
    if (!running) return;
    report("connecting");
    let ws;
    try {
      ws = new globalThis.WebSocket(streamAddress(url, position.floor));
    } catch {
      scheduleRetry();
      return;
    }
    socket = ws;
    armDeadTimer();
    ws.onmessage = (message) => {
      if (ws !== socket) return;
      armDeadTimer();
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      handle(ws, frame || {});
    };
    ws.onclose = (closed) => {
      if (ws === socket) drop(ws, closed.code);
    };
    ws.onerror = () => {
      /* a close follows */
    };
  }

  function handle(ws, frame) {
    if (frame.type === "event" && frame.event) {
      if (moving(() => position.accept(frame.event.seq))) onEvent(frame.event);
    } else if (frame.type === "hello") {
      attempt = 0;
      moving(() => position.hello(frame.last));
      report("live", new Date());
    } else if (frame.type === "ping") {
      moving(() => position.ping());
      send(ws, { type: "pong" });
    }
    // "pong" (answer to a ping of ours) and "error" need nothing.
  }

  function send(ws, frame) {
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      /* closing: the close handler reconnects */
    }
  }

  function drop(ws, code) {
    clearTimeout(deadTimer);
    socket = null;
    ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close();
    } catch {
      /* already closed */
    }
    if (!running) return;
    const lostAt = status === "live" ? new Date() : null;
    if (NOT_ALLOWED.includes(code)) running = false;
    report("offline", lostAt);
    if (running) scheduleRetry();
  }

  function scheduleRetry() {
    const cap = retryCap(attempt, baseDelay, maxDelay);
    attempt += 1;
    retryTimer = setTimeout(connect, Math.random() * cap); // full jitter
  }

  return {
    start() {
      if (running) return;
      running = true;
      attempt = 0;
      since = new Date();
      connect();
    },
    stop() {
      running = false;
      clearTimeout(retryTimer);
      retryTimer = null;
      if (socket) drop(socket, 1000);
      report("offline", new Date());
    },
    /** The resume position: every event at or below it has been applied (null: none yet). */
    get position() {
      return position.floor;
    },
  };
}
