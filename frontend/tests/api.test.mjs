/* The API client (assets/common/api.js): credentials per face, the one error shape, kinds of failure. */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import { ApiError, classify, describe as describeBody, errorBody, request, setNetworkMessage } from "../assets/common/api.js";
import { withGlobals } from "./helpers.mjs";

test("classify sorts statuses into what to do next", () => {
  assert.equal(classify(0), "network");
  assert.equal(classify(401), "auth");
  for (const status of [408, 429, 500, 502, 503]) assert.equal(classify(status), "retry", status);
  for (const status of [400, 403, 404, 409, 413, 422]) assert.equal(classify(status), "refused", status);
});

describe("errorBody", () => {
  test("keeps the project's shape", () => {
    const body = { code: "stale", message: "已被他人修改", fields: { version: ["过期"] } };
    assert.deepEqual(errorBody(409, body, "Conflict"), body);
  });

  test("fills in what the shape lacks", () => {
    assert.deepEqual(errorBody(400, { code: "invalid" }, "Bad Request"), { code: "invalid", message: "Bad Request", fields: {} });
    assert.deepEqual(errorBody(400, { message: "不行" }, ""), { code: "error", message: "不行", fields: {} });
  });

  test("makes one from the status when the answer is not the shape", () => {
    for (const data of [null, "<html>", ["a"], { detail: "DRF default" }]) {
      assert.deepEqual(errorBody(502, data, "Bad Gateway"), { code: "error", message: "Bad Gateway", fields: {} }, data);
    }
    assert.equal(errorBody(502, null, "").message, "HTTP 502");
  });
});

test("describe puts the fields' messages after the message, each once", () => {
  const body = { message: "请更正", fields: { lon: ["超出边界"], lat: ["超出边界"], photos: ["太大", "请更正"] } };
  assert.equal(describeBody(body), "请更正 超出边界 太大");
  assert.equal(describeBody(null), "");
  assert.equal(describeBody({ fields: { name: "必填" } }), "必填");
});

test("ApiError carries the shape and a one-line summary", () => {
  const error = new ApiError("refused", 400, { code: "invalid", message: "请更正", fields: { lon: ["超出边界"] } });
  assert.ok(error instanceof Error);
  assert.equal(error.message, "请更正");
  assert.equal(error.code, "invalid");
  assert.deepEqual(error.fields, { lon: ["超出边界"] });
  assert.equal(error.summary, "请更正 超出边界");
  const bare = new ApiError("network", 0, null);
  assert.equal(bare.message, "network");
  assert.equal(bare.code, "network");
  assert.deepEqual(bare.fields, {});
});

describe("request", () => {
  let calls;
  let answer;
  let restore;

  const json = (status, body, statusText = "") =>
    new Response(JSON.stringify(body), { status, statusText, headers: { "Content-Type": "application/json" } });

  beforeEach(() => {
    calls = [];
    answer = () => json(200, { ok: true });
    restore = withGlobals({
      fetch: async (url, init) => {
        calls.push({ url, init });
        return answer(init);
      },
    });
  });

  afterEach(() => {
    restore();
    setNetworkMessage("network error");
  });

  test("the phone's token, no cookies; a JSON body", async () => {
    answer = () => json(201, { case: { number: "HD-1" } });
    const result = await request("/api/reports/", {
      method: "POST",
      token: "t0k",
      json: { id: "r1" },
      language: "zh-hans",
      credentials: "omit",
      cache: "no-store",
    });
    assert.deepEqual(result, { status: 201, data: { case: { number: "HD-1" } } });
    const { url, init } = calls[0];
    assert.equal(url, "/api/reports/");
    assert.equal(init.method, "POST");
    assert.equal(init.headers.Authorization, "Token t0k");
    assert.equal(init.headers["Accept-Language"], "zh-hans");
    assert.equal(init.headers["Content-Type"], "application/json");
    assert.equal(init.headers["X-CSRFToken"], undefined);
    assert.equal(init.credentials, "omit");
    assert.equal(init.cache, "no-store");
    assert.equal(init.body, JSON.stringify({ id: "r1" }));
  });

  test("the session: CSRF on a POST, not on a GET", async () => {
    await request("/api/cases/1/accept/", { method: "POST", json: { version: 3 }, csrf: "c5rf" });
    await request("/api/cases/", { csrf: "c5rf" });
    assert.equal(calls[0].init.headers["X-CSRFToken"], "c5rf");
    assert.equal(calls[0].init.credentials, "same-origin");
    assert.equal(calls[0].init.headers.Authorization, undefined);
    assert.equal(calls[1].init.headers["X-CSRFToken"], undefined);
    assert.equal(calls[1].init.body, undefined);
  });

  test("the wall's display token", async () => {
    await request("/api/wall/", { display: "d1sp" });
    assert.equal(calls[0].init.headers.Authorization, "Display d1sp");
  });

  test("a form goes as it is, without a JSON type", async () => {
    const form = new FormData();
    form.append("file", new Blob(["x"], { type: "image/jpeg" }), "a.jpg");
    await request("/api/photos/", { method: "POST", form, token: "t" });
    assert.equal(calls[0].init.body, form);
    assert.equal(calls[0].init.headers["Content-Type"], undefined);
  });

  test("204: no data", async () => {
    answer = () => new Response(null, { status: 204 });
    assert.deepEqual(await request("/x", { method: "DELETE" }), { status: 204, data: null });
  });

  test("an error in the project's shape becomes an ApiError with its code, message and fields", async () => {
    answer = () => json(409, { code: "stale", message: "已被他人修改", fields: { version: ["过期"] } }, "Conflict");
    const error = await request("/api/cases/1/accept/", { method: "POST", json: {} }).catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, "refused");
    assert.equal(error.status, 409);
    assert.equal(error.code, "stale");
    assert.equal(error.message, "已被他人修改");
    assert.deepEqual(error.fields, { version: ["过期"] });
  });

  test("an error page that is not JSON: a retry with the status text", async () => {
    answer = () => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" });
    const error = await request("/api/reports/").catch((e) => e);
    assert.equal(error.kind, "retry");
    assert.equal(error.status, 502);
    assert.equal(error.message, "Bad Gateway");
    assert.equal(error.code, "error");
  });

  test("401 asks for a new sign-in", async () => {
    answer = () => json(401, { code: "not_authenticated", message: "请登录" });
    const error = await request("/api/cases/").catch((e) => e);
    assert.equal(error.kind, "auth");
    assert.equal(error.code, "not_authenticated");
  });

  test("no answer at all: a network error with the face's message", async () => {
    setNetworkMessage("网络错误");
    answer = () => {
      throw new TypeError("Failed to fetch");
    };
    const error = await request("/api/cases/").catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, "network");
    assert.equal(error.status, 0);
    assert.equal(error.message, "网络错误");
  });

  test("a success that is not JSON (a captive portal's page) counts as no answer", async () => {
    answer = () => new Response("<html>Sign in to the Wi-Fi</html>", { status: 200 });
    const error = await request("/api/reports/", { method: "POST", json: {} }).catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, "network");
  });

  test("the caller's abort is an AbortError, not an ApiError", async () => {
    answer = (init) =>
      new Promise((resolve, reject) => {
        init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    const controller = new AbortController();
    const pending = request("/api/cases/", { signal: controller.signal }).catch((e) => e);
    controller.abort();
    const error = await pending;
    assert.equal(error.name, "AbortError");
    assert.ok(!(error instanceof ApiError));
  });

  test("a time limit ends a request that does not answer, as a network error", async () => {
    answer = (init) =>
      new Promise((resolve, reject) => {
        init.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    const error = await request("/api/reports/", { timeoutMs: 5 }).catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.kind, "network");
  });
});
