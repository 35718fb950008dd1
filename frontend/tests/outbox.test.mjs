/* The phone's outbox (assets/phone/outbox.js): its rules as plain functions, then the outbox
 * itself on an IndexedDB (fake-indexeddb) with a stand-in for the API. */
import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, mock, test } from "node:test";

import { ApiError } from "../assets/common/api.js";
import * as store from "../assets/phone/db.js";
import {
  Outbox,
  REFUSED,
  SENDING,
  SENT,
  WAITING,
  accepted,
  backoff,
  claim,
  failed,
  interrupted,
  isDue,
  isExpired,
  nextDue,
  photoFailed,
} from "../assets/phone/outbox.js";
import { withGlobals } from "./helpers.mjs";

const NOW = Date.parse("2025-03-01T08:00:00Z");
const DAY = 24 * 3600 * 1000;
const network = () => new ApiError("network", 0, { code: "network", message: "network error", fields: {} });
const serverTrouble = () => new ApiError("retry", 503, { code: "error", message: "Service Unavailable", fields: {} });
const signedOut = () => new ApiError("auth", 401, { code: "not_authenticated", message: "请登录", fields: {} });
const refusal = () =>
  new ApiError("refused", 400, { code: "invalid", message: "请更正", fields: { lon: ["该位置不在任何网格内"] } });

describe("backoff", () => {
  test("doubles from 2 s, with jitter between half and all of it", () => {
    assert.equal(backoff(1, () => 0), 1000);
    assert.equal(backoff(1, () => 1), 2000);
    assert.equal(backoff(2, () => 0), 2000);
    assert.equal(backoff(2, () => 1), 4000);
    assert.equal(backoff(4, () => 0.5), 12000);
  });

  test("stops at five minutes", () => {
    assert.equal(backoff(9, () => 1), 300000);
    assert.equal(backoff(50, () => 1), 300000);
    assert.equal(backoff(50, () => 0), 150000);
  });

  test("the first try counts as the first", () => {
    assert.equal(backoff(0, () => 1), backoff(1, () => 1));
  });
});

describe("the rules of a report", () => {
  const item = { id: "r1", state: WAITING, attempts: 0, nextAt: 0, createdAt: new Date(NOW).toISOString(), photos: [] };

  test("what is due: not sent or refused, and past its backoff unless forced", () => {
    assert.equal(isDue(item, NOW), true);
    assert.equal(isDue({ ...item, nextAt: NOW + 1 }, NOW), false);
    assert.equal(isDue({ ...item, nextAt: NOW + 1 }, NOW, true), true);
    assert.equal(isDue({ ...item, nextAt: NOW }, NOW), true);
    assert.equal(isDue({ ...item, state: SENDING }, NOW), true);
    assert.equal(isDue({ ...item, state: SENT }, NOW, true), false);
    assert.equal(isDue({ ...item, state: REFUSED }, NOW, true), false);
  });

  test("a report left sending by a closed app waits again; others are left alone", () => {
    assert.deepEqual(interrupted({ ...item, state: SENDING }), { ...item, state: WAITING });
    assert.equal(interrupted(item), undefined);
    assert.equal(interrupted({ ...item, state: SENT }), undefined);
  });

  test("claiming takes a waiting report to sending, never a settled one", () => {
    assert.equal(claim(item).state, SENDING);
    assert.equal(claim({ ...item, state: SENT }), undefined);
    assert.equal(claim({ ...item, state: REFUSED }), undefined);
  });

  test("accepted: sent, with the receipt; a 200 is a repeat the server already had", () => {
    const data = { case: { number: "HD-7", verification_code: "K9" }, duplicates: [{}, {}] };
    const first = accepted({ ...item, state: SENDING, problem: { kind: "network" } }, { status: 201, data }, NOW);
    assert.equal(first.state, SENT);
    assert.equal(first.replayed, false);
    assert.deepEqual(first.receipt, { case: data.case, duplicates: 2 });
    assert.equal(first.problem, null);
    assert.equal(first.sentAt, new Date(NOW).toISOString());
    assert.equal(accepted(item, { status: 200, data }, NOW).replayed, true);
    assert.equal(accepted(item, { status: 201, data: null }, NOW).receipt, null);
  });

  test("refused: kept with the server's message and fields, and the round goes on", () => {
    const { record, next } = failed({ ...item, state: SENDING }, refusal(), NOW);
    assert.equal(next, "refused");
    assert.equal(record.state, REFUSED);
    assert.deepEqual(record.error, { status: 400, message: "请更正 该位置不在任何网格内", fields: { lon: ["该位置不在任何网格内"] } });
    assert.equal(record.attempts, 0);
  });

  test("no answer or a server in trouble: waits, one more try counted, backoff from now", () => {
    for (const error of [network(), serverTrouble()]) {
      const { record, next } = failed({ ...item, state: SENDING, attempts: 2 }, error, NOW, () => 0);
      assert.equal(next, "later");
      assert.equal(record.state, WAITING);
      assert.equal(record.attempts, 3);
      assert.equal(record.nextAt, NOW + 4000);
      assert.equal(record.problem.kind, error.kind);
      assert.equal(record.problem.status, error.status);
    }
  });

  test("signed out: waits without counting a try, and the round stops", () => {
    const { record, next } = failed({ ...item, state: SENDING, attempts: 2, nextAt: 5 }, signedOut(), NOW);
    assert.equal(next, "auth");
    assert.equal(record.state, WAITING);
    assert.equal(record.attempts, 2);
    assert.equal(record.nextAt, 5);
    assert.equal(record.problem.kind, "auth");
  });

  test("a photo: refused for good, or tried again later; a 401 changes nothing on it", () => {
    const photo = { key: "r1/abc", state: WAITING, attempts: 1, nextAt: 0 };
    assert.deepEqual(photoFailed(photo, refusal(), NOW).changes.state, REFUSED);
    const later = photoFailed(photo, network(), NOW, () => 1);
    assert.equal(later.next, "later");
    assert.deepEqual([later.changes.attempts, later.changes.nextAt], [2, NOW + 4000]);
    assert.deepEqual(photoFailed(photo, signedOut(), NOW), { changes: null, next: "auth" });
  });

  test("a sent report is forgotten two weeks after, once its photos are settled", () => {
    const sent = { ...item, state: SENT, sentAt: new Date(NOW - 15 * DAY).toISOString() };
    assert.equal(isExpired(sent, NOW), true);
    assert.equal(isExpired({ ...sent, sentAt: new Date(NOW - 13 * DAY).toISOString() }, NOW), false);
    assert.equal(isExpired({ ...sent, photos: [{ state: WAITING }] }, NOW), false);
    assert.equal(isExpired({ ...sent, photos: [{ state: SENT }, { state: REFUSED }] }, NOW), true);
    assert.equal(isExpired({ ...sent, state: WAITING }, NOW), false);
    assert.equal(isExpired({ ...sent, state: REFUSED }, NOW), false); // the user still has to see why
  });

  test("the next round is due at the earliest backoff of what is still to send", () => {
    const items = [
      { state: WAITING, nextAt: NOW + 9000 },
      { state: REFUSED, nextAt: NOW + 1 },
      { state: SENT, photos: [{ state: WAITING, nextAt: NOW + 5000 }, { state: SENT, nextAt: NOW + 2 }] },
    ];
    assert.equal(nextDue(items), NOW + 5000);
    assert.equal(nextDue([{ state: SENT, photos: [{ state: REFUSED }] }, { state: REFUSED }]), Infinity);
    assert.equal(nextDue([]), Infinity);
  });
});

describe("Outbox on IndexedDB", () => {
  let restore;
  let user = 0;
  let auth;
  let calls;
  let answers;
  let lost;
  let lostWith;
  let outbox;

  /** The stand-in API: each call takes the next answer (a value, or an ApiError to throw). */
  async function request(url, options) {
    calls.push({ url, json: options.json, form: options.form, token: options.token });
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    if (answer === undefined) throw new Error(`unexpected request to ${url}`);
    return answer;
  }

  function report(id, photos = []) {
    return {
      id,
      user: auth.username,
      createdAt: new Date().toISOString(),
      payload: { id, description: "路口垃圾堆放" },
      state: WAITING,
      attempts: 0,
      nextAt: 0,
      photos: photos.map((sha256) => ({ key: `${id}/${sha256}`, sha256, purpose: "scene", state: WAITING, attempts: 0, nextAt: 0 })),
    };
  }

  function blobs(id, photos) {
    return photos.map((sha256) => ({ key: `${id}/${sha256}`, reportId: id, sha256, blob: new Blob([sha256], { type: "image/jpeg" }) }));
  }

  async function add(id, photos = []) {
    await store.addReport(report(id, photos), blobs(id, photos));
  }

  const receipt = (number) => ({ status: 201, data: { case: { number }, duplicates: [] } });
  const states = async () => Object.fromEntries((await store.reportsOf(auth.username)).map((item) => [item.id, item.state]));

  before(() => {
    restore = withGlobals({ navigator: { onLine: true }, BroadcastChannel: undefined });
  });

  after(() => restore());

  beforeEach(() => {
    user += 1;
    auth = { username: `gridworker-${user}`, token: `token-${user}` };
    calls = [];
    answers = [];
    lost = 0;
    globalThis.navigator.onLine = true;
    lostWith = null;
    outbox = new Outbox({
      auth: () => auth,
      onAuthLost: (error) => {
        lost += 1;
        lostWith = error;
      },
      request,
      urls: { reports: "/api/reports/", photos: "/api/photos/" },
    });
  });

  afterEach(() => {
    outbox.stop();
    mock.restoreAll();
  });

  test("a report goes first, then its photos; sent photos leave the phone", async () => {
    await add("a", ["p1", "p2"]);
    answers.push(receipt("HD-1"), { status: 201, data: {} }, { status: 201, data: {} });
    await outbox.pump();
    assert.deepEqual(calls.map((call) => call.url), ["/api/reports/", "/api/photos/", "/api/photos/"]);
    assert.deepEqual(calls[0].json, { id: "a", description: "路口垃圾堆放" });
    assert.equal(calls[0].token, auth.token);
    assert.equal(calls[1].form.get("file").name, "p1.jpeg");
    const [item] = await store.reportsOf(auth.username);
    assert.equal(item.state, SENT);
    assert.equal(item.receipt.case.number, "HD-1");
    assert.deepEqual(item.photos.map((photo) => photo.state), [SENT, SENT]);
    assert.deepEqual(await store.photosOf("a"), []);
  });

  test("without an answer it waits out its backoff, then goes again with the same id", async () => {
    mock.method(Math, "random", () => 0);
    await add("b");
    answers.push(network());
    const before = Date.now();
    await outbox.pump();
    let [item] = await store.reportsOf(auth.username);
    assert.equal(item.state, WAITING);
    assert.equal(item.attempts, 1);
    assert.ok(item.nextAt >= before + 1000 && item.nextAt <= Date.now() + 1000, item.nextAt);
    assert.equal(item.problem.kind, "network");
    await outbox.pump(); // still waiting out the backoff: nothing sent
    assert.equal(calls.length, 1);
    answers.push({ status: 200, data: { case: { number: "HD-2" }, duplicates: [] } }); // it had arrived after all
    await outbox.pump(true); // "send now"
    [item] = await store.reportsOf(auth.username);
    assert.deepEqual(calls.map((call) => call.json.id), ["b", "b"]);
    assert.equal(item.state, SENT);
    assert.equal(item.replayed, true);
  });

  test("a server in trouble stops the round: the next report is not tried now", async () => {
    await add("c1");
    await add("c2");
    answers.push(serverTrouble());
    await outbox.pump();
    assert.equal(calls.length, 1);
    assert.deepEqual(await states(), { c1: WAITING, c2: WAITING });
  });

  test("a refused report keeps the server's message, is never sent again, and the others go on", async () => {
    await add("d1");
    await add("d2");
    answers.push(refusal(), receipt("HD-3"));
    await outbox.pump();
    assert.deepEqual(await states(), { d1: REFUSED, d2: SENT });
    const [refused] = await store.reportsOf(auth.username);
    assert.equal(refused.error.message, "请更正 该位置不在任何网格内");
    await outbox.pump(true);
    assert.equal(calls.length, 2);
  });

  test("a 401 stops the round, keeps the report waiting and asks for a new sign-in", async () => {
    await add("e1");
    await add("e2");
    answers.push(signedOut());
    await outbox.pump();
    assert.equal(lost, 1);
    assert.equal(calls.length, 1);
    assert.deepEqual(await states(), { e1: WAITING, e2: WAITING });
  });

  test("a revoked token: the reports wait through the sign-in and go with the new token", async () => {
    await add("r1");
    await add("r2");
    const username = auth.username;
    answers.push(new ApiError("auth", 401, { code: "token_invalid", message: "请重新登录", fields: {} }));
    await outbox.pump();
    assert.equal(lostWith.code, "token_invalid");
    // Signed out: nothing is tried, nothing is dropped.
    const signedIn = auth;
    auth = null;
    await outbox.pump(true);
    assert.equal(calls.length, 1);
    auth = { ...signedIn, token: "new-token" };
    assert.equal(auth.username, username);
    answers.push(receipt("A1"), receipt("A2"));
    await outbox.pump();
    assert.deepEqual(await states(), { r1: SENT, r2: SENT });
    assert.deepEqual(
      calls.slice(1).map((call) => [call.json.id, call.token]),
      [
        ["r1", "new-token"],
        ["r2", "new-token"],
      ],
    );
  });

  test("a photo that failed is resumed alone: the report is not sent again", async () => {
    await add("f", ["p1", "p2"]);
    answers.push(receipt("HD-4"), { status: 201, data: {} }, network());
    await outbox.pump();
    let [item] = await store.reportsOf(auth.username);
    assert.equal(item.state, SENT);
    assert.deepEqual(item.photos.map((photo) => photo.state), [SENT, WAITING]);
    assert.equal(item.photos[1].attempts, 1);
    answers.push({ status: 201, data: {} });
    await outbox.pump(true);
    [item] = await store.reportsOf(auth.username);
    assert.deepEqual(calls.map((call) => call.url), ["/api/reports/", "/api/photos/", "/api/photos/", "/api/photos/"]);
    assert.equal(calls[3].form.get("file").name, "p2.jpeg");
    assert.deepEqual(item.photos.map((photo) => photo.state), [SENT, SENT]);
  });

  test("a refused photo does not hold up the next one", async () => {
    await add("g", ["p1", "p2"]);
    answers.push(receipt("HD-5"), refusal(), { status: 201, data: {} });
    await outbox.pump();
    const [item] = await store.reportsOf(auth.username);
    assert.deepEqual(item.photos.map((photo) => photo.state), [REFUSED, SENT]);
  });

  test("offline for certain: nothing is tried", async () => {
    await add("h");
    globalThis.navigator.onLine = false;
    await outbox.pump(true);
    assert.equal(calls.length, 0);
    assert.deepEqual(await states(), { h: WAITING });
  });

  test("on start, a report the app left sending waits again and is sent", async () => {
    await store.addReport({ ...report("i"), state: SENDING }, []);
    answers.push(receipt("HD-6"));
    await outbox.start();
    await new Promise((resolve) => setTimeout(resolve, 50)); // start() does not wait for its round
    assert.deepEqual(await states(), { i: SENT });
  });

  test("each change is announced, for the lists to redraw", async () => {
    let changes = 0;
    outbox.addEventListener("change", () => (changes += 1));
    answers.push(receipt("HD-8"));
    await outbox.add(report("j"), []);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(changes >= 3, changes); // added, sending, sent
    assert.deepEqual(await states(), { j: SENT });
  });

  test("reports sent more than two weeks ago are dropped from the phone", async () => {
    await store.addReport({ ...report("k"), state: SENT, sentAt: new Date(Date.now() - 15 * DAY).toISOString() }, []);
    await store.addReport({ ...report("l"), state: SENT, sentAt: new Date(Date.now() - DAY).toISOString() }, []);
    await outbox.pump();
    assert.deepEqual(await states(), { l: SENT });
  });
});
