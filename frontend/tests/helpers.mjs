/* Stand-ins for what the browser gives the front end's modules: timers under the test's control,
 * localStorage, a WebSocket the test speaks for, and fetch answers. */

/** setTimeout/clearTimeout replaced by a clock that moves only when the test says. */
export function fakeClock(start = 1_700_000_000_000) {
  const saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, now: Date.now };
  let now = start;
  let nextId = 1;
  const timers = new Map(); // id -> {at, fn, delay}
  globalThis.setTimeout = (fn, delay = 0) => {
    const id = nextId++;
    timers.set(id, { at: now + Math.max(0, delay), fn, delay });
    return id;
  };
  globalThis.clearTimeout = (id) => {
    timers.delete(id);
  };
  Date.now = () => now;
  return {
    get now() {
      return now;
    },
    /** The delays of the timers waiting now, soonest first. */
    pending() {
      return [...timers.values()].sort((a, b) => a.at - b.at).map((timer) => timer.at - now);
    },
    /** Move time on by `ms`, running every timer that falls due, in order. */
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
    restore() {
      globalThis.setTimeout = saved.setTimeout;
      globalThis.clearTimeout = saved.clearTimeout;
      Date.now = saved.now;
    },
  };
}

export function fakeStorage(entries = {}) {
  const values = new Map(Object.entries(entries));
  return {
    getItem: (key) => (values.has(key) ? values.get(key) : null),
    setItem: (key, value) => values.set(key, String(value)),
    removeItem: (key) => values.delete(key),
  };
}

/** A WebSocket class whose instances the test drives as the server would. */
export function fakeWebSocketClass() {
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.closed = false;
      sockets.push(this);
    }
    send(data) {
      this.sent.push(JSON.parse(data));
    }
    close() {
      this.closed = true;
    }
    /** The server sends a frame. */
    frame(value) {
      if (this.onmessage) this.onmessage({ data: typeof value === "string" ? value : JSON.stringify(value) });
    }
    /** The connection ends with `code`. */
    end(code = 1006) {
      if (this.onclose) this.onclose({ code });
    }
  }
  return { FakeSocket, sockets };
}

/** Set globals for one test; returns the function that puts the old ones back. */
export function withGlobals(values) {
  const saved = {};
  for (const [name, value] of Object.entries(values)) {
    saved[name] = Object.getOwnPropertyDescriptor(globalThis, name);
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  return () => {
    for (const [name, descriptor] of Object.entries(saved)) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete globalThis[name];
    }
  };
}
