/* gridgov event stream client: plain ES2017, no dependencies.
 *
 *   var stream = GridgovEvents({onEvent: function (event) {...}, onStatus: function (status, since) {...}});
 *   stream.start(); ... stream.stop();
 *
 * Speaks the protocol of realtime/consumers.py over /ws/events/?after=<seq>:
 * - resumes from the last position applied (kept in localStorage, so a reload resumes too); with none
 *   stored it connects without `after` (stream from now, no catch-up) and takes `hello.last`;
 * - drops duplicates with a bounded Set of recent positions (a reconnect replays events above the
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
(function () {
  "use strict";

  var NOT_ALLOWED = [4401, 4403];
  var RECENT_LIMIT = 4096;

  window.GridgovEvents = function (options) {
    options = options || {};
    var url = options.url || "/ws/events/";
    var onEvent = options.onEvent || function () {};
    var onStatus = options.onStatus || function () {};
    var heartbeatMs = (options.heartbeatSeconds || 30) * 1000; // dead after 2 x this: 60 s by default
    var baseDelay = options.baseDelayMs || 1000;
    var maxDelay = options.maxDelayMs || 30000;
    var storageKey = options.storageKey || "gridgov:events:last";

    var floor = load(); // null: nothing applied yet
    var recent = new Set(); // positions above the floor already applied
    var seenAtLastPing = null; // highest position seen when the previous server ping arrived
    var socket = null;
    var attempt = 0;
    var running = false;
    var retryTimer = null;
    var deadTimer = null;
    var status = null;
    var since = new Date();

    function load() {
      try {
        var value = parseInt(window.localStorage.getItem(storageKey), 10);
        return isNaN(value) || value < 0 ? null : value;
      } catch (e) {
        return null; // storage disabled
      }
    }

    function save() {
      try {
        window.localStorage.setItem(storageKey, String(floor));
      } catch (e) {
        /* storage full or disabled: a reload then starts from now */
      }
    }

    function report(next, when) {
      if (next === status) return;
      status = next;
      if (when) since = when;
      onStatus(status, since);
    }

    function highestSeen() {
      var highest = floor || 0;
      recent.forEach(function (seq) { if (seq > highest) highest = seq; });
      return highest;
    }

    function raiseFloor(to) {
      if (to === null || to === undefined) return;
      if (floor === null || to > floor) floor = to;
      while (recent.has(floor + 1)) floor += 1;
      recent.forEach(function (seq) { if (seq <= floor) recent.delete(seq); });
      save();
    }

    function address() {
      var base = /^wss?:/.test(url) ? url
        : (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + url;
      return floor === null ? base : base + (base.indexOf("?") < 0 ? "?" : "&") + "after=" + floor;
    }

    function armDeadTimer() {
      clearTimeout(deadTimer);
      deadTimer = setTimeout(function () {
        // No frame for two heartbeats: the socket is dead even if the browser has not noticed.
        if (socket) drop(socket, null);
      }, 2 * heartbeatMs);
    }

    function connect() {
      retryTimer = null;
      if (!running) return;
      report("connecting");
      var ws;
      try {
        ws = new WebSocket(address());
      } catch (e) {
        scheduleRetry();
        return;
      }
      socket = ws;
      armDeadTimer();
      ws.onmessage = function (message) {
        if (ws !== socket) return;
        armDeadTimer();
        var frame;
        try {
          frame = JSON.parse(message.data);
        } catch (e) {
          return;
        }
        handle(ws, frame || {});
      };
      ws.onclose = function (closed) {
        if (ws === socket) drop(ws, closed.code);
      };
      ws.onerror = function () { /* a close follows */ };
    }

    function handle(ws, frame) {
      if (frame.type === "event" && frame.event) {
        var seq = frame.event.seq;
        if (typeof seq !== "number" || (floor !== null && seq <= floor) || recent.has(seq)) return;
        recent.add(seq);
        // Bounded memory: past the limit, the oldest position kept becomes the floor.
        raiseFloor(recent.size > RECENT_LIMIT ? Math.min.apply(null, Array.from(recent)) : floor);
        onEvent(frame.event);
      } else if (frame.type === "hello") {
        attempt = 0;
        seenAtLastPing = null;
        raiseFloor(frame.last);
        report("live", new Date());
      } else if (frame.type === "ping") {
        if (seenAtLastPing !== null) raiseFloor(seenAtLastPing);
        seenAtLastPing = highestSeen();
        send(ws, {type: "pong"});
      }
      // "pong" (answer to a ping of ours) and "error" need nothing.
    }

    function send(ws, frame) {
      try {
        ws.send(JSON.stringify(frame));
      } catch (e) {
        /* closing: the close handler reconnects */
      }
    }

    function drop(ws, code) {
      clearTimeout(deadTimer);
      socket = null;
      ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch (e) {
        /* already closed */
      }
      if (!running) return;
      var lostAt = status === "live" ? new Date() : null;
      if (NOT_ALLOWED.indexOf(code) >= 0) {
        running = false;
        report("offline", lostAt);
        return;
      }
      report("offline", lostAt);
      scheduleRetry();
    }

    function scheduleRetry() {
      var cap = Math.min(maxDelay, baseDelay * Math.pow(2, attempt));
      attempt += 1;
      retryTimer = setTimeout(connect, Math.random() * cap); // full jitter
    }

    function start() {
      if (running) return;
      running = true;
      attempt = 0;
      since = new Date();
      connect();
    }

    function stop() {
      running = false;
      clearTimeout(retryTimer);
      retryTimer = null;
      if (socket) drop(socket, 1000);
      report("offline", new Date());
    }

    return {start: start, stop: stop};
  };
})();
