/* Resumable photos on the phone: the outbox keeps each photo's upload address and confirmed bytes
 * (IndexedDB, fake-indexeddb here) and hands them back to the sender after a drop or a restart;
 * tus-js-client's failures are sorted like every other answer (assets/phone/upload.js). */
import "fake-indexeddb/auto";

import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";

import { ApiError } from "../assets/common/api.js";
import * as store from "../assets/phone/db.js";
import { Outbox, REFUSED, SENT, WAITING, photoShare } from "../assets/phone/outbox.js";
import { asApiError } from "../assets/phone/upload.js";
import { withGlobals } from "./helpers.mjs";

const network = () => new ApiError("network", 0, { code: "network", message: "network error", fields: {} });

function answered(status, body) {
  return { originalResponse: { getStatus: () => status, getBody: () => JSON.stringify(body) } };
}

describe("tus-js-client's failures, sorted", () => {
  test("no answer is the network; a 401 is the sign-in; offset and gone are for later", () => {
    assert.equal(asApiError(new Error("xhr error")).kind, "network");
    assert.equal(asApiError(answered(401, { code: "token_invalid", message: "请重新登录" })).kind, "auth");
    for (const status of [404, 409, 410, 423, 429, 500, 503]) assert.equal(asApiError(answered(status, {})).kind, "retry");
  });

  test("a checksum mismatch or a photo refused at the end is refused, with the server's message", () => {
    const error = asApiError(answered(460, { code: "checksum_mismatch", message: "内容不符", fields: {} }));
    assert.equal(error.kind, "refused");
    assert.equal(error.code, "checksum_mismatch");
    assert.equal(error.summary, "内容不符");
    assert.equal(asApiError(answered(400, { code: "invalid", message: "不是照片", fields: {} })).kind, "refused");
  });
});

describe("the outbox sends photos resumably", () => {
  let restore;
  let outbox;
  let sends;
  let behave;
  let user = 0;
  let auth;

  before(() => {
    restore = withGlobals({ navigator: { onLine: true }, BroadcastChannel: undefined });
  });

  after(() => restore());

  beforeEach(() => {
    user += 1;
    auth = { username: `gridworker-up-${user}`, token: `token-${user}` };
    sends = [];
    outbox = new Outbox({
      auth: () => auth,
      request: async () => ({ status: 201, data: { case: { number: "HD-1" }, duplicates: [] } }),
      urls: { reports: "/api/reports/" },
      sendPhoto: async (options) => {
        sends.push({ uploadUrl: options.photo.uploadUrl, size: options.stored.blob.size });
        return behave(options);
      },
    });
  });

  afterEach(() => outbox.stop());

  async function addWithPhoto(id, bytes = 1000) {
    const sha256 = "a".repeat(64);
    const key = `${id}/${sha256}`;
    const item = {
      id,
      user: auth.username,
      createdAt: new Date().toISOString(),
      payload: { id },
      state: WAITING,
      attempts: 0,
      nextAt: 0,
      photos: [{ key, sha256, purpose: "evidence", state: WAITING, attempts: 0, nextAt: 0 }],
    };
    await store.addReport(item, [{ key, reportId: id, sha256, blob: new Blob([new Uint8Array(bytes)], { type: "image/jpeg" }) }]);
    return key;
  }

  const photoOf = async (id) => (await store.getReport(id)).photos[0];

  test("a drop keeps the address and the confirmed bytes; the next try resumes from them", async () => {
    await addWithPhoto("a");
    const progress = [];
    outbox.addEventListener("progress", (event) => progress.push(event.detail.sent));
    behave = async ({ onUrl, onProgress, onChunk }) => {
      onUrl("http://phone.test/api/uploads/u1/");
      onProgress(256, 1000);
      onChunk(256, 1000);
      onProgress(500, 1000); // the signal drops in the middle of the second chunk
      throw network();
    };
    await outbox.pump();
    let photo = await photoOf("a");
    assert.equal(photo.state, WAITING);
    assert.equal(photo.uploadUrl, "http://phone.test/api/uploads/u1/");
    assert.equal(photo.offset, 256);
    assert.equal(photo.attempts, 1);
    assert.deepEqual(progress, [256, 500]);
    assert.equal(photoShare(photo, null), 0.256); // what a restarted app shows before the first byte
    assert.equal(outbox.progress.size, 0);

    behave = async ({ onUrl, onChunk }) => {
      onUrl("http://phone.test/api/uploads/u1/");
      onChunk(1000, 1000);
    };
    await outbox.pump(true);
    assert.equal(sends[1].uploadUrl, "http://phone.test/api/uploads/u1/");
    photo = await photoOf("a");
    assert.equal(photo.state, SENT);
    assert.equal(photoShare(photo, null), 1);
    assert.deepEqual(await store.photosOf("a"), []);
  });

  test("a new outbox (the app restarted) hands the kept address to the sender", async () => {
    await addWithPhoto("b");
    behave = async ({ onUrl }) => {
      onUrl("http://phone.test/api/uploads/u2/");
      throw network();
    };
    await outbox.pump();
    outbox.stop();
    const restarted = new Outbox({
      auth: () => auth,
      request: async () => ({ status: 201, data: {} }),
      urls: {},
      sendPhoto: async ({ photo }) => sends.push({ uploadUrl: photo.uploadUrl }),
    });
    await restarted.pump(true);
    restarted.stop();
    assert.equal(sends.at(-1).uploadUrl, "http://phone.test/api/uploads/u2/");
    assert.equal((await photoOf("b")).state, SENT);
  });

  test("a photo the server refuses at the end is refused and not sent again", async () => {
    await addWithPhoto("c");
    behave = async () => {
      throw asApiError(answered(460, { code: "checksum_mismatch", message: "内容不符", fields: {} }));
    };
    await outbox.pump();
    const photo = await photoOf("c");
    assert.equal(photo.state, REFUSED);
    assert.equal(photo.error.message, "内容不符");
    await outbox.pump(true);
    assert.equal(sends.length, 1);
  });
});
