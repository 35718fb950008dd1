/* The event stream's client (assets/common/events.js): resume by position, drop duplicates,
 * reconnect with backoff, give up when not allowed. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";

import { StreamPosition, createEventStream, retryCap, streamAddress } from "../assets/common/events.js";
import { fakeClock, fakeStorage, fakeWebSocketClass, withGlobals } from "./helpers.mjs";

describe("StreamPosition", () => {
  test("applies each position once, and nothing at or below the floor", () => {
    const position = new StreamPosition(10);
    assert.equal(position.accept(10), false);
    assert.equal(position.accept(9), false);
    assert.equal(position.accept(11), true);
    assert.equal(position.accept(11), false);
    assert.equal(position.floor, 11);
  });

  test("refuses positions that are not numbers", () => {
    const position = new StreamPosition(3);
    assert.equal(position.accept("4"), false);
    assert.equal(position.accept(undefined), false);
    assert.equal(position.floor, 3);
  });

  test("moves the floor through contiguous positions only, whatever their order", () => {
    const position = new StreamPosition(4);
    assert.equal(position.accept(7), true);
    assert.equal(position.accept(6), true);
    assert.equal(position.floor, 4); // 5 is still missing
    assert.equal(position.accept(7), false); // a duplicate above the floor
    assert.equal(position.accept(5), true);
    assert.equal(position.floor, 7);
  });

  test("before any hello there is no floor, and a hello sets it", () => {
    const position = new StreamPosition(null);
    position.hello(20);
    assert.equal(position.floor, 20);
    assert.equal(position.accept(20), false);
    assert.equal(position.accept(21), true);
    assert.equal(position.floor, 21);
  });

  test("a hello never lowers the floor", () => {
    const position = new StreamPosition(30);
    position.hello(25);
    assert.equal(position.floor, 30);
  });

  test("over gaps, each ping raises the floor to what was seen before the previous ping", () => {
    const position = new StreamPosition(null);
    position.hello(10);
    position.accept(12);
    position.accept(15); // 11, 13 and 14 belong to regions this user does not see
    position.ping();
    assert.equal(position.floor, 10); // the first ping only notes 15
    position.accept(16);
    position.ping();
    assert.equal(position.floor, 16); // 15 is complete, and 16 follows it
    assert.equal(position.accept(12), false);
    assert.equal(position.accept(14), false);
  });

  test("a hello forgets what the previous ping noted", () => {
    const position = new StreamPosition(null);
    position.hello(10);
    position.accept(15);
    position.ping(); // notes 15
    position.hello(10); // a new connection
    position.ping(); // notes again; does not raise to 15 yet
    assert.equal(position.floor, 10);
  });

  test("keeps a bounded set: past the limit the oldest position kept becomes the floor", () => {
    const position = new StreamPosition(0, 3);
    for (const seq of [2, 4, 6]) position.accept(seq);
    assert.equal(position.floor, 0);
    position.accept(8);
    assert.equal(position.floor, 2);
    assert.deepEqual([...position.recent].sort((a, b) => a - b), [4, 6, 8]);
  });
});

test("retryCap doubles from the base and stops at the maximum", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((attempt) => retryCap(attempt, 1000, 30000)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000],
  );
});

describe("streamAddress", () => {
  const page = { protocol: "http:", host: "county.example:8000" };

  test("a path becomes a websocket address on the page's host", () => {
    assert.equal(streamAddress("/ws/events/", null, page), "ws://county.example:8000/ws/events/");
    assert.equal(streamAddress("/ws/events/", null, { ...page, protocol: "https:" }), "wss://county.example:8000/ws/events/");
  });

  test("resumes after the floor, also behind a query of its own", () => {
    assert.equal(streamAddress("/ws/events/", 0, page), "ws://county.example:8000/ws/events/?after=0");
    assert.equal(streamAddress("/ws/events/?token=abc", 42, page), "ws://county.example:8000/ws/events/?token=abc&after=42");
    assert.equal(streamAddress("wss://other.example/ws/events/", 7, page), "wss://other.example/ws/events/?after=7");
  });
});

describe("createEventStream", () => {
  let clock;
  let restore;
  let sockets;
  let storage;
  let events;
  let statuses;

  function open(options = {}) {
    const stream = createEventStream({
      storageKey: "key",
      onEvent: (event) => events.push(event.seq),
      onStatus: (status) => statuses.push(status),
      ...options,
    });
    stream.start();
    return stream;
  }

  const event = (seq) => ({ type: "event", event: { seq, kind: "report_received" } });
  const last = () => sockets[sockets.length - 1];

  beforeEach(() => {
    clock = fakeClock();
    const fake = fakeWebSocketClass();
    sockets = fake.sockets;
    storage = fakeStorage();
    restore = withGlobals({
      WebSocket: fake.FakeSocket,
      localStorage: storage,
      location: { protocol: "http:", host: "county.example" },
    });
    mock.method(Math, "random", () => 0.5);
    events = [];
    statuses = [];
  });

  afterEach(() => {
    mock.restoreAll();
    restore();
    clock.restore();
  });

  test("with no stored position it streams from now and takes the hello's position", () => {
    open();
    assert.equal(last().url, "ws://county.example/ws/events/");
    assert.deepEqual(statuses, ["connecting"]);
    last().frame({ type: "hello", last: 100 });
    assert.deepEqual(statuses, ["connecting", "live"]);
    assert.equal(storage.getItem("key"), "100");
    last().frame(event(100));
    last().frame(event(101));
    assert.deepEqual(events, [101]);
    assert.equal(storage.getItem("key"), "101");
  });

  test("resumes after the stored position and drops what it has applied", () => {
    storage.setItem("key", "41");
    const stream = open();
    assert.equal(last().url, "ws://county.example/ws/events/?after=41");
    for (const seq of [40, 41, 42, 42, 44, 43, 44]) last().frame(event(seq));
    last().frame({ type: "hello", last: 44 });
    assert.deepEqual(events, [42, 44, 43]);
    assert.equal(stream.position, 44);
    assert.equal(storage.getItem("key"), "44");
  });

  test("ignores frames that are not JSON or not events", () => {
    storage.setItem("key", "5");
    open();
    last().frame("not json");
    last().frame({ type: "event" });
    last().frame({ type: "error", message: "x" });
    last().frame(event(6));
    assert.deepEqual(events, [6]);
  });

  test("answers the server's ping with a pong", () => {
    open();
    last().frame({ type: "hello", last: 1 });
    last().frame({ type: "ping" });
    assert.deepEqual(last().sent, [{ type: "pong" }]);
  });

  test("reconnects after a drop with doubling, jittered delays, from where it was", () => {
    storage.setItem("key", "10");
    open({ baseDelayMs: 1000, maxDelayMs: 30000 });
    last().frame({ type: "hello", last: 10 });
    last().frame(event(11));
    last().end(1006);
    assert.equal(statuses.at(-1), "offline");
    assert.deepEqual(clock.pending().slice(-1), [500]); // random 0.5 of the 1 s cap
    clock.advance(500);
    assert.equal(sockets.length, 2);
    assert.equal(last().url, "ws://county.example/ws/events/?after=11");
    assert.equal(statuses.at(-1), "connecting");
    last().end(1006); // refused again before any hello: the cap doubles
    assert.ok(clock.pending().includes(1000), clock.pending());
    clock.advance(999);
    assert.equal(sockets.length, 2);
    clock.advance(1);
    assert.equal(sockets.length, 3);
    // A replay of what was applied before the drop is dropped; new events go through.
    last().frame(event(11));
    last().frame(event(12));
    last().frame({ type: "hello", last: 12 });
    assert.deepEqual(events, [11, 12]);
    assert.equal(statuses.at(-1), "live");
    last().end(1006); // a hello reset the backoff
    assert.ok(clock.pending().includes(500), clock.pending());
  });

  test("the backoff stops growing at the maximum delay", () => {
    open({ baseDelayMs: 1000, maxDelayMs: 4000 });
    const delays = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      last().end(1006);
      const retry = Math.max(...clock.pending().filter((delay) => delay <= 4000));
      delays.push(retry);
      clock.advance(retry);
    }
    assert.deepEqual(delays, [500, 1000, 2000, 2000, 2000]);
  });

  test("gives up when the server says it is not allowed", () => {
    open();
    last().end(4403);
    assert.equal(statuses.at(-1), "offline");
    clock.advance(10 * 60 * 1000);
    assert.equal(sockets.length, 1);
  });

  test("a socket silent for two heartbeats is dropped and replaced", () => {
    open({ heartbeatSeconds: 10 });
    last().frame({ type: "hello", last: 3 });
    clock.advance(19_000);
    last().frame({ type: "ping" }); // a frame re-arms the watch
    clock.advance(19_000);
    assert.equal(sockets.length, 1);
    assert.equal(sockets[0].closed, false);
    clock.advance(1_000);
    assert.equal(sockets[0].closed, true);
    assert.equal(statuses.at(-1), "offline");
    clock.advance(1_000);
    assert.equal(sockets.length, 2);
    assert.equal(last().url, "ws://county.example/ws/events/?after=3");
  });

  test("stop closes the socket and no reconnection follows", () => {
    const stream = open();
    last().frame({ type: "hello", last: 1 });
    stream.stop();
    assert.equal(sockets[0].closed, true);
    assert.equal(statuses.at(-1), "offline");
    clock.advance(10 * 60 * 1000);
    assert.equal(sockets.length, 1);
  });

  test("works without storage: it streams from now", () => {
    restore();
    const fake = fakeWebSocketClass();
    sockets = fake.sockets;
    const broken = {
      getItem() {
        throw new Error("disabled");
      },
      setItem() {
        throw new Error("disabled");
      },
    };
    restore = withGlobals({ WebSocket: fake.FakeSocket, localStorage: broken, location: { protocol: "http:", host: "h" } });
    open();
    assert.equal(last().url, "ws://h/ws/events/");
    last().frame({ type: "hello", last: 9 });
    last().frame(event(10));
    assert.deepEqual(events, [10]);
  });
});
